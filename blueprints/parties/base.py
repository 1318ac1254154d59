"""The parties blueprint itself, its template filter, and the helpers its pages use to
read forms."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

from flask import Blueprint, url_for

bp = Blueprint("parties", __name__)


@bp.app_template_filter("clock")
def clock(seconds: float | None) -> str:
    """A video time as 1:02:03 or 2:03."""
    if seconds is None:
        return ""
    whole = max(0, int(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def number_or_raw(raw: str | None) -> float | str | None:
    if raw is None or not raw.strip():
        return None
    try:
        return float(raw)
    except ValueError:
        return raw


def scheduled(form) -> str | None:
    """The form's local start time as ISO 8601 with its zone. The page's script puts the
    browser's UTC offset (in minutes, as JavaScript counts it) in `tz_offset`; without it
    the time is taken as UTC."""
    raw = form.get("scheduled_at", "").strip()
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        return raw  # the service explains what it wants
    if moment.tzinfo is None:
        offset = form.get("tz_offset", "").strip()
        minutes = int(offset) if re.fullmatch(r"-?\d{1,3}", offset) else 0
        if abs(minutes) > 14 * 60:
            minutes = 0
        moment = moment.replace(tzinfo=timezone(timedelta(minutes=-minutes)))
    # In UTC: stored times are UTC, and SQLite keeps no offset.
    return moment.astimezone(UTC).isoformat()


def party_url(party_id: int, anchor: str | None = None) -> str:
    return url_for("parties.show", party_id=party_id, _anchor=anchor)
