"""Signing in to a running Tandem through its login form, as a browser does."""

from __future__ import annotations

import re

import requests

from tests.support.clients import PASSWORD

CSRF_IN_FORM = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def form_signed_in(base: str, username: str, password: str = PASSWORD) -> requests.Session:
    """A session holding the cookie the login form gives `username` on the server at
    `base`; the form must answer with its redirect (302), not a page of errors."""
    session = requests.Session()
    page = session.get(base + "/login", timeout=10).text
    token = CSRF_IN_FORM.search(page)
    assert token, "the login form carries no CSRF token"
    response = session.post(
        base + "/login",
        data={"username": username, "password": password, "csrf_token": token[1]},
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 302, response.text[:300]
    return session
