"""Jinja filters shared by every page."""

from __future__ import annotations

from datetime import datetime

from flask import Flask

from models.clock import as_utc, utcnow


def ago(moment: str | datetime | None) -> str:
    """'just now', '5 minutes ago', '3 hours ago', '2 days ago', or the date."""
    if not moment:
        return ""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    seconds = (utcnow() - as_utc(moment)).total_seconds()
    if seconds < 60:
        return "just now"
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            count = int(seconds // size)
            if unit == "day" and count > 30:
                return moment.strftime("%d %b %Y")
            return f"{count} {unit}{'s' if count != 1 else ''} ago"
    return "just now"


def register_template_filters(app: Flask) -> None:
    app.add_template_filter(ago)
