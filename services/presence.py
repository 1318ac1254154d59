"""Presence rules: a user sets their own status; the bus tells those who may see it."""

from __future__ import annotations

from errors import ValidationError
from realtime.bus import bus
from services.validation import string

SETTABLE = ("online", "away", "busy")


def set_status(user_id: int, payload: dict) -> dict:
    status = string(payload, "status", max_length=16)
    if status not in SETTABLE:
        raise ValidationError("'status' must be online, away or busy.", field="status")
    return bus.presence.set_status(user_id, status)


def snapshot(user_id: int) -> dict:
    """`{"user_id", "status", "last_seen"}`; status is offline when no connection lives."""
    return bus.presence.snapshot(user_id)


def own(user_id: int) -> dict:
    """One's own presence, shown on a page one is looking at: never offline, since that
    page is open (its live connection may not have opened yet)."""
    return bus.presence.snapshot(user_id, here=True)
