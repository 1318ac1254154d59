"""What a stream is sent of parties' playback beyond the live events: a long-poll's
states from the worker's marks once checks vouch for them, and the check that finds and
hands on a state this worker never heard (on SQLite and PostgreSQL)."""

from __future__ import annotations

import time

from gevent.queue import Empty
from sqlalchemy import update

from extensions import db
from models.party import Party
from realtime import resume
from realtime.bus import bus
from realtime.channels import state_after_resume
from realtime.connections import Identity
from realtime.events import party_channel
from realtime.state_marks import HEARD_WITHIN_S, marks
from services import accounts, parties, party_membership, party_states, playback
from tests.conftest import PASSWORD

VIDEO = "https://media.example/film.mp4"


def _party_of_two():
    ann, ben = (accounts.register(name, PASSWORD) for name in ("ann", "ben"))
    party = parties.create(ann, {"title": "Movie night", "media_url": VIDEO})
    party_membership.enter(ben, party.id)
    db.session.commit()
    return ann, ben, party


def _written_elsewhere(party_id: int, position: float, at: float) -> None:
    """A change of playback no worker announced (another process, a failed publish)."""
    db.session.execute(
        update(Party)
        .where(Party.id == party_id)
        .values(position=position, at=at, playing=False, version=Party.version + 1)
    )
    db.session.commit()


def _open_stream(user):
    stream = resume.open_stream(Identity(user_id=user.id), "sse")
    bus.hub.finish_stream_replay(stream)  # nothing to replay: live from now on
    return stream


def _states(stream) -> list[dict]:
    found = []
    while True:
        try:
            envelope = stream.queue.get_nowait()
        except Empty:
            return found
        if envelope is not None and envelope.name == "party:state":
            found.append(envelope.data)


def test_with_checks_vouching_a_poll_reads_no_database_until_a_state_moves(engine_app, monkeypatch):
    ann, ben, party = _party_of_two()
    known = db.session.get(Party, party.id).at
    party_states.check()  # the first check marks every party not ended
    assert marks.known(party_channel(party.id)) == known

    def no_read(**_options):
        raise AssertionError("a poll read the database")

    with monkeypatch.context() as patched:
        patched.setattr(party_states, "reading", no_read)
        assert state_after_resume(ben.id, known) == []
        playback.seek(ann, party.id, 42.0)  # announced: this worker hears it
        db.session.commit()
        [moved] = state_after_resume(ben.id, known)
    assert (moved.data["party_id"], moved.data["position"]) == (party.id, 42.0)
    assert marks.known(party_channel(party.id)) == moved.data["at"]


def test_without_a_check_a_poll_reads_the_database(engine_app):
    """Before the first check (or once they stop) nothing heard is trusted: a change no
    worker announced still reaches the next poll."""
    _ann, ben, party = _party_of_two()
    known = db.session.get(Party, party.id).at
    _written_elsewhere(party.id, 7.0, known + 1)
    [moved] = state_after_resume(ben.id, known)
    assert moved.data["position"] == 7.0


def test_the_check_hands_on_a_state_this_worker_never_heard(engine_app):
    _ann, ben, party = _party_of_two()
    long_ago = time.time() - 10
    _written_elsewhere(party.id, 1.0, long_ago)
    stream = _open_stream(ben)
    party_states.check()
    assert _states(stream) == []  # the first check only marks
    missed_at = time.time() - 2 * HEARD_WITHIN_S
    _written_elsewhere(party.id, 99.0, missed_at)
    assert state_after_resume(ben.id, long_ago) == []  # the marks do not know yet

    party_states.check()
    [state] = _states(stream)
    assert (state["party_id"], state["position"], state["at"]) == (party.id, 99.0, missed_at)
    assert [e.data["position"] for e in state_after_resume(ben.id, long_ago)] == [99.0]
    party_states.check()
    assert _states(stream) == []  # handed on once


def test_the_check_leaves_a_state_still_on_its_way_and_an_ended_party_alone(engine_app):
    ann, ben, party = _party_of_two()
    stream = _open_stream(ben)
    party_states.check()
    _written_elsewhere(party.id, 5.0, time.time() + 60)  # too new to have been missed
    party_states.check()
    assert _states(stream) == []
    over = parties.create(ann, {"title": "Over", "media_url": VIDEO})
    party_membership.enter(ben, over.id)
    db.session.commit()
    parties.end(ann, over.id)
    db.session.commit()
    _written_elsewhere(over.id, 3.0, time.time() - 1)
    party_states.check()
    assert [state["party_id"] for state in _states(stream)] == []
