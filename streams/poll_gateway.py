"""Plain long-polls, answered beneath Flask.

A long-poll is the request a low-JS client makes over and over, and most find nothing.
Flask's request, its hooks and its JSON answer were half of the CPU of one; the poll's
own work (the token's check, registering the stream, the backlog check) is the rest.
This WSGI layer answers the plain poll itself: `GET /api/v1/events` with a bearer token,
a `cursor` and at most a `timeout`. With the same token check (`api_tokens`), the same
poll (`poll_answer`) and the same security headers as the view.

Every other request goes on to Flask untouched, and so does a poll of any other shape
(a cookie's, a page's arguments, Last-Event-ID, a body), a token not in force and input
the view refuses: Flask answers those as before, so each error's shape and words stay
in one place. A plain poll the gateway fails to answer (logged) is Flask's to answer as
well: a poll changes nothing but its token's last use, and the stream the gateway opened
is closed before Flask opens its own, so asking again is safe.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from urllib.parse import parse_qsl

import orjson
from flask import Flask

from errors import ValidationError
from models.read_connection import shared_reads
from realtime import cursor as cursors
from realtime.connections import Identity
from response_headers import security_headers
from services import api_tokens
from streams import poll_answer

log = logging.getLogger(__name__)

POLL_PATH = "/api/v1/events"
PLAIN_ARGUMENTS = frozenset({"cursor", "timeout"})
# What a request carries that only Flask may read.
FLASK_ONLY_HEADERS = ("HTTP_LAST_EVENT_ID", "HTTP_TRANSFER_ENCODING")

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]


class PollGateway:
    """WSGI middleware: plain long-polls answered here, everything else by `inner`."""

    def __init__(self, app: Flask, inner: WSGIApp) -> None:
        self.app = app
        self.inner = inner

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != POLL_PATH or environ.get("REQUEST_METHOD") != "GET":
            return self.inner(environ, start_response)
        poll = plain_poll(environ)
        if poll is None:
            return self.inner(environ, start_response)
        try:
            with self.app.app_context():
                answer = self._answer(environ, *poll)
        except Exception:
            log.exception("A plain long-poll failed; Flask answers it")
            answer = None
        if answer is None:
            return self.inner(environ, start_response)
        body = orjson.dumps(answer)
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
        headers.extend(security_headers(self.app.config["SESSION_COOKIE_SECURE"]))
        start_response("200 OK", headers)
        return [body]

    def _answer(self, environ: dict, raw_token: str, arguments: dict[str, str]) -> dict | None:
        maximum = self.app.config["LONGPOLL_MAX_TIMEOUT"]
        try:
            timeout = poll_answer.timeout_of(arguments.get("timeout"), maximum)
            cursor = arguments.get("cursor")
            position = cursors.decode_position(cursor) if cursor else None
        except ValidationError:
            return None
        # The token's check and the states a resume brings: one checkout for both.
        with shared_reads():
            token = api_tokens.token_in_force(raw_token)
            if token is None:
                return None
            api_tokens.record_use(token)
            identity = Identity.of_token(token.user_id, token.id, token.expires_at)
            return poll_answer.answer(identity, position, timeout, set(), environ)


def plain_poll(environ: dict) -> tuple[str, dict[str, str]] | None:
    """The bearer token and the arguments of a plain poll, or None for any other shape."""
    scheme, _, raw = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
    raw = raw.strip()
    if scheme.lower() != "bearer" or not raw:
        return None
    if environ.get("CONTENT_LENGTH") not in (None, "", "0"):
        return None
    if any(name in environ for name in FLASK_ONLY_HEADERS):
        return None
    arguments: dict[str, str] = {}
    for name, value in query_arguments(environ.get("QUERY_STRING", "")):
        if name not in PLAIN_ARGUMENTS or name in arguments:
            return None
        arguments[name] = value
    return raw, arguments


def query_arguments(query: str) -> list[tuple[str, str]]:
    """`parse_qsl(query, keep_blank_values=True)`, without urllib's work when nothing in
    the query is encoded (a poll's cursor and timeout never are): served, that work cost
    a plain poll about 5 % of its CPU."""
    if "%" in query or "+" in query:
        return parse_qsl(query, keep_blank_values=True)
    return [
        (name, value)
        for name, _, value in (part.partition("=") for part in query.split("&") if part)
    ]
