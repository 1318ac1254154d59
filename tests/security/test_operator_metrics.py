"""/metrics: absent unless configured, then only for the operator's token and/or loopback.

A session, an API token or a wrong metrics token all get the contract's JSON error; the
token is compared in constant time and never written to the log.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from flask import Flask

from extensions import db
from realtime import metrics
from services import operator_metrics
from tests.conftest import make_app
from tests.security.surface import GENEROUS_LIMITS, World, build_world, signed_in

TOKEN = "operator-metrics-token-0123456789"
REMOTE = {"REMOTE_ADDR": "203.0.113.9"}


@pytest.fixture
def metrics_app(tmp_path_factory, request) -> Iterator[tuple[Flask, World]]:
    """An app with the metrics settings of the test's parameter, and a world in it."""
    before = metrics.enabled()
    app = make_app(tmp_path_factory.mktemp("metrics"), **GENEROUS_LIMITS, **request.param)
    yield app, build_world(app)
    with app.app_context():
        db.engine.dispose()
    metrics.configure(before)


def assert_error(response, status: int, code: str, what: str = "") -> None:
    assert response.status_code == status, (what, response.get_data(as_text=True)[:300])
    assert response.is_json, what
    error = response.get_json()["error"]
    assert error["code"] == code, what
    assert error["message"], what


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("metrics_app", [{}], indirect=True)
def test_off_unless_configured(metrics_app):
    app, _world = metrics_app
    assert_error(app.test_client().get("/metrics"), 404, "not_found")
    assert_error(signed_in(app, "mod").get("/metrics"), 404, "not_found")
    assert_error(app.test_client().get("/metrics", headers=bearer(TOKEN)), 404, "not_found")
    assert not metrics.enabled()


@pytest.mark.parametrize("metrics_app", [{"METRICS_TOKEN": TOKEN}], indirect=True)
def test_the_token_is_required(metrics_app, caplog):
    app, world = metrics_app
    caplog.set_level(logging.DEBUG)
    client = app.test_client()
    refused = {
        "nothing": {},
        "wrong token": bearer("x" * len(TOKEN)),
        "prefix of the token": bearer(TOKEN[:-1]),
        "token in another scheme": {"Authorization": f"Basic {TOKEN}"},
        "token without a scheme": {"Authorization": TOKEN},
        "a user's API token": bearer(world.token("sam")),
    }
    for what, headers in refused.items():
        response = client.get("/metrics", headers=headers, environ_overrides=REMOTE)
        assert_error(response, 401, "unauthenticated", what)
    # A moderator's session is no operator either.
    assert_error(signed_in(app, "mod").get("/metrics"), 401, "unauthenticated")
    served = client.get("/metrics", headers=bearer(TOKEN), environ_overrides=REMOTE)
    assert served.status_code == 200
    assert served.content_type.startswith("text/plain; version=0.0.4")
    assert served.headers["Cache-Control"] == "no-store"
    assert "# TYPE tandem_connections gauge" in served.get_data(as_text=True)
    assert TOKEN not in caplog.text
    assert TOKEN[:-1] not in caplog.text


@pytest.mark.parametrize("metrics_app", [{"METRICS_LOOPBACK_ONLY": True}], indirect=True)
def test_loopback_only(metrics_app):
    app, _world = metrics_app
    client = app.test_client()
    assert_error(client.get("/metrics", environ_overrides=REMOTE), 403, "forbidden")
    for address in ("127.0.0.1", "::1"):
        response = client.get("/metrics", environ_overrides={"REMOTE_ADDR": address})
        assert response.status_code == 200, address


@pytest.mark.parametrize(
    "metrics_app", [{"METRICS_LOOPBACK_ONLY": True, "METRICS_TOKEN": TOKEN}], indirect=True
)
def test_both_settings_require_both(metrics_app):
    app, _world = metrics_app
    client = app.test_client()
    local = {"REMOTE_ADDR": "127.0.0.1"}
    assert_error(client.get("/metrics", environ_overrides=local), 401, "unauthenticated")
    remote = client.get("/metrics", headers=bearer(TOKEN), environ_overrides=REMOTE)
    assert_error(remote, 403, "forbidden")
    served = client.get("/metrics", headers=bearer(TOKEN), environ_overrides=local)
    assert served.status_code == 200


def test_the_token_is_compared_in_constant_time(monkeypatch):
    compared = []

    def compare_digest(given, expected):
        compared.append((given, expected))
        return given == expected

    monkeypatch.setattr(operator_metrics.hmac, "compare_digest", compare_digest)
    assert operator_metrics._bearer_matches(f"Bearer {TOKEN}", TOKEN)
    assert not operator_metrics._bearer_matches("Bearer nope", TOKEN)
    assert compared == [(TOKEN.encode(), TOKEN.encode()), (b"nope", TOKEN.encode())]
