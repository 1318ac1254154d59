"""Fixtures shared by the JSON API tests."""

from __future__ import annotations

import pytest

from tests.support.circle import anns_circle


@pytest.fixture
def people(user_factory, bearer) -> dict[str, dict[str, str]]:
    """The bearer headers of ann's circle: ann and ben are friends; cat follows ann; dan
    is a stranger; mod (named moe) a moderator. A module's own `people` fixture wins."""
    return {name: bearer(user) for name, user in anns_circle(user_factory, "moe").items()}
