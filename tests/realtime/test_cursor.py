"""Cursors are opaque strings that round-trip event ids and reject anything else."""

from __future__ import annotations

import pytest

from errors import ValidationError
from realtime import cursor


@pytest.mark.parametrize("event_id", [0, 1, 35, 36, 1_000_000, 2**53])
def test_round_trip(event_id):
    encoded = cursor.encode(event_id)
    assert isinstance(encoded, str)
    assert cursor.decode(encoded) == event_id


def test_cursors_order_is_not_promised_but_ids_are_distinct():
    assert len({cursor.encode(i) for i in range(5000)}) == 5000


@pytest.mark.parametrize(
    "bad", ["", "12", "c", "c-1", "C12", "c" + "z" * 20, 12, None, ["c1"], "c1\n"]
)
def test_garbage_is_a_validation_error(bad):
    with pytest.raises(ValidationError) as caught:
        cursor.decode(bad)
    assert caught.value.code == "invalid_cursor"


@pytest.mark.parametrize("stamp", [0.0, 1.5, 1_764_480_000.123_456_7])
def test_a_stamp_round_trips_rounded_up_to_the_next_millisecond(stamp):
    position = cursor.decode_position(cursor.encode(77, stamp))
    assert position.event_id == 77
    assert stamp < position.states_known_at <= stamp + 0.001 + 1e-6
    assert cursor.decode(cursor.encode(77, stamp)) == 77


def test_a_cursor_without_a_stamp_knows_no_state():
    assert cursor.decode_position(cursor.encode(5)) == cursor.Position(5, None)


@pytest.mark.parametrize("bad", ["c1.", "c1..2", "c1.-3", "c1.2.3", "c1." + "z" * 11])
def test_a_garbled_stamp_is_a_validation_error(bad):
    with pytest.raises(ValidationError):
        cursor.decode_position(bad)
