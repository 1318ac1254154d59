"""Any text survives the Server-Sent-Events streams: read the way the HTML standard says
an EventSource reads them (lines end at CR, LF or CR LF; `data:` lines are joined with LF),
each event arrives whole, and its data is the text that was sent."""

from __future__ import annotations

import codecs
import contextlib
import http.client
import re
import socket
import threading
import urllib.parse

import orjson
import pytest
import requests

from tests.support.clients import register

pytestmark = pytest.mark.server

# Characters str.splitlines() takes for line ends, besides CR and LF.
SPLITLINES_BREAKS = {
    "line_separator": "\u2028",
    "paragraph_separator": "\u2029",
    "next_line": "\x85",
    "vertical_tab": "\x0b",
    "form_feed": "\x0c",
    "file_separator": "\x1c",
    "group_separator": "\x1d",
    "record_separator": "\x1e",
}
LINE_END = re.compile(r"\r\n|\r|\n")


class EventSourceReader:
    """Reads an event stream in a thread as a browser's EventSource does."""

    def __init__(self, url: str, headers: dict[str, str]) -> None:
        parts = urllib.parse.urlsplit(url)
        self._connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        self._connection.request("GET", parts.path, headers=headers)
        self.response = self._connection.getresponse()
        assert self.response.status == 200
        self.events: list[tuple[str, str]] = []
        self.condition = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        decoder = codecs.getincrementaldecoder("utf-8")()
        pending, name, data = "", "", []
        # The connection closed under the reader ends it, however http.client says so.
        with contextlib.suppress(OSError, ValueError, AttributeError, http.client.HTTPException):
            while chunk := self.response.read1(65536):
                pending += decoder.decode(chunk)
                # A CR at the end may be the first half of a CR LF: it waits for what follows.
                held = pending.endswith("\r")
                *lines, pending = LINE_END.split(pending[:-1] if held else pending)
                pending += "\r" if held else ""
                for line in lines:
                    if line == "":
                        if data:
                            with self.condition:
                                self.events.append((name or "message", "\n".join(data)))
                                self.condition.notify_all()
                        name, data = "", []
                    elif line.startswith("event:"):
                        name = line[6:].removeprefix(" ")
                    elif line.startswith("data:"):
                        data.append(line[5:].removeprefix(" "))

    def wait_named(self, name: str, count: int = 1, timeout: float = 10) -> list[str]:
        with self.condition:
            matched = lambda: [data for event, data in self.events if event == name]  # noqa: E731
            assert self.condition.wait_for(lambda: len(matched()) >= count, timeout), self.events
            return matched()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._connection.sock.shutdown(socket.SHUT_RDWR)
        self._connection.close()


def api(server, account, method: str, path: str, **kwargs) -> dict:
    response = requests.request(
        method, server.url + "/api/v1" + path, headers=account.headers, timeout=10, **kwargs
    )
    assert response.status_code < 300, response.text
    return response.json()


@pytest.mark.parametrize("char", SPLITLINES_BREAKS.values(), ids=SPLITLINES_BREAKS.keys())
def test_json_stream_carries_any_character_in_one_event(shared_server, char):
    account = register(shared_server.url)
    reader = EventSourceReader(shared_server.url + "/api/v1/events/stream", account.headers)
    text = f"before{char}after \r\n and a lone\rreturn"
    sent = account.echo(text)
    account.echo("next")
    first, second = reader.wait_named("stream:echo", 2)
    reader.close()
    assert orjson.loads(first) == {**sent["data"], "cursor": sent["cursor"]}
    assert orjson.loads(first)["text"] == text
    assert orjson.loads(second)["text"] == "next"


def test_messages_keep_line_and_paragraph_separators_on_both_streams(shared_server):
    ann, ben = register(shared_server.url), register(shared_server.url)
    conversation = api(
        shared_server,
        ann,
        "POST",
        "/conversations",
        json={"kind": "direct", "username": ben.username},
    )["conversation"]["id"]
    json_stream = EventSourceReader(shared_server.url + "/api/v1/events/stream", ann.headers)
    html_stream = EventSourceReader(shared_server.url + "/events/html", ann.headers)
    body = "one\u2028two\u2029three\nfour"
    api(shared_server, ben, "POST", f"/conversations/{conversation}/messages", json={"body": body})

    [data] = json_stream.wait_named("message:new")
    assert orjson.loads(data)["body"] == body
    [html] = html_stream.wait_named(f"message-new-{conversation}")
    json_stream.close()
    html_stream.close()
    assert "one\u2028two\u2029three" in html
    assert 'class="message-body"' in html
