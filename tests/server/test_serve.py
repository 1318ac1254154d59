"""The real server process: gevent, Socket.IO endpoint, vendored assets."""

from __future__ import annotations

import pytest
import requests

pytestmark = pytest.mark.server


def test_server_serves_pages_assets_and_engineio(live_server):
    assert requests.get(live_server.url + "/healthz", timeout=5).json() == {"status": "ok"}
    home = requests.get(live_server.url + "/", timeout=5)
    assert home.status_code == 200
    assert "Tandem" in home.text
    for asset in ("htmx.min.js", "htmx-sse.min.js", "socket.io.min.js"):
        response = requests.get(f"{live_server.url}/static/vendor/{asset}", timeout=5)
        assert response.status_code == 200, asset
        assert len(response.content) > 1000
    handshake = requests.get(
        live_server.url + "/socket.io/", params={"EIO": "4", "transport": "polling"}, timeout=5
    )
    assert handshake.status_code == 200
    assert '"maxPayload":65536' in handshake.text


def test_api_round_trip_on_the_real_server(live_server):
    base = live_server.url + "/api/v1"
    created = requests.post(
        base + "/auth/register", json={"username": "real_one", "password": "long enough"}, timeout=5
    )
    assert created.status_code == 201
    token = created.json()["token"]
    me = requests.get(base + "/me", headers={"Authorization": f"Bearer {token}"}, timeout=5)
    assert me.json()["user"]["username"] == "real_one"
