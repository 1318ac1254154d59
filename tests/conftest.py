"""Shared fixtures: an app on a fresh SQLite database, clients, users, real processes."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade

from app import create_app
from extensions import db
from models.user import Role, User
from services import accounts
from tests.support.processes import PROJECT_ROOT, RedisServer, ServerProcess

PASSWORD = "correct horse battery"
CSRF_IN_PAGE = re.compile(r'"X-CSRFToken": "([^"]+)"')


def settings_for(tmp_path: Path, **overrides: Any) -> dict[str, Any]:
    """Settings for an isolated app: its own instance folder and database file."""
    instance = tmp_path / "instance"
    settings: dict[str, Any] = {
        "ENV_NAME": "testing",
        "INSTANCE_PATH": str(instance),
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'test.db'}",
        "REGISTRATION_RATE_LIMIT": "1000 per hour",
        "LOGIN_RATE_LIMIT": "1000 per minute",
        "LOGIN_USERNAME_RATE_LIMIT": "1000 per minute",
    }
    settings.update(overrides)
    return settings


def make_app(tmp_path: Path, **overrides: Any) -> Flask:
    """A migrated application; the schema comes from migrations/, as in production."""
    app = create_app(settings_for(tmp_path, **overrides))
    with app.app_context():
        upgrade(directory=str(PROJECT_ROOT / "migrations"))
    return app


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    application = make_app(tmp_path)
    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


@pytest.fixture
def user_factory(app: Flask) -> Callable[..., User]:
    counter = iter(range(1, 10_000))

    def create(username: str | None = None, role: Role = Role.USER, password: str = PASSWORD):
        name = username or f"user{next(counter)}"
        return accounts.register(name, password, role)

    return create


def csrf_token(client: FlaskClient) -> str:
    """The CSRF token a page gives this client's session."""
    page = client.get("/").get_data(as_text=True)
    match = CSRF_IN_PAGE.search(page)
    assert match, "the page carries no CSRF token in hx-headers"
    return match.group(1)


def log_in(client: FlaskClient, username: str, password: str = PASSWORD, **extra: str):
    return client.post(
        "/login",
        data={
            "username": username,
            "password": password,
            "csrf_token": csrf_token(client),
            **extra,
        },
    )


@pytest.fixture
def logged_in_client(client: FlaskClient, user_factory) -> FlaskClient:
    user = user_factory("alice")
    response = log_in(client, user.username)
    assert response.status_code == 302
    client.user = user  # type: ignore[attr-defined]
    return client


@pytest.fixture
def bearer(app: Flask, user_factory) -> Callable[[User], dict[str, str]]:
    def headers_for(user: User) -> dict[str, str]:
        return {"Authorization": f"Bearer {accounts.issue_token(user)}"}

    return headers_for


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path).start()
    yield server
    server.stop()


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[ServerProcess]:
    """A real Tandem server process on loopback with a migrated SQLite database."""
    settings = settings_for(tmp_path)
    migrated = make_app(tmp_path)
    with migrated.app_context():
        db.engine.dispose()
    server = ServerProcess(
        tmp_path,
        {
            "TANDEM_INSTANCE_PATH": settings["INSTANCE_PATH"],
            "DATABASE_URL": settings["SQLALCHEMY_DATABASE_URI"],
            "REGISTRATION_RATE_LIMIT": settings["REGISTRATION_RATE_LIMIT"],
        },
    ).start()
    yield server
    server.stop()
