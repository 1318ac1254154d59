"""A direct message is not turned into a "while you were away" notification while its
conversation is open on one of the recipient's pages, whichever worker serves that page."""

from __future__ import annotations

import pytest
import requests

from tests.support.clients import SSEReader, register
from tests.support.cluster import FAST_PRESENCE, wait_until

pytestmark = pytest.mark.server


@pytest.fixture
def two_workers(server_factory, redis_server):
    env = {**FAST_PRESENCE, "DM_NOTIFY_DELAY_SECONDS": "0.5"}
    return [server_factory(redis_url=redis_server.url, **env) for _ in range(2)]


def api(server, account, method, path, **kwargs):
    response = requests.request(
        method, server.url + "/api/v1" + path, headers=account.headers, timeout=10, **kwargs
    )
    assert response.status_code < 400, response.text
    return response.json()


def message_notes(server, account) -> list[dict]:
    found = api(server, account, "GET", "/notifications")["notifications"]
    return [n for n in found if n["kind"] == "message"]


def direct(server, sender, recipient) -> int:
    body = {"kind": "direct", "username": recipient.username}
    return api(server, sender, "POST", "/conversations", json=body)["conversation"]["id"]


def say(server, sender, conversation_id: int, body: str) -> None:
    api(server, sender, "POST", f"/conversations/{conversation_id}/messages", json={"body": body})


def test_an_open_conversation_on_another_worker_holds_back_the_notification(two_workers):
    a, b = two_workers
    ann, ben, cat = register(a.url), register(a.url), register(a.url)
    to_ben, to_cat = direct(a, ann, ben), direct(a, ann, cat)

    # Ben's page of the conversation is open, served by worker b; ann writes through a.
    page = SSEReader(b.url + "/api/v1/events/stream", ben.headers, params={"conversation": to_ben})
    say(a, ann, to_ben, "look at this")
    page.received.wait_for(lambda events: any(e == "message:new" for e, _ in events))
    # Cat has no page open: her notification, due just after ben's, says ben's was decided.
    say(a, ann, to_cat, "and you?")
    wait_until(lambda: message_notes(a, cat), timeout=10)
    assert message_notes(b, ben) == []

    # Ben closes the page; once the grace for a reload is over, a message becomes a
    # notification after the delay (ann writes until one does).
    page.close()
    wait_until(
        lambda: say(a, ann, to_ben, "still there?") or message_notes(b, ben),
        timeout=10,
        interval=0.7,
    )
    [note] = message_notes(b, ben)
    assert note["actor"]["id"] == ann.id
