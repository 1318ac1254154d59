"""Real clients of a running Tandem: HTTP API, Socket.IO, SSE and long-polling."""

from __future__ import annotations

import contextlib
import http.client
import itertools
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
import requests
import socketio

PASSWORD = "correct horse battery"
_names = itertools.count(1)


@dataclass
class Account:
    base: str
    username: str
    token: str
    id: int

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def echo(self, text: str, base: str | None = None) -> dict:
        response = requests.post(
            (base or self.base) + "/api/v1/events/echo",
            json={"text": text},
            headers=self.headers,
            timeout=10,
        )
        assert response.status_code == 201, response.text
        return response.json()


def call_api(account: Account, method: str, path: str, **kwargs: Any) -> requests.Response:
    """`method` on `/api/v1` + `path` with `account`'s token; the answer must be a success."""
    response = requests.request(
        method, account.base + "/api/v1" + path, headers=account.headers, timeout=10, **kwargs
    )
    assert response.status_code < 400, response.text
    return response


def register(base: str, username: str | None = None) -> Account:
    name = username or f"client{next(_names)}_{int(time.time() * 1000) % 100000}"
    response = requests.post(
        base + "/api/v1/auth/register", json={"username": name, "password": PASSWORD}, timeout=10
    )
    assert response.status_code == 201, response.text
    body = response.json()
    return Account(base=base, username=name, token=body["token"], id=body["user"]["id"])


@dataclass
class Received:
    """Events collected by a client thread, with a way to wait for them."""

    events: list[tuple[str, Any]] = field(default_factory=list)
    condition: threading.Condition = field(default_factory=threading.Condition)

    def add(self, name: str, data: Any) -> None:
        with self.condition:
            self.events.append((name, data))
            self.condition.notify_all()

    def named(self, name: str) -> list[Any]:
        with self.condition:
            return [data for event, data in self.events if event == name]

    def wait_for(self, predicate, timeout: float = 10.0) -> list[tuple[str, Any]]:
        deadline = time.monotonic() + timeout
        with self.condition:
            while not predicate(self.events):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"timed out; received so far: {self.events!r}")
                self.condition.wait(left)
            return list(self.events)

    def wait_count(self, name: str, count: int, timeout: float = 10.0) -> list[Any]:
        self.wait_for(lambda events: sum(1 for e, _ in events if e == name) >= count, timeout)
        return self.named(name)


class SocketClient:
    """python-socketio's client, collecting every event it receives."""

    def __init__(self, base: str, transport: str = "websocket", in_order: bool = False) -> None:
        self.base = base
        self.transport = transport
        self.received = Received()
        self.client = socketio.Client(reconnection=False)
        if in_order:
            self._handle_packets_in_order()
        self.client.on("*", self.received.add)
        self.disconnected = threading.Event()
        self.client.on("disconnect", lambda *_: self.disconnected.set())

    def _handle_packets_in_order(self) -> None:
        """Handle each packet before reading the next, as a browser does. By default the
        engine.io client hands every message to a thread of its own, so a disconnection
        can be handled before the acknowledgements that came ahead of it, and it drops
        their callbacks."""
        engine = self.client.eio
        trigger = engine._trigger_event

        def in_order(event, *args, **kwargs):
            if event == "message":
                kwargs["run_async"] = False
            return trigger(event, *args, **kwargs)

        engine._trigger_event = in_order

    def connect(self, auth: dict | None = None, headers: dict | None = None) -> SocketClient:
        self.client.connect(
            self.base,
            auth=auth,
            headers=headers or {},
            transports=[self.transport],
            wait_timeout=10,
        )
        return self

    def call(self, event: str, data: Any = None, timeout: float = 10) -> Any:
        return self.client.call(event, data, timeout=timeout)

    def close(self) -> None:
        """Disconnect politely, without waiting for the client's background threads."""
        if self.client.connected:
            threading.Thread(target=self.client.disconnect, daemon=True).start()

    def drop(self) -> None:
        """Cut the connection as a network failure would: no goodbye to the server."""
        self.client.eio.disconnect(abort=True)


