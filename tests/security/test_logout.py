"""Logging out ends that sign-in on the server: a copy of its session cookie or of its
remember-me cookie, taken before the logout, authenticates nothing after it, while the
same person's other sign-ins carry on."""

from __future__ import annotations

from flask import Flask, g
from flask.testing import FlaskClient
from sqlalchemy import select

from extensions import db
from models.user import LoginSession, Role
from services import moderation
from tests.conftest import csrf_token, log_in

SESSION_COOKIE = "tandem_session"
REMEMBER_COOKIE = "tandem_remember"


def copy_of(app: Flask, client: FlaskClient, *names: str) -> FlaskClient:
    """A new client holding only copies of the named cookies of `client`."""
    thief = app.test_client()
    for name in names:
        cookie = client.get_cookie(name)
        assert cookie is not None, f"no {name} cookie to copy"
        thief.set_cookie(name, cookie.value)
    return thief


def sign_in(client: FlaskClient, username: str, **extra: str) -> None:
    # The tests share one app context, and Flask-WTF keeps the last token it made in `g`,
    # so two clients would otherwise get each other's CSRF token.
    g.pop("csrf_token", None)
    assert log_in(client, username, **extra).status_code == 302


def log_out(client: FlaskClient) -> None:
    g.pop("csrf_token", None)
    response = client.post("/logout", data={"csrf_token": csrf_token(client)})
    assert response.status_code == 302
    assert client.get("/api/v1/me").status_code == 401


def assert_signed_out(client: FlaskClient) -> None:
    assert client.get("/api/v1/me").status_code == 401
    page = client.get("/settings")
    assert page.status_code == 302
    assert page.headers["Location"].startswith("/login")


def test_a_copied_session_cookie_is_anonymous_after_logout(app, client, user_factory):
    user = user_factory("sam")
    sign_in(client, user.username)
    thief = copy_of(app, client, SESSION_COOKIE)
    assert thief.get("/api/v1/me").status_code == 200

    log_out(client)
    assert_signed_out(thief)


def test_a_copied_remember_cookie_is_anonymous_after_logout(app, client, user_factory):
    user = user_factory("rita")
    sign_in(client, user.username, remember="y")
    # A fresh browser with only the remember-me cookie is signed in by it...
    restored = copy_of(app, client, REMEMBER_COOKIE)
    assert restored.get("/api/v1/me").status_code == 200
    thief = copy_of(app, client, REMEMBER_COOKIE)
    both = copy_of(app, client, SESSION_COOKIE, REMEMBER_COOKIE)

    log_out(client)
    # ...and after the logout neither a fresh copy nor the session it restored works.
    assert_signed_out(thief)
    assert_signed_out(restored)
    assert_signed_out(both)


def test_logging_out_ends_that_sign_in_and_no_other_of_the_same_person(app, client, user_factory):
    user = user_factory("otto")
    other = app.test_client()
    sign_in(client, user.username, remember="y")
    sign_in(other, user.username, remember="y")
    leaving_copy = copy_of(app, client, SESSION_COOKIE, REMEMBER_COOKIE)
    staying_copy = copy_of(app, other, SESSION_COOKIE, REMEMBER_COOKIE)

    log_out(client)
    assert_signed_out(leaving_copy)
    assert other.get("/api/v1/me").status_code == 200
    assert other.get("/settings").status_code == 200
    assert staying_copy.get("/api/v1/me").status_code == 200


def test_each_sign_in_is_a_row_ended_by_its_logout(app, client, user_factory):
    user = user_factory("lena")
    client.environ_base["HTTP_USER_AGENT"] = "TestBrowser/1.0"
    sign_in(client, user.username)
    rows = db.session.scalars(select(LoginSession).where(LoginSession.user_id == user.id)).all()
    assert len(rows) == 1
    assert rows[0].user_agent == "TestBrowser/1.0"
    assert rows[0].revoked_at is None

    log_out(client)
    db.session.refresh(rows[0])
    assert rows[0].revoked_at is not None


def test_a_ban_marks_every_sign_in_ended(app, client, user_factory):
    moderator = user_factory("mona", role=Role.MODERATOR)
    user = user_factory("bert")
    other = app.test_client()
    sign_in(client, user.username)
    sign_in(other, user.username)

    moderation.ban(moderator, user.username, "spam")
    rows = db.session.scalars(select(LoginSession).where(LoginSession.user_id == user.id)).all()
    assert len(rows) == 2
    assert all(row.revoked_at is not None for row in rows)
    assert_signed_out(client)
    assert_signed_out(other)
