"""The overview (figures and the latest of the audit log) and the audit log itself."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from blueprints.admin.base import ROLES, bp, duration, utc
from services import moderation, moderation_views

TRANSPORTS = {
    "socketio": "Socket.IO",
    "sse": "Event stream (JSON)",
    "sse-html": "Event stream (pages)",
    "longpoll": "Long-polling",
}
ACTIONS = {
    "resolve_report": "resolved",
    "ban": "banned",
    "unban": "lifted the ban on",
    "mute": "muted",
    "warn": "warned",
    "remove_message": "removed",
    "end_party": "ended",
    "close_room": "closed",
    "close_group": "closed",
    "set_role": "changed the role of",
    "post_announcement": "posted",
    "withdraw_announcement": "withdrew",
}


@bp.get("")
def dashboard():
    entries = moderation.audit_log(current_user, limit=10)
    return render_template("admin/dashboard.html", entries=audit_views(entries), **_figures())


@bp.get("/figures")
def figures():
    """The dashboard's figures alone: the page refreshes them every few seconds."""
    return render_template("admin/_figures.html", **_figures())


def _figures() -> dict:
    found = moderation_views.figures()
    counts = found.pop("transport_counts")
    transports = [(label, counts.get(name, 0)) for name, label in TRANSPORTS.items()]
    transports += [(name, n) for name, n in counts.items() if name not in TRANSPORTS]
    return {**found, "transports": transports, "connections": sum(counts.values())}


@bp.get("/audit")
def audit():
    entries = moderation.audit_log(current_user, limit=100)
    return render_template("admin/audit.html", entries=audit_views(entries))


def audit_views(entries: list) -> list[dict]:
    """Audit entries in words, with the people they name linked."""
    views = moderation_views.audit_views(entries)
    for view in views:
        view["verb"] = ACTIONS.get(view["action"], view["action"].replace("_", " "))
        view["summary"] = _details(view["action"], view["details"])
    return views


def _details(action: str, details: dict) -> str:
    if action == "ban":
        until = details.get("expires_at")
        return f"until {utc(until)}" if until else "until lifted"
    if action == "mute":
        minutes = details.get("minutes") or 0
        text = f"for {duration(minutes)}" if minutes else "mute lifted"
        if details.get("conversation_id"):
            text += f" in conversation #{details['conversation_id']}"
        return text
    if action == "set_role":
        return f"to {ROLES.get(details.get('role'), details.get('role'))}".lower()
    if action == "post_announcement" and details.get("expires_at"):
        return f"until {utc(details['expires_at'])}"
    if action == "resolve_report":
        return f"decision: {details.get('decision')}"
    if action == "remove_message" and details.get("conversation_id"):
        return f"in conversation #{details['conversation_id']}"
    return ", ".join(f"{key}: {value}" for key, value in details.items())
