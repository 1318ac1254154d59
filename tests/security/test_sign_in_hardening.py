"""Signing in, behind a proxy and against guessers: per-address limits count the client
named by a trusted proxy (and only a trusted one), wrong guesses at a name lock out the
guesser and not the owner, the form token changes at sign-in and sign-out, a password
change keeps the browser that made it signed in after a restart, and names that would
read as the site or as a deleted account are kept from ordinary accounts."""

from __future__ import annotations

import pytest

from models.user import Role
from services import accounts
from tests.conftest import PASSWORD, csrf_token, log_in, running

NEW_PASSWORD = "another long password"


LIMITS = {"LOGIN_RATE_LIMIT": "3 per minute", "LOGIN_USERNAME_RATE_LIMIT": "2 per minute"}


@pytest.fixture(params=[0, 1], ids=["no-proxy", "one-proxy"])
def limited(request, tmp_path):
    with running(tmp_path, TRUSTED_PROXIES=request.param, **LIMITS) as application:
        yield application


def guess(client, username: str, password: str, client_address: str, proxy: bool):
    """A token sign-in from `client_address`: through the proxy (which names it in
    X-Forwarded-For) or straight from it."""
    if proxy:
        headers = {"X-Forwarded-For": client_address}
        environ = {"REMOTE_ADDR": "127.0.0.1"}
    else:
        headers, environ = {}, {"REMOTE_ADDR": client_address}
    return client.post(
        "/api/v1/auth/token",
        json={"username": username, "password": password},
        headers=headers,
        environ_overrides=environ,
    )


def test_a_trusted_proxys_clients_each_have_their_own_budget(limited):
    behind_proxy = limited.config["TRUSTED_PROXIES"] == 1
    client = limited.test_client()
    for n in range(3):
        assert guess(client, f"nobody{n}", "wrong", "203.0.113.66", behind_proxy).status_code == 401
    assert guess(client, "nobody", "wrong", "203.0.113.66", behind_proxy).status_code == 429
    assert guess(client, "nobody", "wrong", "198.51.100.7", behind_proxy).status_code == 401


def test_a_forwarded_for_header_is_not_believed_without_a_trusted_proxy(tmp_path):
    with running(tmp_path, TRUSTED_PROXIES=0, **LIMITS) as application:
        client = application.test_client()
        for n in range(3):
            answer = client.post(
                "/api/v1/auth/token",
                json={"username": f"nobody{n}", "password": "wrong"},
                headers={"X-Forwarded-For": f"192.0.2.{n}"},
                environ_overrides={"REMOTE_ADDR": "203.0.113.66"},
            )
            assert answer.status_code == 401
        again = guess(client, "nobody", "wrong", "203.0.113.66", proxy=False)
        assert again.status_code == 429  # a made-up header bought no new budget


def test_wrong_guesses_at_a_name_lock_out_the_guesser_not_the_owner(limited):
    behind_proxy = limited.config["TRUSTED_PROXIES"] == 1
    accounts.register("victim", PASSWORD)
    client = limited.test_client()
    for _ in range(2):
        assert guess(client, "victim", "wrong", "203.0.113.66", behind_proxy).status_code == 401
    assert guess(client, "victim", PASSWORD, "203.0.113.66", behind_proxy).status_code == 429
    owner = guess(client, "victim", PASSWORD, "198.51.100.7", behind_proxy)
    assert owner.status_code == 200
    # Successes are not counted: the owner signs in again and again.
    for _ in range(2):
        assert guess(client, "victim", PASSWORD, "198.51.100.7", behind_proxy).status_code == 200


def test_the_form_token_changes_at_sign_in_and_sign_out(client, user_factory):
    user_factory("ann")
    before = csrf_token(client)
    assert log_in(client, "ann").status_code == 302
    signed_in = csrf_token(client)
    assert signed_in != before
    out = client.post("/logout", data={"csrf_token": signed_in})
    assert out.status_code == 302
    assert csrf_token(client) != signed_in


def test_a_password_change_keeps_a_remembered_browser_signed_in(client, user_factory):
    user_factory("ann")
    assert log_in(client, "ann", remember="y").status_code == 302
    changed = client.post(
        "/settings/password",
        data={
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
            "csrf_token": csrf_token(client),
        },
    )
    assert changed.status_code == 302
    client.delete_cookie("tandem_session")  # the browser restarts: its session cookie goes
    assert client.get("/settings").status_code == 200


@pytest.mark.parametrize("name", ["admin", "Support", "tandem", "moderator"])
def test_names_of_the_site_are_kept_from_ordinary_accounts(client, name):
    answer = client.post("/api/v1/auth/register", json={"username": name, "password": PASSWORD})
    assert answer.status_code == 400
    assert answer.get_json()["error"]["code"] == "reserved"
    # An operator may give one to a staff account.
    staff = accounts.register(name, PASSWORD, Role.MODERATOR)
    assert staff.username == name.lower()


@pytest.mark.parametrize(
    "shown", ["Deleted account", "deleted ACCOUNT ", "\uff24eleted account"]
)  # a full-width D
def test_a_display_name_may_not_pass_for_a_deleted_account(client, user_factory, bearer, shown):
    mallory = user_factory("mallory")
    answer = client.patch("/api/v1/me", json={"display_name": shown}, headers=bearer(mallory))
    assert answer.status_code == 400
    assert answer.get_json()["error"]["field"] == "display_name"
