"""The dashboard's event rate: one-second buckets averaged over a recent window."""

from __future__ import annotations

from realtime.meter import RateMeter


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_rate_is_the_average_of_finished_seconds():
    clock = FakeClock()
    meter = RateMeter(clock)
    for _ in range(30):
        meter.tick()
    clock.now += 1
    for _ in range(10):
        meter.tick()
    clock.now += 1
    meter.tick()  # the current second is not counted yet
    assert meter.per_second(10) == 4.0
    assert meter.per_second(1) == 10.0


def test_old_buckets_are_forgotten_when_their_slot_comes_round():
    clock = FakeClock()
    meter = RateMeter(clock)
    for _ in range(50):
        meter.tick()
    clock.now += 60  # the same slot, a minute later
    meter.tick()
    clock.now += 1
    assert meter.per_second(1) == 1.0
    assert meter.per_second(59) == 1 / 59
