"""The moderators' live report count follows role changes without reconnecting."""

from __future__ import annotations

import pytest
import requests

from tests.support.clients import SocketClient, register

pytestmark = pytest.mark.server


def post(server, account, path: str, body: dict) -> dict:
    response = requests.post(
        server.url + "/api/v1" + path, json=body, headers=account.headers, timeout=10
    )
    assert response.status_code in (200, 201), response.text
    return response.json()


def test_promoted_people_hear_the_queue_and_demoted_ones_stop(shared_server):
    admin, helper, reporter = (register(shared_server.url) for _ in range(3))
    shared_server.set_role(admin.username, "admin")
    socket = SocketClient(shared_server.url).connect(auth={"token": helper.token})

    post(shared_server, admin, f"/admin/users/{helper.username}/role", {"role": "moderator"})
    report = {"subject_type": "user", "subject_id": admin.id, "reason": "testing the queue"}
    post(shared_server, reporter, "/reports", report)
    [count] = socket.received.wait_count("moderation:reports", 1)
    assert count["open_count"] >= 1

    post(shared_server, admin, f"/admin/users/{helper.username}/role", {"role": "user"})
    post(shared_server, reporter, "/reports", report)
    # A later event of the helper's own comes after the count, had it been sent to them.
    helper.echo("after the report")
    socket.received.wait_count("stream:echo", 1)
    assert len(socket.received.named("moderation:reports")) == 1
    socket.close()
