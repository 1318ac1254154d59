"""The event stream over HTTP: Server-Sent Events, long-polling, and HTML fragments
for htmx pages. Thin layers over the bus, like the socket handlers."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

import orjson
from flask import Blueprint, Response, current_app, g, jsonify, request
from flask_login import current_user, login_required
from gevent.queue import Empty

import budgets
from extensions import db
from models.user import User
from realtime import cursor as cursors
from realtime import resume
from realtime.bus import bus
from realtime.connections import Identity, StreamConnection
from realtime.events import RESYNC, Envelope, conversation_channel, party_channel, presence_channel
from realtime.fragments import render_fragments, render_page_state
from request_body import json_body, whole_number
from request_identity import TokenBearer, identity_only
from route_limits import user_action
from services import accounts, diagnostics, playlist_views, posts, profiles
from streams import poll_answer as long_poll_answer
from streams.hangup import on_hangup

bp = Blueprint("events", __name__)


def current_identity() -> Identity:
    token = g.get("api_token")
    if token is not None:
        return Identity.of_token(current_user.id, token.id, token.expires_at)
    return Identity(user_id=current_user.id, login_id=current_user.login_id)


def _resume_point() -> cursors.Position | None:
    """Last-Event-ID (an SSE reconnect) wins over ?cursor= (the first connect)."""
    header = request.headers.get("Last-Event-ID")
    if header:
        return cursors.decode_position(header, field="Last-Event-ID")
    raw = request.args.get("cursor")
    return cursors.decode_position(raw) if raw else None


# Only CR, LF and CR LF end a line of an event stream; str.splitlines() would also split
# on U+2028, U+2029, U+0085 and more, and a browser would join the pieces with LF.
_SSE_LINE_BREAK = re.compile(r"\r\n|\r|\n")
# JSON may carry these raw inside a string, but some line readers break on them: escaped,
# a `data:` line of JSON cannot be split by any character of the text it carries.
_JSON_LINE_SEPARATORS = str.maketrans({"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})


def _sse_json(payload: dict) -> str:
    """`payload` as JSON on one line (orjson escapes every other control character)."""
    return orjson.dumps(payload).decode().translate(_JSON_LINE_SEPARATORS)


def _sse_frame(envelope: Envelope, name: str | None = None, data: str | None = None) -> str:
    body = data if data is not None else _sse_json(envelope.payload())
    cursor = envelope.cursor if envelope.id is not None else None
    return _frame(name or envelope.name, body, cursor)


def _frame(name: str, body: str, cursor: str | None = None) -> str:
    """One SSE frame; without `cursor` it has no id, and the client's stays as it was."""
    lines = [f"id: {cursor}"] if cursor is not None else []
    lines.append(f"event: {name}")
    lines.extend(f"data: {line}" for line in _SSE_LINE_BREAK.split(body))
    return "\n".join(lines) + "\n\n"


