"""Who of a channel's holders may have an event, and how that is written down."""

from __future__ import annotations

import pytest

from realtime.audience import EVERYONE, Audience

HIDDEN = Audience(hidden_from=frozenset({3, 9}))
ONLY = Audience(only_for=frozenset({2, 5}))
BOTH = Audience(hidden_from=frozenset({5}), only_for=frozenset({2, 5}))


@pytest.mark.parametrize(
    ("audience", "admitted", "refused"),
    [
        (EVERYONE, [1, 3, None], []),
        (HIDDEN, [1, 2, None], [3, 9]),
        (ONLY, [2, 5], [1, 3, None]),
        (BOTH, [2], [1, 5, None]),
    ],
)
def test_an_audience_admits_exactly_its_people(audience, admitted, refused):
    assert [audience.admits(user) for user in admitted] == [True] * len(admitted)
    assert [audience.admits(user) for user in refused] == [False] * len(refused)


@pytest.mark.parametrize("audience", [EVERYONE, HIDDEN, ONLY, BOTH])
def test_an_audience_comes_back_the_same_from_redis_and_from_the_log(audience):
    columns = audience.to_columns()
    assert Audience.from_wire(audience.to_wire()) == audience
    assert Audience.from_columns(columns["hidden_from"], columns["only_for"]) == audience


def test_the_log_keeps_nothing_for_an_event_meant_for_everyone():
    assert EVERYONE.to_columns() == {"hidden_from": None, "only_for": None}
    assert ONLY.to_columns() == {"hidden_from": None, "only_for": "2 5"}
    assert Audience(only_for=frozenset()).to_columns()["only_for"] == ""
    assert Audience.from_columns(None, "").only_for == frozenset()
