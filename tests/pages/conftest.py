"""Fixtures shared by the page tests: a second person, Ben, and his signed-in client."""

from __future__ import annotations

import pytest

from tests.support.pages import signed_in


@pytest.fixture
def ben(user_factory):
    return user_factory("ben")


@pytest.fixture
def ben_client(app, ben):
    client = signed_in(app, "ben")
    client.user = ben  # type: ignore[attr-defined]
    return client
