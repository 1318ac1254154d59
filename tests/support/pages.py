"""Page-test clients: a signed-in test client, its CSRF token, and form posts with and
without htmx, shared by the tests under tests/pages/."""

from __future__ import annotations

from flask import Flask, g
from flask.testing import FlaskClient

from tests.conftest import csrf_token as page_csrf_token
from tests.conftest import log_in

HX = {"HX-Request": "true"}


def signed_in(app: Flask, username: str) -> FlaskClient:
    """A new test client signed in as `username`."""
    client = app.test_client()
    g.pop("csrf_token", None)
    assert log_in(client, username).status_code == 302
    return client


def csrf_token(client: FlaskClient) -> str:
    """This client's token: the tests share one app context, and Flask-WTF keeps the
    last token it made in `g`, so two clients would otherwise get each other's."""
    g.pop("csrf_token", None)
    return page_csrf_token(client)


def post(client: FlaskClient, url: str, headers: dict | None = None, **data: str):
    """A form post as a browser without JavaScript sends it."""
    return client.post(url, data={"csrf_token": csrf_token(client), **data}, headers=headers)


def hx_post(client: FlaskClient, url: str, **data: str):
    """A form post as htmx sends it (the token in its header)."""
    return client.post(url, data=data, headers={**HX, "X-CSRFToken": csrf_token(client)})


def page(client: FlaskClient, url: str, status: int = 200) -> str:
    """A page's HTML, asserting its status."""
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)
