"""Fixtures shared by the unit tests of services that behave by database engine."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from services import accounts, social
from tests.conftest import PASSWORD, running
from tests.support.circle import anns_circle


@pytest.fixture(params=["sqlite", "postgresql"])
def engine_app(request, tmp_path: Path) -> Iterator[Flask]:
    """The app on a migrated SQLite file, then on a migrated PostgreSQL database."""
    overrides = {}
    if request.param == "postgresql":
        overrides["SQLALCHEMY_DATABASE_URI"] = request.getfixturevalue("postgres").create_database()
    with running(tmp_path, **overrides) as application:
        yield application


@pytest.fixture
def search_cast(engine_app) -> dict:
    """Ann and Bob are friends; Cat follows Ann; Dan is a stranger."""
    cast = {name: accounts.register(name, PASSWORD) for name in ("ann", "bob", "cat", "dan")}
    social.follow(cast["bob"], "ann")
    social.follow(cast["ann"], "bob")
    social.follow(cast["cat"], "ann")
    return cast


@pytest.fixture
def people(user_factory) -> dict:
    """ann's circle: ann posts; ben is her friend (mutual follow), cat only follows her,
    dan is a stranger, mod a moderator. A module's own `people` fixture wins."""
    return anns_circle(user_factory, "mod")
