"""What a stream is sent of parties' playback beyond what is published while it is open:
the current state after a resume, the states a Redis outage kept from this worker's
clients, and the check that finds states this worker never heard.

A party's state is only ever sent live (`party:state` is ephemeral); the database holds
the truth. A long-poll opens a stream for each poll, so the state after a resume is what
keeps a long-poller in step: it is sent the state of each party whose `at` moved after
what its client last heard. Which parties moved, this worker knows from its marks
(`realtime/state_marks.py`): the `at` of every state it handed on, and of every state the
check below found it had not. The database is read only for a party it has no mark of,
or while checks are not vouching for the marks.
"""

from __future__ import annotations

import time

from sqlalchemy import bindparam, select

from extensions import db
from models.driver_statements import DriverStatement
from models.party import Party
from models.read_connection import reading
from realtime.bus import bus
from realtime.channels import channels_for, resume_hook
from realtime.events import Envelope, party_of
from realtime.state_marks import HEARD_WITHIN_S, marks
from services.party_shapes import PARTY_STATE, channel, state

ENDED = "ended"  # a party's status once over: it has no state to send

marks.track(PARTY_STATE)

_STATE_AT = DriverStatement(
    select(Party.at).where(Party.id == bindparam("party_id"), Party.status != ENDED)
)
_MOVED = select(Party.id, Party.at).where(Party.status != ENDED)


@resume_hook
def _current_states(user_id: int, changed_after: float | None) -> list[Envelope]:
    """After a resume, the current playback state of every party the user is in (that
    changed after `changed_after`, when given). Which parties: those whose channels the
    user's stream holds (`channels_for`, read from the participations and forgotten at
    every join and leave), so someone in no party costs no read."""
    found = sorted(filter(None, map(party_of, channels_for(user_id))))
    if found and changed_after is not None:
        found = _moved_after(found, changed_after)
    return _states_of(found)


def _moved_after(party_ids: list[int], changed_after: float) -> list[int]:
    """Those of the parties whose state changed after `changed_after`: by their marks,
    and for a party without a trusted mark, by its row (which marks it)."""
    moved, unknown = [], []
    for party_id in party_ids:
        at = marks.known(channel(party_id))
        if at is None:
            unknown.append(party_id)
        elif at > changed_after:
            moved.append(party_id)
    if unknown:
        with reading() as connection:
            for party_id in unknown:
                for (at,) in _STATE_AT.rows(connection, {"party_id": party_id}):
                    marks.mark(channel(party_id), at)
                    if at > changed_after:
                        moved.append(party_id)
    return sorted(moved)


def _states_of(party_ids: list[int]) -> list[Envelope]:
    if not party_ids:
        return []
    parties = db.session.scalars(
        select(Party).where(Party.id.in_(party_ids), Party.status != ENDED).order_by(Party.id)
    )
    return [
        Envelope(channel=channel(party.id), name=PARTY_STATE, data=state(party))
        for party in parties
    ]


@bus.after_outage
def _watched_states() -> list[Envelope]:
    """The playback state of each party whose page is open on this worker: a state sent
    only live while Redis was away reached no other worker."""
    return _states_of(sorted({party_id for party_id, _user_id in bus.hub.watchers.pairs()}))


def check() -> None:
    """Hand this worker's clients each party state it never heard, and mark it: a publish
    that failed while Redis was up for the other workers, a change another process wrote.
    Reads the parties whose `at` moved since a little before the last check (the first
    check reads every party not ended, and only marks them: nothing was heard before it).
    A state newer than `HEARD_WITHIN_S` may still be on its way through Redis: the next
    check, whose window holds it still, judges it. Each serving process runs this every
    `STREAM_LOG_CHECK_SECONDS` (jobs/housekeeping.py); while it does, the marks are
    trusted (`StateMarks.checked`)."""
    started_wall, started_monotonic = time.time(), time.monotonic()
    since = marks.check_from()
    statement = _MOVED if since is None else _MOVED.where(Party.at > since)
    missed = []
    for party_id, at in db.session.execute(statement).all():
        newest = marks.newest(channel(party_id))
        if newest is not None and at <= newest:
            continue
        if since is None:
            marks.mark(channel(party_id), at)
        elif at <= started_wall - HEARD_WITHIN_S:
            missed.append(party_id)
    db.session.rollback()
    if missed:
        bus.deliver_here(_states_of(sorted(missed)))
    marks.checked(started_wall, started_monotonic)
