"""The configuration is built in one place from profile, environment and overrides."""

from __future__ import annotations

import pytest

from app import create_app
from config import ConfigError, load_config, redacted_url


def test_development_defaults_use_embedded_parts(tmp_path):
    settings = load_config({"INSTANCE_PATH": str(tmp_path)}, environ={})
    assert settings["ENV_NAME"] == "development"
    assert settings["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'tandem.db'}"
    assert settings["REDIS_URL"] is None
    assert settings["RATELIMIT_STORAGE_URI"] == "memory://"
    assert (settings["HOST"], settings["PORT"]) == ("127.0.0.1", 5000)
    assert settings["REGISTRATION_RATE_LIMIT"] == "10 per hour"


def test_secret_key_is_generated_once_into_the_instance_folder(tmp_path):
    first = load_config({"INSTANCE_PATH": str(tmp_path)}, environ={})["SECRET_KEY"]
    second = load_config({"INSTANCE_PATH": str(tmp_path)}, environ={})["SECRET_KEY"]
    assert len(first) >= 64
    assert first == second
    assert (tmp_path / "secret_key").read_text().strip() == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_environment_switches_database_redis_and_secret(tmp_path):
    env = {
        "DATABASE_URL": "postgresql://tandem:pw@db.local/tandem",
        "REDIS_URL": "redis://:pw@cache.local:6379/0",
        "SECRET_KEY": "s" * 40,
        "PORT": "8080",
        "REGISTRATION_RATE_LIMIT": "3 per day",
    }
    settings = load_config({"INSTANCE_PATH": str(tmp_path)}, environ=env)
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://tandem:pw@db.local/tandem"
    assert settings["REDIS_URL"] == env["REDIS_URL"]
    assert settings["RATELIMIT_STORAGE_URI"] == env["REDIS_URL"]
    assert settings["SECRET_KEY"] == "s" * 40
    assert settings["PORT"] == 8080
    assert settings["REGISTRATION_RATE_LIMIT"] == "3 per day"
    assert not (tmp_path / "secret_key").exists()


def test_production_without_secret_key_refuses_to_start(tmp_path):
    with pytest.raises(ConfigError, match="SECRET_KEY is not set"):
        load_config({"INSTANCE_PATH": str(tmp_path)}, environ={"TANDEM_ENV": "production"})


def test_production_sets_secure_cookies_and_no_debug(tmp_path):
    env = {"TANDEM_ENV": "production", "SECRET_KEY": "k" * 40}
    settings = load_config({"INSTANCE_PATH": str(tmp_path)}, environ=env)
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["REMEMBER_COOKIE_SECURE"] is True
    assert settings["SESSION_COOKIE_HTTPONLY"] is True
    assert settings["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert settings["DEBUG"] is False
    with pytest.raises(ConfigError, match="DEBUG"):
        load_config({"INSTANCE_PATH": str(tmp_path), "DEBUG": True}, environ=env)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"TANDEM_ENV": "staging"}, "TANDEM_ENV"),
        ({"PORT": "eighty"}, "PORT must be a number"),
        ({"PORT": "70000"}, "PORT must be between"),
        ({"NEW_ACCOUNT_LINK_HOLD_SECONDS": "-1"}, "must be positive"),
        ({"NEW_ACCOUNT_LINK_HOLD_SECONDS": "soon"}, "number of seconds"),
        ({"PRESENCE_TTL_SECONDS": "0"}, "must be positive"),
    ],
)
def test_invalid_environment_is_explained(tmp_path, env, message):
    with pytest.raises(ConfigError, match=message):
        load_config({"INSTANCE_PATH": str(tmp_path)}, environ=env)


def test_overrides_win_over_environment(tmp_path):
    settings = load_config({"INSTANCE_PATH": str(tmp_path), "PORT": 6000}, environ={"PORT": "7000"})
    assert settings["PORT"] == 6000


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("redis://:hunter2@cache:6379/0", "redis://:***@cache:6379/0"),
        ("postgresql://bob:hunter2@db/tandem", "postgresql://bob:***@db/tandem"),
        ("redis://cache:6379/0", "redis://cache:6379/0"),
        (None, None),
    ],
)
def test_redacted_url_hides_passwords(url, shown):
    assert redacted_url(url) == shown


def test_factory_builds_independent_apps(tmp_path):
    first = create_app({"ENV_NAME": "testing", "INSTANCE_PATH": str(tmp_path / "a")})
    second = create_app({"ENV_NAME": "testing", "INSTANCE_PATH": str(tmp_path / "b")})
    assert first is not second
    assert first.config["SQLALCHEMY_DATABASE_URI"] != second.config["SQLALCHEMY_DATABASE_URI"]
    assert first.config["TESTING"] is True
    assert {"main", "auth", "health", "api"} <= set(first.blueprints)
    assert "users" in first.cli.commands


def test_sqlite_runs_in_wal_mode_with_busy_timeout(app):
    from sqlalchemy import text

    from extensions import db

    assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == 5000
    assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_the_new_account_link_hold_can_be_set_or_turned_off(tmp_path):
    base = {"INSTANCE_PATH": str(tmp_path)}
    assert load_config(base, environ={})["NEW_ACCOUNT_LINK_HOLD_SECONDS"] == 24 * 3600
    off = load_config(base, environ={"NEW_ACCOUNT_LINK_HOLD_SECONDS": "0"})
    assert off["NEW_ACCOUNT_LINK_HOLD_SECONDS"] == 0
    hour = load_config(base, environ={"NEW_ACCOUNT_LINK_HOLD_SECONDS": "3600"})
    assert hour["NEW_ACCOUNT_LINK_HOLD_SECONDS"] == 3600


@pytest.mark.parametrize(("value", "expected"), [("1", True), ("On", True), ("no", False)])
def test_websocket_compression_is_a_switch(tmp_path, value, expected):
    settings = load_config({"INSTANCE_PATH": str(tmp_path)}, environ={})
    assert settings["WEBSOCKET_COMPRESSION"] is False
    env = {"WEBSOCKET_COMPRESSION": value}
    assert (
        load_config({"INSTANCE_PATH": str(tmp_path)}, environ=env)["WEBSOCKET_COMPRESSION"]
        is expected
    )


def test_a_switch_that_is_neither_on_nor_off_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="WEBSOCKET_COMPRESSION must be on or off"):
        load_config({"INSTANCE_PATH": str(tmp_path)}, environ={"WEBSOCKET_COMPRESSION": "maybe"})


def test_garbage_compaction_interval_may_be_zero(tmp_path):
    settings = load_config({"INSTANCE_PATH": str(tmp_path)}, environ={})
    assert settings["GC_COMPACT_INTERVAL_SECONDS"] == 600
    env = {"GC_COMPACT_INTERVAL_SECONDS": "0"}
    assert (
        load_config({"INSTANCE_PATH": str(tmp_path)}, environ=env)["GC_COMPACT_INTERVAL_SECONDS"]
        == 0
    )


def test_connections_are_pinged_on_checkout_only_where_they_can_drop(tmp_path):
    embedded = load_config({"INSTANCE_PATH": str(tmp_path)}, environ={})
    server = load_config(
        {"INSTANCE_PATH": str(tmp_path)}, environ={"DATABASE_URL": "postgres://db/tandem"}
    )
    assert not embedded["SQLALCHEMY_ENGINE_OPTIONS"].get("pool_pre_ping")
    assert server["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is True
