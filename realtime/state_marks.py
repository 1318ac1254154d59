"""When this worker knows each party's playback state last changed, so that a long-poll
asks the database only about a state that changed since its client last heard.

A state event (`party:state`) carries `at`, the moment its position was true, and a
party's `at` in the database moves with every change of its playback. The bus marks the
`at` of every such event this worker hands to its hub (`hear`): its own, those Redis
brings, those sent again after an outage. What never reaches this worker live (a
publish that failed while Redis was up for the others, a change written by another
process) a check finds in the database: each worker reads the parties whose `at` moved
since its last check, every `STREAM_LOG_CHECK_SECONDS` (`services/party_states.py`),
marks them and hands their state to its own clients, as the log check does for durable
events. A mark is therefore late by at most one check, and a long-poll's resend window
(`STATE_IN_FLIGHT_S`, the client is resent state newer than this before its poll opened)
is wider than that: a poll that opened before a late mark gets the state at its next
poll, never loses it.

So the marks are trusted (`known`) only while checks keep coming: for
`STATE_IN_FLIGHT_S` less a margin after the start of the last one that succeeded. Before
the first check, or when they stop (the database away), `known` says nothing and the
caller reads the database, as it always may.
"""

from __future__ import annotations

import os
import time

from realtime.events import Envelope

# How long a state change may take from its write to its publication: a long-poll
# resends state changed this long before it opened, in case it was still on its way.
STATE_IN_FLIGHT_S = 2.0
# A state not heard this long after its `at` was missed here: the check hands it on.
# (Redis brings a state within milliseconds; one newer than this may still be coming.)
HEARD_WITHIN_S = 0.25
# Marks are trusted this long after the start of the last check that succeeded. A state
# missed here is marked by the first check that starts `HEARD_WITHIN_S` after its `at`,
# so a poll that trusted the marks without it opened less than this plus
# `HEARD_WITHIN_S` after that `at`: within the resend window, with a quarter second to
# spare for a check's own time and a write's commit.
TRUSTED_FOR_S = STATE_IN_FLIGHT_S - HEARD_WITHIN_S - 0.25
MAX_MARKS = 100_000


class StateMarks:
    """The newest `at` heard of each channel's state, for the event names `track`ed."""

    def __init__(self, max_marks: int = MAX_MARKS) -> None:
        self.max_marks = max_marks
        self._names: set[str] = set()
        self._at: dict[str, float] = {}
        self._trusted_until = 0.0  # monotonic
        self._checked_from: float | None = None  # wall clock, for the next check

    def track(self, name: str) -> None:
        """Mark the `at` of every `name` event heard from now on."""
        self._names.add(name)

    def hear(self, envelope: Envelope) -> None:
        if envelope.name in self._names:
            at = envelope.data.get("at")
            if isinstance(at, int | float) and not isinstance(at, bool):
                self.mark(envelope.channel, float(at))

    def mark(self, channel: str, at: float) -> None:
        """`channel`'s state was as new as `at`: marks only move forward."""
        kept = self._at.get(channel)
        if kept is not None:
            if at > kept:
                self._at[channel] = at
            return
        if len(self._at) >= self.max_marks:
            del self._at[next(iter(self._at))]
        self._at[channel] = at

    def newest(self, channel: str) -> float | None:
        """The mark, trusted or not (for the check, which compares it with the truth)."""
        return self._at.get(channel)

    def known(self, channel: str) -> float | None:
        """The mark, if checks vouch that no change older than a check was missed;
        None: read the database."""
        if time.monotonic() >= self._trusted_until:
            return None
        return self._at.get(channel)

    def check_from(self) -> float | None:
        """From which `at` the next check reads (None: the first, everything)."""
        return self._checked_from

    def checked(self, started_wall: float, started_monotonic: float) -> None:
        """A check that started at these times read and handed on everything changed
        before it: the next reads from a little before it (a write takes a moment to
        commit, and workers' clocks differ), and until then the marks are trusted."""
        self._checked_from = started_wall - STATE_IN_FLIGHT_S
        self._trusted_until = started_monotonic + TRUSTED_FOR_S

    def clear(self) -> None:
        """Another database from now on, or a new process: nothing heard holds."""
        self._at.clear()
        self._trusted_until = 0.0
        self._checked_from = None


marks = StateMarks()
os.register_at_fork(after_in_child=marks.clear)
