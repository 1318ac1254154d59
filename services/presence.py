"""Presence rules: a user sets their own status; the bus tells those who may see it.

A status is chosen by hand or set automatically: a page that sees no activity for a while
sets `away` with `auto`, and sets `online` with `auto` again on the next activity. An
automatic change never overrides a choice made by hand, so a person who chose busy or away
stays so however idle their pages are.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from errors import ValidationError
from realtime.bus import bus
from realtime.presence_store import Choice
from services.validation import boolean, clean_text, require_object, string

SETTABLE = ("online", "away", "busy")
TEXT_MAX = 80


def set_status(user_id: int, payload: Mapping[str, Any]) -> dict:
    """`payload` is `{"status", "text"?, "auto"?}`. Without `text` the current text stays;
    an empty or null `text` clears it. Answers the presence as now shown, with `auto`
    saying whether the status standing is an automatic one."""
    payload = require_object(payload)
    status = string(payload, "status", max_length=16)
    if status not in SETTABLE:
        raise ValidationError("'status' must be online, away or busy.", field="status")
    auto = boolean(payload, "auto", default=False)
    current = bus.presence.choice(user_id)
    text = current.text
    if "text" in payload:
        text = clean_text(
            string(payload, "text", max_length=TEXT_MAX, required=False) or "", "text"
        )
    if auto:
        if status == "busy":
            raise ValidationError("Only away and online are set automatically.", field="auto")
        if not _automatic_change_allowed(current, status):
            return _answer(user_id, current)
    choice = Choice(status=status, text=text, auto=auto and status == "away")
    if choice == current:
        return _answer(user_id, current)
    bus.presence.choose(user_id, choice)
    return _answer(user_id, choice)


def _automatic_change_allowed(current: Choice, status: str) -> bool:
    """Idle turns only `online` into away; activity undoes only an automatic away."""
    if status == "away":
        return current.status == "online"
    return current.status == "away" and current.auto


def _answer(user_id: int, choice: Choice) -> dict:
    return {**bus.presence.snapshot(user_id, here=True), "auto": choice.auto}


def mine(user_id: int) -> dict:
    """One's own presence for one's status control: as `own`, with `auto`."""
    return _answer(user_id, bus.presence.choice(user_id))


def snapshot(user_id: int) -> dict:
    """`{"user_id", "status", "text", "last_seen"}`; offline when no connection lives."""
    return bus.presence.snapshot(user_id)


def snapshots(user_ids: list[int]) -> list[dict]:
    """`snapshot` of each of `user_ids`, read together; none while presence cannot be
    read (nothing is said rather than something false)."""
    return bus.presence.snapshots(user_ids)


def own(user_id: int) -> dict:
    """One's own presence, shown on a page one is looking at: never offline, since that
    page is open (its live connection may not have opened yet)."""
    return bus.presence.snapshot(user_id, here=True)
