"""PROTOCOL section 1 over HTTP: register, token, me, revoke; section 2 error shapes."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD, csrf_token, make_app


def error_of(response) -> dict:
    body = response.get_json()
    assert set(body) == {"error"}, body
    assert {"code", "message"} <= set(body["error"])
    return body["error"]


def test_register_gives_201_with_token_and_user(client):
    response = client.post("/api/v1/auth/register", json={"username": "Zoe", "password": PASSWORD})
    assert response.status_code == 201
    body = response.get_json()
    assert body["token"].startswith("tdm_")
    assert body["user"]["username"] == "zoe"
    assert {"id", "username", "role", "created_at"} <= set(body["user"])
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200
    assert me.get_json()["user"]["id"] == body["user"]["id"]


def test_register_taken_name_is_409(client, user_factory):
    user_factory("yuri")
    response = client.post("/api/v1/auth/register", json={"username": "YURI", "password": PASSWORD})
    assert response.status_code == 409
    assert error_of(response)["code"] == "username_taken"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"password": PASSWORD}, "username"),
        ({"username": "valid_name"}, "password"),
        ({"username": 42, "password": PASSWORD}, "username"),
        ({"username": "valid_name", "password": ["x"]}, "password"),
        ({"username": "no spaces", "password": PASSWORD}, "username"),
        ({"username": "valid_name", "password": "short"}, "password"),
        ({"username": "u" * 10_000, "password": PASSWORD}, "username"),
        ({"username": "valid_name", "password": "p" * 10_000}, "password"),
        ([1, 2, 3], "body"),
        ("just a string", "body"),
    ],
)
def test_register_bad_input_is_400_naming_the_field(client, body, field):
    response = client.post("/api/v1/auth/register", json=body)
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] in {"invalid", "too_long"}
    assert error["field"] == field


def test_malformed_json_is_400(client):
    response = client.post(
        "/api/v1/auth/register", data="{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert error_of(response)["field"] == "body"


def test_form_encoded_body_is_refused(client):
    response = client.post("/api/v1/auth/register", data={"username": "x", "password": "y"})
    assert response.status_code == 400
    assert "application/json" in error_of(response)["message"]


def test_token_for_right_credentials(client, user_factory):
    user = user_factory("walt")
    response = client.post("/api/v1/auth/token", json={"username": "walt", "password": PASSWORD})
    assert response.status_code == 200
    assert response.get_json()["user"]["id"] == user.id


@pytest.mark.parametrize(
    "body",
    [
        {"username": "walt", "password": "wrong password"},
        {"username": "ghost", "password": PASSWORD},
    ],
)
def test_token_for_wrong_credentials_is_401(client, user_factory, body):
    user_factory("walt")
    response = client.post("/api/v1/auth/token", json=body)
    assert response.status_code == 401
    assert error_of(response)["code"] == "invalid_credentials"


def test_me_needs_authentication(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthenticated"


@pytest.mark.parametrize(
    "header", ["Bearer tdm_forged", "Bearer ", "Basic dXNlcjpwYXNz", "tdm_no_scheme"]
)
def test_bad_authorization_headers_are_401(client, header):
    response = client.get("/api/v1/me", headers={"Authorization": header})
    assert response.status_code == 401


def test_revoke_the_token_used(client, user_factory, bearer):
    user = user_factory("vera")
    headers = bearer(user)
    other = bearer(user)
    assert client.delete("/api/v1/auth/token", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert client.get("/api/v1/me", headers=other).status_code == 200


def test_bearer_requests_need_no_csrf_but_cookie_requests_do(client, user_factory, bearer):
    user = user_factory("uma")
    # A cookie-authenticated state change without the CSRF token is refused.
    client.post(
        "/login", data={"username": "uma", "password": PASSWORD, "csrf_token": csrf_token(client)}
    )
    refused = client.delete("/api/v1/auth/token")
    assert refused.status_code == 400
    assert error_of(refused)["code"] == "csrf_failed"
    # With the token from the page it passes CSRF (and then needs a bearer token to revoke).
    allowed = client.delete("/api/v1/auth/token", headers={"X-CSRFToken": csrf_token(client)})
    assert allowed.status_code == 401
    # A bearer request carries no CSRF token and is fine.
    assert client.delete("/api/v1/auth/token", headers=bearer(user)).status_code == 204


def test_bearer_header_wins_over_a_session_cookie(client, user_factory):
    user_factory("tess")
    client.post(
        "/login", data={"username": "tess", "password": PASSWORD, "csrf_token": csrf_token(client)}
    )
    assert client.get("/api/v1/me").status_code == 200
    assert (
        client.get("/api/v1/me", headers={"Authorization": "Bearer tdm_wrong"}).status_code == 401
    )


def test_registration_is_rate_limited_per_ip(tmp_path):
    app = make_app(tmp_path, REGISTRATION_RATE_LIMIT="2 per hour")
    client = app.test_client()
    for name in ("first_one", "second_one"):
        assert (
            client.post(
                "/api/v1/auth/register", json={"username": name, "password": PASSWORD}
            ).status_code
            == 201
        )
    limited = client.post(
        "/api/v1/auth/register", json={"username": "third_one", "password": PASSWORD}
    )
    assert limited.status_code == 429
    assert error_of(limited)["code"] == "rate_limited"
    assert int(limited.headers["Retry-After"]) > 0
    # The page shares the same per-IP budget.
    page = client.post("/register", data={"csrf_token": csrf_token(client)})
    assert page.status_code == 429
    assert "Slow down" in page.get_data(as_text=True)


def test_login_is_rate_limited_per_username(tmp_path):
    app = make_app(tmp_path, LOGIN_USERNAME_RATE_LIMIT="3 per minute")
    client = app.test_client()
    for _ in range(3):
        wrong = client.post(
            "/api/v1/auth/token", json={"username": "target", "password": "guess1234"}
        )
        assert wrong.status_code == 401
    limited = client.post(
        "/api/v1/auth/token", json={"username": "TARGET", "password": "guess1234"}
    )
    assert limited.status_code == 429
    assert "Retry-After" in limited.headers
    other = client.post("/api/v1/auth/token", json={"username": "someone", "password": "guess1234"})
    assert other.status_code == 401
