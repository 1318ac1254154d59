"""Cursors are opaque strings that round-trip event ids and reject anything else."""

from __future__ import annotations

import pytest

from realtime import cursor
from services.errors import ValidationError


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
