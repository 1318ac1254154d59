"""Signing in to a running Tandem through its login form, as a browser does."""

from __future__ import annotations

import re

import requests

from tests.support.clients import PASSWORD

CSRF_IN_FORM = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def form_signed_in(
    base: str,
    username: str,
    password: str = PASSWORD,
    *,
    remember: bool = False,
    session: requests.Session | None = None,
) -> requests.Session:
    """`session` (a new one if not given) holding the cookie the login form gives
    `username` on the server at `base` ("remember me" ticked if `remember`); the form must
    answer with its redirect (302), not a page of errors."""
    session = session or requests.Session()
    page = session.get(base + "/login", timeout=10).text
    token = CSRF_IN_FORM.search(page)
    assert token, "the login form carries no CSRF token"
    form = {"username": username, "password": password, "csrf_token": token[1]}
    response = session.post(
        base + "/login",
        data={**form, "remember": "y"} if remember else form,
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 302, response.text[:500]
    return session
