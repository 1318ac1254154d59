"""Playback: the server's one truth of where a party's video is, and the commands that
change it. Clients compute where they should be from the state and correct their drift."""

from __future__ import annotations

import functools
import math
import time

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql.dml import Update

from errors import Conflict, ValidationError, granted
from extensions import db
from models.party import Party, QueueItem
from models.user import User
from realtime.bus import bus
from services import parties, party_access, party_queue, party_shapes
from services.party_access import PartyAccess

POSITION_MAX = 7 * 24 * 3600.0  # a week of video is more than anyone queues
DURATION_MAX = 24 * 3600.0
END_SLACK = 1.0  # seconds: a report of the end this close to it is believed
RATE_MIN, RATE_MAX = 0.25, 2.0
DRIFT = "party:drift"


def expected_position(state: dict, server_now: float) -> float:
    """Where playback is now: `position + (now - at) * rate` while playing, never past the
    end of the media once its duration is known."""
    if not state["playing"]:
        return state["position"]
    now = max(0.0, state["position"] + (server_now - state["at"]) * state["rate"])
    duration = state.get("duration")
    return min(now, duration) if duration else now


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
    """Write a new state with the next version, atomically, tell everyone, and commit."""
    if not _write(access.party, None, changes):
        party_access.not_ended(access.party)  # it ended while this was on its way
        return party_shapes.state(access.party)
    data = _announce(access.party)
    db.session.commit()
    return data


def _write(
    party: Party, expected_version: int | None, changes: dict, *, begin: bool = True
) -> bool:
    """With `expected_version`, nothing is written unless the state is still that one;
    nothing is written to a party that has ended (its end may commit between a control's
    checks and its write). A position is never written past the end of the media. In the
    caller's unit of work; `party` shows the row as it is now either way: written, from
    what the update returns; refused, read again."""
    if begin and party.status == "upcoming":
        parties.begin(party)
    duration = changes.get("duration", party.duration)
    if duration and "position" in changes:
        changes = {**changes, "position": min(changes["position"], duration)}
    db.session.flush()  # what the unit of work changed before (a party begun) goes first
    statement = _state_update(frozenset(changes), expected_version is not None)
    params = {f"new_{key}": value for key, value in changes.items()}
    params |= {"party_id": party.id, "new_at": time.time()}
    if expected_version is not None:
        params["expected"] = expected_version
    row = db.session.connection().execute(statement, params).first()
    if row is None:
        db.session.refresh(party)
        return False
    for column, value in zip(_PARTIES.c, row, strict=True):
        set_committed_value(party, column.key, value)
    return True


_PARTIES = Party.__table__


@functools.cache
def _state_update(keys: frozenset[str], checked: bool) -> Update:
    """One statement per kind of change, built once: it writes the next version and
    returns the whole row, so nothing is read back."""
    statement = update(_PARTIES).where(
        _PARTIES.c.id == bindparam("party_id"), _PARTIES.c.status != "ended"
    )
    if checked:
        statement = statement.where(_PARTIES.c.version == bindparam("expected"))
    values = {key: bindparam(f"new_{key}") for key in keys | {"at"}}
    values["version"] = _PARTIES.c.version + 1
    return statement.values(values).returning(*_PARTIES.c)


def _announce(party: Party) -> dict:
    data = party_shapes.state(party)
    bus.publish(party_shapes.channel(party.id), party_shapes.PARTY_STATE, data)
    return data


def _now_position(party: Party) -> float:
    return expected_position(party_shapes.state(party), time.time())


def _controller(actor: User, party_id: object) -> PartyAccess:
    """A driver, for a control of playback. The first control of a party that has not
    started starts it, which is its host's to do: a co-host's waits for that."""
    access = party_access.driver(actor, party_id)
    return granted(
        access,
        access.is_host or access.party.status != "upcoming",
        "Only the host can start the party.",
    )


def play(actor: User, party_id: object, position: object = None) -> dict:
    access = _controller(actor, party_id)
    start = _position(position, required=False)
    return _apply(
        access, playing=True, position=_now_position(access.party) if start is None else start
    )


def pause(actor: User, party_id: object, position: object = None) -> dict:
    access = _controller(actor, party_id)
    stop = _position(position, required=False)
    return _apply(
        access, playing=False, position=_now_position(access.party) if stop is None else stop
    )


