"""GET /api/v1/time: the server's clock over HTTP, for clients without a socket."""

from __future__ import annotations

import time

from tests.conftest import make_app


def test_time_answers_the_servers_epoch_seconds(client):
    before = time.time()
    response = client.get("/api/v1/time")
    after = time.time()
    assert response.status_code == 200
    assert response.is_json
    body = response.get_json()
    assert set(body) == {"server_time"}
    assert isinstance(body["server_time"], float)
    assert before <= body["server_time"] <= after
    assert response.headers["Cache-Control"] == "no-store"


def test_time_needs_no_sign_in_and_reads_no_token(client, logged_in_client):
    """It tells nothing about anyone: the same answer signed in, or not at all."""
    assert client.get("/api/v1/time").status_code == 200
    assert logged_in_client.get("/api/v1/time").status_code == 200


def test_time_is_rate_limited_per_ip(tmp_path):
    app = make_app(tmp_path, TIME_RATE_LIMIT="3 per minute")
    client = app.test_client()
    here = {"REMOTE_ADDR": "192.0.2.10"}
    for _ in range(3):
        assert client.get("/api/v1/time", environ_base=here).status_code == 200
    refused = client.get("/api/v1/time", environ_base=here)
    assert refused.status_code == 429
    assert refused.get_json()["error"]["code"] == "rate_limited"
    assert int(refused.headers["Retry-After"]) > 0
    # Another address has its own allowance.
    elsewhere = {"REMOTE_ADDR": "192.0.2.11"}
    assert client.get("/api/v1/time", environ_base=elsewhere).status_code == 200
