"""Server-Sent Events against a real server."""

from __future__ import annotations

import pytest
import requests

from tests.support.clients import SSEReader, register

pytestmark = pytest.mark.server


def stream_url(server) -> str:
    return server.url + "/api/v1/events/stream"


def test_needs_authentication(shared_server):
    response = requests.get(stream_url(shared_server), timeout=5)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


def test_bad_last_event_id_is_a_400(shared_server):
    account = register(shared_server.url)
    response = requests.get(
        stream_url(shared_server),
        headers={**account.headers, "Last-Event-ID": "garbage"},
        timeout=5,
    )
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "Last-Event-ID"


def test_events_have_id_event_and_data_lines(shared_server):
    account = register(shared_server.url)
    reader = SSEReader(stream_url(shared_server), account.headers)
    headers = reader.headers
    assert headers["Content-Type"].startswith("text/event-stream")
    assert headers["X-Accel-Buffering"] == "no"
    assert headers["Cache-Control"] == "no-cache"
    sent = account.echo("over sse")
    [event] = reader.received.wait_count("stream:echo", 1)
    assert event == {**sent["data"], "cursor": sent["cursor"]}
    assert reader.ids == [sent["cursor"]]
    reader.close()


def test_keep_alive_comments(server_factory):
    server = server_factory(SSE_KEEPALIVE_SECONDS="0.3")
    account = register(server.url)
    reader = SSEReader(stream_url(server), account.headers)
    reader.received.wait_count(":comment", 2, timeout=5)
    assert all(comment.startswith(":") for comment in reader.comments)
    reader.close()


def test_token_revocation_ends_the_stream(shared_server):
    account = register(shared_server.url)
    reader = SSEReader(stream_url(shared_server), account.headers)
    account.echo("first")
    reader.received.wait_count("stream:echo", 1)
    requests.delete(shared_server.url + "/api/v1/auth/token", headers=account.headers, timeout=5)
    assert reader.ended.wait(5)


def test_html_fragments_for_htmx(shared_server):
    account = register(shared_server.url)
    response = requests.get(
        shared_server.url + "/events/html",
        params={"view": "feed"},
        headers=account.headers,
        stream=True,
        timeout=10,
    )
    assert response.headers["Content-Type"].startswith("text/event-stream")
    account.echo("<script>alert(1)</script>")
    lines = []
    for raw in response.iter_lines(chunk_size=1):
        lines.append(raw.decode())
        if lines[-1] == "" and any("stream:echo" in line for line in lines):
            break
    response.close()
    assert "event: feed" in lines
    html = "\n".join(line for line in lines if line.startswith("data: "))
    assert "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e" in html
    assert "<script>" not in html
    assert "sse-swap" not in html
    assert '<li class="feed-item">' in html