def seek(actor: User, party_id: object, position: object) -> dict:
    access = _controller(actor, party_id)
    return _apply(access, position=_position(position, required=True))


def set_rate(actor: User, party_id: object, rate: object) -> dict:
    access = _controller(actor, party_id)
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
    access = _controller(actor, party_id)
    party = access.party
    expected = party.version if version is None else _version(version)
    if expected != party.version:
        return party_shapes.state(party)
    item = _next_queued(party)
    if item is None:
        raise Conflict("The queue is empty.", code="queue_empty")
    data = _advance(party, item, expected)
    db.session.commit()
    return data


def _version(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError("'version' must be a whole number.", field="version")
    return value


def _next_queued(party: Party) -> QueueItem | None:
    return db.session.scalar(
        select(QueueItem)
        .where(QueueItem.party_id == party.id, QueueItem.status == "queued")
        .order_by(QueueItem.position, QueueItem.id)
        .limit(1)
    )


def _advance(party: Party, item: QueueItem, expected: int) -> dict:
    """Start `item` for everyone, unless the state moved on from `expected` meanwhile.
    In the caller's unit of work."""
    changes = {"media_url": item.media_url, "position": 0.0, "playing": True, "duration": None}
    if not _write(party, expected, {**changes, "queue_item_id": item.id}):
        return party_shapes.state(party)
    item.status = "played"
    data = _announce(party)
    party_queue.announce(party.id)
    return data


def report_duration(actor: User, party_id: object, media_url: object, duration: object) -> dict:
    """How long the media playing now is, as a driver's player measured it. Only a
    driver's report counts: the length decides where the position stops and when the end
    of the media is believed (`media_ended`), so a viewer's report, which anyone could
    make up, changes nothing and is answered with the state. A report about other media
    (the queue moved on while it travelled) changes nothing either."""
    access = party_access.present(actor, party_id)
    if isinstance(duration, bool) or not isinstance(duration, int | float):
        raise ValidationError("'duration' must be a number of seconds.", field="duration")
    value = float(duration)
    if not math.isfinite(value) or not 0 < value <= DURATION_MAX:
        raise ValidationError(
            f"'duration' must be above 0 and at most {DURATION_MAX:.0f}.", field="duration"
        )
    party = access.party
    if media_url != party.media_url or party.duration == value or not access.drives:
        return party_shapes.state(party)
    changes = {"duration": value, "position": _now_position(party)}
    if not _write(party, party.version, changes, begin=False):
        return party_shapes.state(party)
    data = _announce(party)
    db.session.commit()
    return data


def media_ended(actor: User, party_id: object, version: object) -> dict:
    """A player reached the end of the media. Anyone in the party may say so; the server
    believes it only when its own clock agrees. Then the next queued item starts for
    everyone or, with none, the party pauses at the end. `version` is the state the
    reporter saw end, so several reports of one end act once."""
    access = party_access.present(actor, party_id)
    data = _finish_media(access.party, _version(version), time.time())
    db.session.commit()
    return data


def _finish_media(party: Party, version: int, now: float) -> dict:
    """In the caller's unit of work."""
    current = party_shapes.state(party)
    duration = party.duration
    if (
        version != party.version
        or party.status != "live"
        or not party.playing
        or not duration
        or expected_position(current, now) < duration - END_SLACK
    ):
        return current
    item = _next_queued(party)
    if item is not None:
        return _advance(party, item, version)
    if not _write(party, version, {"playing": False, "position": duration}, begin=False):
        return party_shapes.state(party)
    return _announce(party)


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
    current = party_shapes.state(access.party)
    if access.party.duration and expected_position(current, now) >= access.party.duration:
        # Nobody's player said the media ended (hidden tabs, a lost report): the server's
        # own clock says so.
        current = _finish_media(access.party, access.party.version, now)
    off = drift(reported, current, now)
    bus.publish(
        party_shapes.drivers_channel(access.party.id),
        DRIFT,
        {
            "party_id": access.party.id,
            "user_id": actor.id,
            "drift": round(off, 3),
            "playing": playing,
            "buffering": buffering,
        },
    )
    db.session.commit()
    return {"drift": off, "state": current, "server_time": now}
