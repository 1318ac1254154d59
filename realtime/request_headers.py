"""gevent's WSGI handler, ours: request headers read without the email package, and a
response's head sent with its first part.

gevent's `WSGIHandler` reads a request's header lines through `http.client.parse_headers`,
which hands them to the email package's parser: a fifth of the CPU of a polling
request (an Engine.IO poll, a long-poll) went there. Here the lines are read and split
by hand, with the same limits (a line of at most 65,536 bytes, at most 100 headers) and
stricter rules where HTTP/1.1 (RFC 9112) asks for them: a line that is not
`name: value` with a name free of whitespace, or two different Content-Lengths, makes
the request a 400; a folded line (an obsolete continuation) is joined to the one before
with a space.

`RequestHeaders` answers what the handler asks of its headers (`status`, `get`,
`getheader`, `typeheader`, deleting a field, the `headers` lines); the handler builds
the WSGI environment's `HTTP_…` entries from the fields directly. Tests check this
against the pinned gevent (`websocket_fanout.PINNED`). Requests are not logged: the
site serves with no access log, and gevent formatted each request's line before
dropping it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, BinaryIO

from gevent import pywsgi

MAX_LINE = 65536  # as http.client
MAX_HEADERS = 100  # as http.client
ONE_WRITE_MAX = 64 * 1024  # the largest first body part sent in one write with the head


class RequestHeaders:
    """A request's header fields in the order they came; names compare without case."""

    __slots__ = ("fields", "status")

    def __init__(self) -> None:
        self.status = ""  # non-empty: why the request is refused
        self.fields: list[tuple[str, str]] = []

    def get(self, name: str, default: Any = None) -> Any:
        wanted = name.lower()
        for key, value in self.fields:
            if key.lower() == wanted:
                return value
        return default

    getheader = get

    def __delitem__(self, name: str) -> None:
        wanted = name.lower()
        self.fields = [(key, value) for key, value in self.fields if key.lower() != wanted]

    @property
    def typeheader(self) -> str | None:
        return self.get("content-type")

    @property
    def headers(self) -> list[str]:
        """The fields as header lines, as gevent builds the WSGI environment from them."""
        return [f"{key}: {value}\r\n" for key, value in self.fields]


def read_headers(rfile: BinaryIO) -> RequestHeaders:
    """Read header lines up to the blank line that ends them."""
    headers = RequestHeaders()
    fields = headers.fields
    while True:
        line = rfile.readline(MAX_LINE + 1)
        if len(line) > MAX_LINE:
            headers.status = "Line too long"
            return headers
        if line in (b"\r\n", b"\n", b""):
            break
        if len(fields) == MAX_HEADERS:
            headers.status = "Too many headers"
            return headers
        text = line.decode("iso-8859-1").rstrip("\r\n")
        if text[:1] in (" ", "\t"):  # obs-fold: part of the field before
            if not fields:
                headers.status = "Folded first header line"
                return headers
            name, value = fields[-1]
            fields[-1] = (name, f"{value} {text.strip()}".strip())
            continue
        name, colon, value = text.partition(":")
        if not colon or not name or name != name.strip() or " " in name or "\t" in name:
            headers.status = "Invalid header line"
            return headers
        fields.append((name, value.strip()))
    lengths = {value for key, value in fields if key.lower() == "content-length"}
    if len(lengths) > 1:
        headers.status = "Conflicting Content-Length"
    return headers


class Handler(pywsgi.WSGIHandler):
    """gevent's WSGI handler with `read_headers` for its headers, one write for a
    response's head and first part, and no access log."""

    def MessageClass(self, rfile: BinaryIO, _seekable: int = 0) -> RequestHeaders:  # gevent's name
        return read_headers(rfile)

    def _headers(self) -> Iterator[tuple[str, str]]:
        """As gevent's: each field as an `HTTP_…` entry of the WSGI environment, but
        from the fields as read rather than from header lines built to be split again. A
        name with "_" is left out, as gevent does (it could pose as another's with "-")."""
        for name, value in self.headers.fields:
            if "_" in name:
                continue
            key = name.replace("-", "_").upper()
            if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                yield "HTTP_" + key, value

    def _write_with_headers(self, data: bytes) -> None:
        """As gevent's, but the response's head and its first part go out in one write
        (one system call, one TCP segment where they fit) instead of two: a poll's
        answer is a few hundred bytes. A first part over `ONE_WRITE_MAX` is sent as
        gevent sends it, rather than copied."""
        if len(data) > ONE_WRITE_MAX:
            super()._write_with_headers(data)
            return
        self.headers_sent = True
        self.finalize_headers()
        towrite = bytearray(b"HTTP/1.1 ")
        towrite += self.status
        towrite += b"\r\n"
        for header, value in self.response_headers:
            towrite += header
            towrite += b": "
            towrite += value
            towrite += b"\r\n"
        towrite += b"\r\n"
        if data and self.response_use_chunked:
            towrite += b"%x\r\n" % len(data)
            towrite += data
            towrite += b"\r\n"
        else:
            towrite += data
        self._sendall(towrite)

    def log_request(self) -> None:
        return
