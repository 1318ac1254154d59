"""The media's length and its end: the server caps the position at the duration, and the
end of the media moves the party on once, however many players report it."""

from __future__ import annotations

import math
import time

import pytest

from errors import Forbidden, ValidationError
from extensions import db
from models.party import Party
from models.user import User
from services import parties, party_queue, party_shapes, playback
from tests.support.concurrency import race
from tests.support.movie_night import movie_night

VIDEO = "https://media.example/film.mp4"


@pytest.fixture
def crew(user_factory):
    return {name: user_factory(name) for name in ("hana", "cole", "vic")}


@pytest.fixture
def party(crew):
    return movie_night(crew, VIDEO)


@pytest.mark.parametrize("bad", [0, -3, math.nan, math.inf, 24 * 3600 + 1, "60", True, None, [60]])
def test_a_duration_is_a_positive_finite_length_up_to_a_day(crew, party, bad):
    with pytest.raises(ValidationError):
        playback.report_duration(crew["hana"], party.id, VIDEO, bad)


def test_only_a_drivers_report_sets_the_duration(crew, party):
    # A viewer's report, unknown length or not, changes nothing: it could cut the
    # host's video short.
    assert playback.report_duration(crew["vic"], party.id, VIDEO, 0.01)["duration"] is None
    state = playback.report_duration(crew["hana"], party.id, VIDEO, 60)
    assert state["duration"] == 60.0
    assert playback.report_duration(crew["vic"], party.id, VIDEO, 5)["duration"] == 60.0
    assert playback.report_duration(crew["cole"], party.id, VIDEO, 62.5)["duration"] == 62.5
    same = playback.report_duration(crew["hana"], party.id, VIDEO + "?old", 10)
    assert same["duration"] == 62.5
    assert party_shapes.state(party)["duration"] == 62.5


def test_the_position_never_runs_past_the_duration(crew, party):
    playback.report_duration(crew["hana"], party.id, VIDEO, 30)
    assert playback.seek(crew["hana"], party.id, 500)["position"] == 30.0
    assert playback.pause(crew["hana"], party.id, 45)["position"] == 30.0
    state = playback.play(crew["hana"], party.id, 29)
    assert playback.expected_position(state, time.time() + 60) == 30.0
    # A shorter length learnt later pulls the position back inside it.
    playback.pause(crew["hana"], party.id, 25)
    assert playback.report_duration(crew["hana"], party.id, VIDEO, 20)["position"] == 20.0


def test_an_end_reported_too_early_changes_nothing(crew, party):
    playback.report_duration(crew["hana"], party.id, VIDEO, 60)
    state = playback.play(crew["hana"], party.id, 10)
    assert playback.media_ended(crew["vic"], party.id, state["version"]) == state
    with pytest.raises(ValidationError):
        playback.media_ended(crew["vic"], party.id, "3")


def test_the_end_with_an_empty_queue_pauses_at_the_end(crew, party):
    playback.report_duration(crew["hana"], party.id, VIDEO, 60)
    state = playback.play(crew["hana"], party.id, 59.5)
    done = playback.media_ended(crew["vic"], party.id, state["version"])
    assert (done["playing"], done["position"]) == (False, 60.0)
    assert done["version"] == state["version"] + 1


def test_two_drivers_reporting_the_end_at_once_advance_once(app, crew, party):
    playback.report_duration(crew["hana"], party.id, VIDEO, 60)
    party_queue.add(crew["hana"], party.id, VIDEO + "?a", "A")
    party_queue.add(crew["hana"], party.id, VIDEO + "?b", "B")
    seen = playback.play(crew["hana"], party.id, 59.8)["version"]
    party_id, drivers = party.id, (crew["hana"].id, crew["cole"].id)

    def reporter(user_id):
        return lambda: playback.media_ended(db.session.get(User, user_id), party_id, seen)

    first, second = race(app, *(reporter(user_id) for user_id in drivers))

    assert first == second
    assert (first["media_url"], first["position"], first["playing"]) == (VIDEO + "?a", 0.0, True)
    assert first["version"] == seen + 1
    assert first["duration"] is None
    db.session.expire_all()
    left = party_queue.listing(crew["hana"], party_id)
    assert [(item.title, item.status) for item in left] == [("B", "queued")]
    assert db.session.get(Party, party_id).version == seen + 1


def test_a_heartbeat_past_the_end_moves_the_party_on(crew, party, monkeypatch):
    playback.report_duration(crew["hana"], party.id, VIDEO, 60)
    playback.play(crew["hana"], party.id, 50)
    later = time.time() + 20
    monkeypatch.setattr(playback.time, "time", lambda: later)
    answer = playback.heartbeat(crew["vic"], party.id, 60, False)
    assert (answer["state"]["playing"], answer["state"]["position"]) == (False, 60.0)


def test_a_control_that_passed_its_checks_as_the_party_ended_changes_nothing(crew, party):
    """The two requests' steps interleaved: a co-host's play is checked while the party
    is live, the host's end commits, then the play is written."""
    checked = playback._controller(crew["cole"], party.id)
    parties.end(crew["hana"], party.id)
    with pytest.raises(Forbidden) as refused:
        playback._apply(checked, playing=True, position=5.0)
    assert refused.value.code == "ended"
    db.session.expire_all()
    ended = db.session.get(Party, party.id)
    assert (ended.status, ended.playing) == ("ended", False)