class SSEReader:
    """Reads an SSE stream in a thread, parsing `id`, `event`, `data` and comments; each
    event's data with `decode` (JSON, or `str` for a page's stream of fragments)."""

    def __init__(
        self,
        url: str,
        headers: dict[str, str],
        params: dict | None = None,
        decode: Callable[[str], Any] = orjson.loads,
    ) -> None:
        self.received = Received()
        self._decode = decode
        self.comments: list[str] = []
        self.ids: list[str] = []
        self.ended = threading.Event()
        parts = urllib.parse.urlsplit(url)
        self._connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        path = parts.path + ("?" + urllib.parse.urlencode(params, doseq=True) if params else "")
        self._connection.request("GET", path, headers=headers)
        self.response = self._connection.getresponse()
        self.headers = self.response.headers
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        event_id, name, data = None, None, []
        try:
            for raw in self.response:
                line = raw.decode().rstrip("\n")
                if line == "":
                    if name is not None:
                        if event_id:
                            self.ids.append(event_id)
                        self.received.add(name, self._decode("\n".join(data)) if data else None)
                    event_id, name, data = None, None, []
                elif line.startswith(":"):
                    self.comments.append(line)
                    self.received.add(":comment", line)
                elif line.startswith("id: "):
                    event_id = line[4:]
                elif line.startswith("event: "):
                    name = line[7:]
                elif line.startswith("data: "):
                    data.append(line[6:])
        except Exception:  # noqa: S110  (any end of the connection ends the reading)
            pass
        finally:
            self.ended.set()

    def close(self) -> None:
        """Cut the connection, as a browser tab closing would."""
        with contextlib.suppress(OSError):
            self._connection.sock.shutdown(socket.SHUT_RDWR)
        self._connection.close()


def long_poll(
    account: Account,
    cursor: str | None,
    timeout: float = 0,
    base: str | None = None,
    params: dict[str, Any] | None = None,
):
    params = {**(params or {}), "timeout": int(timeout)}
    if cursor is not None:
        params["cursor"] = cursor
    response = requests.get(
        (base or account.base) + "/api/v1/events",
        params=params,
        headers=account.headers,
        timeout=timeout + 15,
    )
    return response


def raw_connect(base: str, transport: str, auth: Any, headers: dict | None = None) -> str:
    """Open Engine.IO by hand and send a Socket.IO CONNECT; returns the server's answer
    packet ("40..." accepted, "44..." refused). Quicker than a full client for refusals."""
    headers = headers or {}
    body = "40" + (orjson.dumps(auth).decode() if auth is not None else "")
    if transport == "websocket":
        import websocket

        ws = websocket.create_connection(
            base.replace("http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket",
            header=[f"{k}: {v}" for k, v in headers.items()],
            timeout=10,
        )
        try:
            ws.recv()  # the Engine.IO open packet
            ws.send(body)
            return ws.recv()
        finally:
            ws.close(timeout=0)
    url = base + "/socket.io/"
    opened = requests.get(
        url, params={"EIO": "4", "transport": "polling"}, headers=headers, timeout=10
    )
    sid = orjson.loads(opened.text[1:])["sid"]
    params = {"EIO": "4", "transport": "polling", "sid": sid}
    requests.post(url, params=params, data=body, headers=headers, timeout=10).raise_for_status()
    return requests.get(url, params=params, headers=headers, timeout=10).text


VIDEO = "https://media.example/film.mp4"


def create_group(base: str, owner: Account, *members: Account, name: str = "Group") -> int:
    """A group made through the API by `owner` with `members`; its id."""
    response = requests.post(
        base + "/api/v1/conversations",
        json={"kind": "group", "name": name, "members": [m.username for m in members]},
        headers=owner.headers,
        timeout=10,
    )
    assert response.status_code == 201, response.text
    return response.json()["conversation"]["id"]


def create_party(base: str, host: Account, **fields: Any) -> dict:
    """A party made over the JSON API by `host`, as the API gives it back."""
    response = requests.post(
        base + "/api/v1/parties",
        json={"title": "Live test", "media_url": VIDEO, **fields},
        headers=host.headers,
        timeout=10,
    )
    assert response.status_code == 201, response.text
    return response.json()["party"]
