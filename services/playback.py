"""Playback: the server's one truth of where a party's video is, and the commands that
change it. Clients compute where they should be from the state and correct their drift."""

from __future__ import annotations

import math
import time

from sqlalchemy import select, update

from extensions import db
from models.party import Party, QueueItem
from models.user import User
from realtime.bus import bus
from services import parties, party_access, party_queue
from services.errors import Conflict, ValidationError
from services.party_access import PartyAccess

POSITION_MAX = 7 * 24 * 3600.0  # a week of video is more than anyone queues
RATE_MIN, RATE_MAX = 0.25, 2.0
DRIFT = "party:drift"


def expected_position(state: dict, server_now: float) -> float:
    """Where playback is now: `position + (now - at) * rate` while playing."""
    if not state["playing"]:
        return state["position"]
    return max(0.0, state["position"] + (server_now - state["at"]) * state["rate"])


def drift(reported: float, state: dict, server_now: float) -> float:
    """Positive: the client is ahead of the party; negative: behind."""
    return reported - expected_position(state, server_now)


def _position(value: object, *, required: bool) -> float | None:
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError("'position' must be a number of seconds.", field="position")
    value = float(value)
    if not math.isfinite(value) or not 0 <= value <= POSITION_MAX:
        raise ValidationError(f"'position' must be from 0 to {POSITION_MAX:.0f}.", field="position")
    return value


def _apply(access: PartyAccess, **changes: object) -> dict:
    """Write a new state with the next version, atomically, and tell everyone."""
    _write(access.party, None, changes)
    return _announce(access.party)


def _write(party: Party, expected_version: int | None, changes: dict) -> bool:
    """With `expected_version`, nothing is written unless the state is still that one."""
    if party.status == "upcoming":
        parties.begin(party)
    statement = update(Party).where(Party.id == party.id)
    if expected_version is not None:
        statement = statement.where(Party.version == expected_version)
    written = db.session.execute(
        statement.values(**changes, at=time.time(), version=Party.version + 1)
    ).rowcount
    if written:
        db.session.commit()
    else:
        db.session.rollback()
    db.session.refresh(party)
    return bool(written)


def _announce(party: Party) -> dict:
    data = parties.state(party)
    bus.publish(parties.channel(party.id), parties.PARTY_STATE, data)
    return data


def _now_position(party: Party) -> float:
    return expected_position(parties.state(party), time.time())


def play(actor: User, party_id: object, position: object = None) -> dict:
    access = party_access.driver(actor, party_id)
    start = _position(position, required=False)
    return _apply(
        access, playing=True, position=_now_position(access.party) if start is None else start
    )


def pause(actor: User, party_id: object, position: object = None) -> dict:
    access = party_access.driver(actor, party_id)
    stop = _position(position, required=False)
    return _apply(
        access, playing=False, position=_now_position(access.party) if stop is None else stop
    )


def seek(actor: User, party_id: object, position: object) -> dict:
    access = party_access.driver(actor, party_id)
    return _apply(access, position=_position(position, required=True))


def set_rate(actor: User, party_id: object, rate: object) -> dict:
    access = party_access.driver(actor, party_id)
    if isinstance(rate, bool) or not isinstance(rate, int | float) or not math.isfinite(rate):
        raise ValidationError("'rate' must be a number.", field="rate")
    if not RATE_MIN <= rate <= RATE_MAX:
        raise ValidationError(f"'rate' must be from {RATE_MIN} to {RATE_MAX}.", field="rate")
    return _apply(access, position=_now_position(access.party), rate=float(rate))


def next_item(actor: User, party_id: object, version: object = None) -> dict:
    """Play the next queued item from its start.

    `version` is the state the asker saw end: when several drivers ask at the end of the
    same item, or one asks twice, only the first advances the queue; the others get the
    state as it is now."""
    access = party_access.driver(actor, party_id)
    party = access.party
    if version is not None and (isinstance(version, bool) or not isinstance(version, int)):
        raise ValidationError("'version' must be a whole number.", field="version")
    expected = party.version if version is None else version
    if expected != party.version:
        return parties.state(party)
    item = db.session.scalar(
        select(QueueItem)
        .where(QueueItem.party_id == party.id, QueueItem.status == "queued")
        .order_by(QueueItem.position, QueueItem.id)
        .limit(1)
    )
    if item is None:
        raise Conflict("The queue is empty.", code="queue_empty")
    item.status = "played"
    db.session.flush()
    changes = {"media_url": item.media_url, "position": 0.0, "playing": True}
    if not _write(party, expected, {**changes, "queue_item_id": item.id}):
        return parties.state(party)
    data = _announce(party)
    party_queue.announce(party.id)
    return data


def heartbeat(
    actor: User, party_id: object, position: object, playing: object, buffering: object = False
) -> dict:
    """A participant's report: answers their drift and the state; the host and co-hosts
    see each participant's drift and who is buffering."""
    access = party_access.present(actor, party_id)
    reported = _position(position, required=True)
    if not isinstance(playing, bool):
        raise ValidationError("'playing' must be true or false.", field="playing")
    if not isinstance(buffering, bool):
        raise ValidationError("'buffering' must be true or false.", field="buffering")
    now = time.time()
    current = parties.state(access.party)
    off = drift(reported, current, now)
    bus.publish(
        parties.drivers_channel(access.party.id),
        DRIFT,
        {
            "party_id": access.party.id,
            "user_id": actor.id,
            "drift": round(off, 3),
            "playing": playing,
            "buffering": buffering,
        },
    )
    return {"drift": off, "state": current, "server_time": now}
