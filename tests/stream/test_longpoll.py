"""Plain long-polling against a real server."""

from __future__ import annotations

import threading
import time

import pytest

from tests.support.clients import long_poll, register

pytestmark = pytest.mark.server


def test_without_cursor_answers_at_once_with_the_current_cursor(shared_server):
    account = register(shared_server.url)
    started = time.monotonic()
    response = long_poll(account, None, timeout=20)
    assert time.monotonic() - started < 2
    body = response.json()
    assert body["events"] == []
    assert body["cursor"].startswith("c")


def test_waiting_request_wakes_when_an_event_arrives(shared_server):
    account = register(shared_server.url)
    cursor = long_poll(account, None).json()["cursor"]
    threading.Timer(0.5, account.echo, args=("wake up",)).start()
    started = time.monotonic()
    body = long_poll(account, cursor, timeout=20).json()
    waited = time.monotonic() - started
    assert 0.4 < waited < 5
    [event] = [e for e in body["events"] if e["event"] == "stream:echo"]
    assert event["data"]["text"] == "wake up"
    assert event["id"] == body["cursor"] == event["data"]["cursor"]


def test_times_out_with_an_empty_list(shared_server):
    account = register(shared_server.url)
    cursor = long_poll(account, None).json()["cursor"]
    started = time.monotonic()
    body = long_poll(account, cursor, timeout=1).json()
    assert 0.9 < time.monotonic() - started < 4
    assert [e for e in body["events"] if e["event"] != "presence"] == []
    assert body["cursor"] == cursor


def test_waiting_events_are_answered_at_once(shared_server):
    account = register(shared_server.url)
    cursor = long_poll(account, None).json()["cursor"]
    account.echo("one")
    account.echo("two")
    started = time.monotonic()
    body = long_poll(account, cursor, timeout=20).json()
    assert time.monotonic() - started < 2
    assert [e["data"]["text"] for e in body["events"]] == ["one", "two"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"timeout": "31"}, "timeout"),
        ({"timeout": "-1"}, "timeout"),
        ({"timeout": "soon"}, "timeout"),
        ({"cursor": "not-a-cursor"}, "cursor"),
    ],
)
def test_bad_parameters_are_400(shared_server, params, field):
    import requests

    account = register(shared_server.url)
    response = requests.get(
        shared_server.url + "/api/v1/events", params=params, headers=account.headers, timeout=5
    )
    assert response.status_code == 400
    assert response.json()["error"]["field"] == field


def test_needs_authentication(shared_server):
    import requests

    assert requests.get(shared_server.url + "/api/v1/events", timeout=5).status_code == 401


def test_cursor_from_the_future_gets_resync(shared_server):
    account = register(shared_server.url)
    body = long_poll(account, "czzzzzz", timeout=5).json()
    assert [e["event"] for e in body["events"]] == ["resync"]
    assert body["events"][0]["data"]["reason"] == "cursor_unknown"
    assert body["cursor"] != "czzzzzz"
