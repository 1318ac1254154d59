"""Identity for scripts and bots: register, exchange credentials for a token, revoke it."""

from __future__ import annotations

from flask import g, jsonify

from blueprints.api import api
from blueprints.api.actions import token_write_action
from errors import Unauthenticated
from request_body import json_body
from route_limits import login_ip_limit, login_username_limit, registration_limit
from services import accounts, api_tokens
from services.validation import string


def _credentials() -> tuple[str, str, int | None]:
    """The username, the password and the new token's lifetime (`expires_in`, seconds)."""
    body = json_body()
    username = string(body, "username", max_length=64)
    password = string(body, "password", max_length=accounts.PASSWORD_MAX, strip=False)
    return username, password, api_tokens.token_lifetime(body.get("expires_in"))


@api.post("/auth/register")
@registration_limit
def auth_register():
    username, password, expires_in = _credentials()
    user = accounts.register(username, password)
    token = api_tokens.issue_token(user, expires_in)
    return jsonify({"token": token, "user": user.to_public()}), 201


@api.post("/auth/token")
@login_ip_limit
@login_username_limit
def auth_token():
    username, password, expires_in = _credentials()
    user = accounts.authenticate(username, password)
    if user is None:
        raise Unauthenticated("Wrong username or password.", code="invalid_credentials")
    token = api_tokens.issue_token(user, expires_in)
    return jsonify({"token": token, "user": user.to_public()})


@token_write_action("DELETE", "/auth/token")
def auth_token_revoke():
    token = g.get("api_token")
    if token is None:
        raise Unauthenticated("Revoking needs the bearer token itself in the Authorization header.")
    api_tokens.revoke_token(token)