def _stream_response(
    stream: StreamConnection, first: list[Envelope], frames, state: Iterable[str] = ()
) -> Response:
    """`first` (the backlog) then live events, each as `frames` gives it; `state`, frames
    of what the page shows now, goes right after the backlog."""
    keepalive = current_app.config["SSE_KEEPALIVE_SECONDS"]
    _watch_party(stream)
    _view_conversation(stream)
    db.session.remove()  # no database connection is held while streaming
    stop_watching = on_hangup(request.environ, stream.close)

    def generate() -> Iterator[str]:
        yield "retry: 2000\n\n"
        for envelope in first:
            yield from frames(envelope)
        yield from state
        bus.hub.finish_stream_replay(stream)
        # A stream whose token is over ends when it does: its client signs in again.
        while not stream.closed and not stream.identity.has_expired():
            try:
                envelope = stream.queue.get(timeout=stream.identity.seconds_left(keepalive))
            except Empty:
                if not stream.identity.has_expired():
                    yield ": keep-alive\n\n"
                continue
            if envelope is None:
                break
            yield from frames(envelope)

    response = Response(generate(), mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Accel-Buffering"] = "no"
    response.call_on_close(stop_watching)
    response.call_on_close(lambda: bus.hub.remove_stream(stream))
    return response


def _watch_party(stream: StreamConnection) -> None:
    """A stream opened with `?party=<id>` is that party's page: its person watches the
    party while it lives, if the party is in their stream (they are in it)."""
    party_id = whole_number(request.args.get("party"))
    if party_id is not None and party_channel(party_id) in stream.channels:
        bus.hub.watch(stream, party_id)


def _view_conversation(stream: StreamConnection) -> None:
    """A stream opened with `?conversation=<id>` is that conversation's page, open while
    the stream lives, if the conversation is in their stream (they belong to it)."""
    conversation_id = whole_number(request.args.get("conversation"))
    if conversation_id is not None and conversation_channel(conversation_id) in stream.channels:
        bus.hub.view(stream, conversation_id)


def _open_resumed(
    transport: str, extra: Iterable[str] = ()
) -> tuple[StreamConnection, list[Envelope]]:
    """A stream connection and what it sends first: from the request's cursor
    (Last-Event-ID or ?cursor=), or from now without one."""
    position = _resume_point()
    stream = resume.open_stream(current_identity(), transport, extra)
    first = (
        resume.backlog(stream, None)
        if position is None
        else resume.backlog(stream, position.event_id, position.states_known_at)
    )
    return stream, first


@bp.get("/api/v1/events/stream")
@login_required
@identity_only
def sse_stream() -> Response:
    stream, first = _open_resumed(resume.SSE_TRANSPORT, _open_page())
    return _stream_response(stream, first, lambda envelope: [_sse_frame(envelope)])


@bp.get("/events/html")
@login_required
def html_stream() -> Response:
    """For `hx-ext="sse"` pages: each event as rendered fragments named for `sse-swap`.
    It resumes like the JSON stream, from the cursor the page was rendered with (or the
    Last-Event-ID of a reconnect), so nothing written after the render is missed."""
    views = frozenset(request.args.getlist("view"))
    # The people whose presence the page shows (a profile, a list of people).
    shown = [int(raw) for raw in request.args.getlist("presence")[:PRESENCE_MAX] if is_id_text(raw)]
    people = profiles.presence_shown(current_user.id, shown)
    extra = {presence_channel(person) for person in people} | _open_page()
    stream, first = _open_resumed(resume.PAGE_TRANSPORT, extra)
    # Asked again now that the stream hears them: a block that committed in between
    # reached the connections open before this one, and its presence:hidden too.
    lost = people - profiles.presence_shown(current_user.id, sorted(people))
    if lost:
        bus.hub.stop_hearing(stream, {presence_channel(person) for person in lost})
        people -= lost
    app = current_app._get_current_object()
    user_id = current_user.id
    # Fragments are rendered as if for this request: links resolve and forms carry the
    # session's CSRF token.
    environ = dict(request.environ)

    def frames(envelope: Envelope) -> list[str]:
        if envelope.name == RESYNC:  # the page reloads what it shows
            return [_sse_frame(envelope)]
        with app.request_context(environ):
            rendered = render_fragments(envelope, views, user_id)
        return [_sse_frame(envelope, name, html) for name, html in rendered]

    # Current state, not an event of the log: no id, so the page's cursor stays put.
    now = render_page_state(user_id, sorted(people), reopened=_reopened())
    # Whose presence it may no longer show (a block since it was drawn): an empty slot.
    now += [(f"presence-{person}", "") for person in sorted(set(shown) - people)]
    state = [_frame(name, html) for name, html in now]
    return _stream_response(stream, first, frames, state)


def _reopened() -> bool:
    """A page's stream opened again after a drop: the browser's own reconnection (with
    Last-Event-ID), or live-page.js opening a new one (`?resumed=1`)."""
    return "Last-Event-ID" in request.headers or request.args.get("resumed") == "1"


PRESENCE_MAX = 100


def _open_page() -> set[str]:
    """The channels of the page a stream belongs to, beyond its person's own: opened with
    `?playlist=<id>` (and `playlist_token`, an unlisted one's link) it hears that
    playlist's changes, with `?post=<id>` that post's comments, likes and typing, with
    `?author=<id>` (repeated, up to `AUTHORS_MAX`) those authors' public posts, each only
    if its person may see it."""
    authors = [int(a) for a in request.args.getlist("author")[:AUTHORS_MAX] if is_id_text(a)]
    channels = posts.public_channels(_asking_account(), authors) if authors else set()
    playlist, post = request.args.get("playlist", ""), request.args.get("post", "")
    if is_id_text(playlist):
        token = request.args.get("playlist_token")
        channels |= playlist_views.stream_channels(_asking_account(), int(playlist), token)
    if is_id_text(post):
        channels |= posts.page_channels(_asking_account(), int(post))
    return channels


AUTHORS_MAX = 50


def _asking_account() -> User:
    """The account behind this request, loaded if a token brought only its id
    (request_identity.py) and a page's channels need it."""
    asker = current_user._get_current_object()
    return accounts.connected_account(asker.id) if isinstance(asker, TokenBearer) else asker


def is_id_text(raw: str) -> bool:
    return raw.isdecimal() and len(raw) <= 12


# Requests that are not pages: they need no cursor to start a stream from.
NOT_PAGES = ("/api/", "/events/", "/static/", "/socket.io", "/media/", "/healthz", "/readyz")


def remember_page_cursor() -> None:
    """Before a signed-in page reads its data: the cursor its live stream starts from
    (`page_cursor` in templates). Events of the moment between this and the render
    come again on the stream, and pages swap fragments idempotently by element id."""
    if (
        request.method != "GET"
        or request.headers.get("HX-Request")
        or request.path.startswith(NOT_PAGES)
        or not current_user.is_authenticated
    ):
        return
    g.page_cursor = cursors.encode(bus.horizon())


def page_cursor() -> dict[str, str | None]:
    return {"page_cursor": g.get("page_cursor")}


@bp.get("/api/v1/events")
@login_required
@identity_only
def long_poll():
    timeout = long_poll_answer.timeout_of(
        request.args.get("timeout"), current_app.config["LONGPOLL_MAX_TIMEOUT"]
    )
    position = _resume_point()
    page = _open_page() if position is not None else set()
    answer = long_poll_answer.answer(current_identity(), position, timeout, page, request.environ)
    return jsonify(answer)


@user_action(bp, "POST", "/api/v1/events/echo", budgets.ECHO)
def echo():
    """Publish a durable test event to your own stream."""
    envelope = diagnostics.echo(current_user.id, json_body())
    return jsonify({"event": envelope.name, "cursor": envelope.cursor, "data": envelope.data}), 201
