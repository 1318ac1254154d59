"""Posts and follows made over the JSON API of a running server, the events of one kind
a long poll brings, and connections that resume from a cursor: the setup of the live
posts and comments tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from tests.support.clients import Account, SocketClient, SSEReader, call_api, long_poll


def post(author: Account, text: str, audience: str) -> dict:
    """A post by `author` to `audience`, as the API gives it back."""
    body = {"text": text, "audience": audience}
    return call_api(author, "POST", "/posts", json=body).json()["post"]


def follow(follower: Account, followee: Account) -> None:
    call_api(follower, "POST", f"/users/{followee.username}/follow")


def polled(account: Account, cursor: str, name: str, params: dict | None = None) -> list[dict]:
    """The data of the `name` events one long poll from `cursor` brings `account`."""
    events = long_poll(account, cursor, timeout=5, params=params).json()["events"]
    return [event["data"] for event in events if event["event"] == name]


@contextmanager
def resumed(base: str, account: Account, cursor: str) -> Iterator[tuple[SocketClient, SSEReader]]:
    """A Socket.IO connection and an SSE stream of `account`'s events, both resuming after
    `cursor`; both closed on leaving."""
    socket = SocketClient(base).connect(auth={"token": account.token, "cursor": cursor})
    try:
        stream = SSEReader(
            base + "/api/v1/events/stream", {**account.headers, "Last-Event-ID": cursor}
        )
        try:
            yield socket, stream
        finally:
            stream.close()
    finally:
        socket.close()
