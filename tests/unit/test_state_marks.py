"""A worker's marks of when each party's playback last changed: only forward, trusted only
while checks keep coming, and never long enough to let a long-poll lose a state."""

from __future__ import annotations

import time

from realtime.events import Envelope
from realtime.state_marks import HEARD_WITHIN_S, STATE_IN_FLIGHT_S, TRUSTED_FOR_S, StateMarks

STATE = "party:state"


def state(channel: str, at: object) -> Envelope:
    return Envelope(channel=channel, name=STATE, data={"party_id": 1, "at": at})


def test_marks_come_from_tracked_events_and_only_move_forward():
    marks = StateMarks()
    marks.hear(state("party:1", 10.0))
    assert marks.newest("party:1") is None  # nothing tracked yet
    marks.track(STATE)
    marks.hear(state("party:1", 10.0))
    marks.hear(state("party:1", 9.0))  # an older state heard late
    marks.hear(Envelope(channel="party:2", name="party:ended", data={"party_id": 2}))
    marks.hear(state("party:3", True))
    marks.hear(state("party:4", "soon"))
    assert marks.newest("party:1") == 10.0
    assert [marks.newest(c) for c in ("party:2", "party:3", "party:4")] == [None] * 3
    marks.mark("party:1", 12.5)
    assert marks.newest("party:1") == 12.5


def test_marks_are_trusted_only_for_a_while_after_a_check():
    marks = StateMarks()
    marks.mark("party:1", 10.0)
    assert marks.known("party:1") is None  # no check yet
    assert marks.check_from() is None  # the first reads everything
    wall = time.time()
    marks.checked(wall, time.monotonic())
    assert marks.known("party:1") == 10.0
    assert marks.known("party:2") is None
    assert marks.check_from() == wall - STATE_IN_FLIGHT_S
    marks.checked(wall, time.monotonic() - TRUSTED_FOR_S)  # the last check is too old
    assert marks.known("party:1") is None
    marks.checked(wall, time.monotonic())
    marks.clear()
    assert (marks.known("party:1"), marks.newest("party:1"), marks.check_from()) == (None,) * 3


def test_a_state_missed_here_is_marked_within_a_polls_resend_window():
    """A poll trusting the marks without a state opened less than TRUSTED_FOR_S +
    HEARD_WITHIN_S after it: its next poll is resent what changed STATE_IN_FLIGHT_S
    before it opened, so it still gets that state."""
    assert 0 < HEARD_WITHIN_S < TRUSTED_FOR_S
    assert TRUSTED_FOR_S + HEARD_WITHIN_S < STATE_IN_FLIGHT_S


def test_the_oldest_mark_goes_when_there_are_too_many():
    marks = StateMarks(max_marks=2)
    for party_id in (1, 2, 3):
        marks.mark(f"party:{party_id}", float(party_id))
    assert [marks.newest(f"party:{i}") for i in (1, 2, 3)] == [None, 2.0, 3.0]
