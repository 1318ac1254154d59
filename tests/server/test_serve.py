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


def websocket_extensions_answered(server, offer: str) -> str | None:
    """Open a raw WebSocket handshake on the Engine.IO endpoint, offering `offer`, and give
    back the extensions the server accepted (None when it accepted none)."""
    import base64
    import os
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(server.url)
    request = (
        "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n"
        f"Host: {parts.netloc}\r\n"
        "Upgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}\r\n"
        "Sec-WebSocket-Version: 13\r\n"
        f"Sec-WebSocket-Extensions: {offer}\r\n\r\n"
    )
    with socket.create_connection((parts.hostname, parts.port), timeout=5) as connection:
        connection.sendall(request.encode())
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = connection.recv(4096)
            assert chunk, f"the server closed the handshake: {answer!r}"
            answer += chunk
    head = answer.split(b"\r\n\r\n")[0].decode().split("\r\n")
    assert head[0].startswith("HTTP/1.1 101"), head[0]
    headers = dict(line.split(": ", 1) for line in head[1:])
    return {name.lower(): value for name, value in headers.items()}.get("sec-websocket-extensions")


OFFER = "permessage-deflate; client_max_window_bits"


def test_websocket_compression_is_declined_by_default(live_server):
    assert websocket_extensions_answered(live_server, OFFER) is None


def test_websocket_compression_can_be_turned_on(server_factory):
    server = server_factory(WEBSOCKET_COMPRESSION="on")
    assert "permessage-deflate" in websocket_extensions_answered(server, OFFER)
