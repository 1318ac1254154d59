"""Shared fixtures: an app on a fresh SQLite database, clients, users, real processes."""

from __future__ import annotations

import atexit
import re
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from playwright.sync_api import Browser, sync_playwright

from app import create_app
from extensions import db
from models.user import Role, User
from services import accounts, api_tokens
from tests.support.postgres import PostgresServer
from tests.support.processes import PROJECT_ROOT, RedisServer, ServerProcess
from tests.support.programs import require_program
from tests.support.route_builders import share_builders

PASSWORD = "correct horse battery"
CSRF_IN_PAGE = re.compile(r'"X-CSRFToken": "([^"]+)"')


@pytest.fixture(scope="session", autouse=True)
def event_contract_check() -> Iterator[None]:
    """Through the whole suite, every event the bus publishes is held to its declaration
    in realtime/events.py (a mismatch raises ContractError where it is published): in
    this process's apps and, by the environment they inherit, in the server processes
    the tests start."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("EVENT_CONTRACT_CHECK", "1")
        yield


@pytest.fixture(scope="session", autouse=True)
def shared_url_builders() -> Iterator[None]:
    """The apps of this test process share their rules' URL builders
    (tests/support/route_builders.py): compiling them took most of making an app."""
    with pytest.MonkeyPatch.context() as patch:
        share_builders(patch)
        yield


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
    """A migrated application; the schema comes from migrations/, as in production. A new
    SQLite file starts as a copy of one this process migrated once (`migrated_sqlite`):
    running the migrations took most of each test's setup."""
    settings = settings_for(tmp_path, **overrides)
    database = new_sqlite_file(settings["SQLALCHEMY_DATABASE_URI"])
    if database is not None:
        database.parent.mkdir(parents=True, exist_ok=True)
        source, target = sqlite3.connect(migrated_sqlite()), sqlite3.connect(database)
        with closing(source), closing(target):
            source.backup(target)
        return create_app(settings)
    return upgraded(create_app(settings))


def upgraded(app: Flask) -> Flask:
    with app.app_context():
        upgrade(directory=str(PROJECT_ROOT / "migrations"))
    return app


def new_sqlite_file(url: str) -> Path | None:
    """The file of a SQLite database URL that does not exist yet."""
    path = url.removeprefix("sqlite:///")
    if path == url or not path or path.startswith(":memory:") or "?" in path:
        return None
    return None if Path(path).exists() else Path(path)


@cache
def migrated_sqlite() -> Path:
    """A SQLite database this process built from migrations/, empty, to be copied."""
    folder = Path(tempfile.mkdtemp(prefix="tandem-schema-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    app = upgraded(create_app(settings_for(folder)))
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return folder / "instance" / "test.db"


@contextmanager
def running(tmp_path: Path, **overrides: Any) -> Iterator[Flask]:
    """A migrated application (`make_app`) inside its app context; its database
    connections let go when the block ends."""
    application = make_app(tmp_path, **overrides)
    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    with running(tmp_path) as application:
        yield application


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
        return {"Authorization": f"Bearer {api_tokens.issue_token(user)}"}

    return headers_for


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path).start()
    yield server
    server.stop()


def migrate_database(tmp_path: Path, database_url: str) -> None:
    """Apply the migrations to a database a server process will use."""
    migrated = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=database_url)
    with migrated.app_context():
        db.engine.dispose()


@pytest.fixture
def server_factory(tmp_path: Path) -> Iterator[Callable[..., ServerProcess]]:
    """Start real Tandem processes; all share this test's database unless told otherwise."""
    servers: list[ServerProcess] = []
    migrated: set[str] = set()
    instance = tmp_path / "instance"

    def start(
        database_url: str | None = None,
        redis_url: str | None = None,
        kind: type[ServerProcess] = ServerProcess,
        **env: str,
    ):
        url = database_url or f"sqlite:///{instance / 'test.db'}"
        if url not in migrated:
            migrate_database(tmp_path, url)
            migrated.add(url)
        settings = {
            "TANDEM_INSTANCE_PATH": str(instance),
            "DATABASE_URL": url,
            "REGISTRATION_RATE_LIMIT": "1000 per hour",
            **({"REDIS_URL": redis_url} if redis_url else {}),
            **env,
        }
        server = kind(tmp_path, settings).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def live_server(server_factory) -> ServerProcess:
    """A real Tandem server process on loopback with a migrated SQLite database."""
    return server_factory()


def start_migrated_server(workdir: Path, **env: str) -> ServerProcess:
    """A started Tandem process with its instance folder and a freshly migrated SQLite
    database in `workdir`, and `env` on top; the caller stops it."""
    url = f"sqlite:///{workdir / 'instance' / 'test.db'}"
    migrate_database(workdir, url)
    settings = {"TANDEM_INSTANCE_PATH": str(workdir / "instance"), "DATABASE_URL": url, **env}
    return ServerProcess(workdir, settings).start()


@pytest.fixture(scope="session")
def shared_server(tmp_path_factory) -> Iterator[ServerProcess]:
    """One server for the tests that only need a running Tandem with default settings;
    each of them makes its own accounts, so they do not see each other's events. Its
    registration and sign-in budgets per address are raised: every test comes from
    127.0.0.1, and dozens of them sign in within a minute."""
    workdir = tmp_path_factory.mktemp("shared-server")
    server = start_migrated_server(
        workdir, REGISTRATION_RATE_LIMIT="10000 per hour", LOGIN_RATE_LIMIT="10000 per hour"
    )
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    server = PostgresServer().start()
    yield server
    server.stop()


CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One Playwright and one Chromium for the whole run: Playwright's sync API cannot
    start a second instance while one is running in the same thread."""
    executable = require_program("chromium")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_FLAGS
        )
        yield chromium
        chromium.close()
