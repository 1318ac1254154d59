"""Socket.IO on the default namespace: who connects, and the event handler frame.

Every client event goes through `handler`, which answers the contract's ack shape,
applies the per-user rate limit and turns any failure into an error ack: a bad payload
never crashes the worker or disconnects anyone else.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

import gevent
import orjson
from flask import Flask, current_app
from flask_login import current_user
from socketio import packet as socketio_packet
from socketio.exceptions import ConnectionRefusedError

import budgets
from errors import Forbidden, ServiceError, ValidationError
from extensions import db, socketio
from models.clock import utcnow
from models.user import User
from realtime import cursor as cursors
from realtime import metrics, resume
from realtime.bus import bus
from realtime.connections import Identity, SocketConnection
from realtime.draining import drain
from realtime.ratelimit import socket_limiter
from services import accounts, api_tokens, presence
from services.api_tokens import TokenInForce
from services.unit_of_work import discard_open_work
from services.validation import require_object

log = logging.getLogger(__name__)

Ack = dict[str, Any]


def socket_actor(socket: SocketConnection) -> User:
    """The account behind a socket, for the service call at hand. It is kept on the
    connection between events and read again only when the bus says it changed (a role,
    a mute, a name: `bus.account_changed`); a ban closes the connection. A banned account
    is refused here too, so a connection the ban has not closed yet can do nothing; its
    connections on this worker are closed once the answer is out.

    The kept account is handed over as it is, in no session: the services a socket event
    calls read its columns and write its id, never its relationships, and attaching it
    to each event's session (`Session.merge`) cost a tenth of a chat message's CPU."""
    if socket.account is not None:
        return socket.account
    epoch = socket.account_epoch
    try:
        user = accounts.connected_account(socket.user_id)
    except Forbidden as refusal:
        if refusal.code == "banned":
            gevent.spawn(bus.hub.close, socket.user_id)
        raise
    if socket.account_epoch == epoch:
        socket.account = user
    return user


def error_ack(code: str, message: str, **extra: Any) -> Ack:
    return {"ok": False, "error": {"code": code, "message": message, **extra}}


def _refusal(code: str, message: str) -> ConnectionRefusedError:
    """Raised, it gives the client connect_error {"message", "data": {"code"}}."""
    return ConnectionRefusedError(message, {"code": code})


def _handshake_token(environ: Mapping[str, Any], auth: object) -> object | None:
    """The token in the auth payload, else in a bearer header, else None (the cookie's)."""
    token = auth.get("token") if isinstance(auth, Mapping) else None
    if token is None:
        header = environ.get("HTTP_AUTHORIZATION", "")
        if header.lower().startswith("bearer "):
            token = header[7:].strip()
    return token


def _handshake_identity(token: object | None) -> tuple[Identity, TokenInForce | None]:
    """Who connects: the token's owner, or the session cookie's. The token's use is for
    the caller to note."""
    if token is not None:
        valid = isinstance(token, str)
        record = api_tokens.token_in_force(token, join_session=True) if valid else None
        if record is None:
            raise _refusal("unauthenticated", "That token is not valid.")
        return Identity.of_token(record.user_id, record.id, record.expires_at), record
    if current_user.is_authenticated:
        return Identity(user_id=current_user.id, login_id=current_user.login_id), None
    raise _refusal("unauthenticated", "Sign in or send a token in the connect auth payload.")


def _handshake_cursor(auth: object) -> int | None:
    raw = auth.get("cursor") if isinstance(auth, Mapping) else None
    if raw is None:
        return None
    try:
        return cursors.decode(raw)
    except ValidationError as error:
        raise _refusal(error.code, error.message) from None


def on_connect(sid: str, environ: dict[str, Any], auth: object = None) -> None:
    """The handshake, called by python-socketio itself (see `_register`): a token's runs
    in an application context, a cookie's in a request context built from the
    handshake's environ, for its session. Flask-SocketIO's own wrapper built the request
    context and opened the session for every handshake."""
    app = environ["flask.app"]
    token = _handshake_token(environ, auth)
    with app.app_context() if token is not None else app.request_context(environ):
        identity, record = _handshake_identity(token)
        after_id = _handshake_cursor(auth)
        socket = resume.open_socket(identity, sid)
        events = resume.backlog(socket, after_id)
        if record is not None and api_tokens.use_is_due(record):
            _note_token_use(record.id)
        db.session.remove()
    # The backlog goes out once the connect handshake is answered, so the client is
    # in the namespace when it arrives; live events wait in the socket's pending list.
    gevent.spawn(_send_backlog, socket, events)


# Tokens whose use handshakes noted, written together `TOKEN_USES_DELAY` seconds after
# the first of them: a burst of connections pays one UPDATE and one commit, not one each
# (a third of a handshake's CPU on SQLite). `last_used_at` is informational, and moves at
# most once a minute anyway.
TOKEN_USES_DELAY = 1.0
_token_uses: set[int] = set()


def _note_token_use(token_id: int) -> None:
    if not _token_uses:
        gevent.spawn_later(TOKEN_USES_DELAY, _write_token_uses, current_app._get_current_object())
    _token_uses.add(token_id)


def _write_token_uses(app: Flask) -> None:
    token_ids = list(_token_uses)
    _token_uses.clear()
    with app.app_context():
        try:
            api_tokens.record_uses(token_ids, utcnow())
        except Exception:
            log.exception("Recording the use of %d tokens failed", len(token_ids))
        finally:
            db.session.remove()


def _send_backlog(socket, events) -> None:
    if bus.hub.sockets.get(socket.sid) is not socket:
        return
    for envelope in events:
        bus.hub.send_to_socket(socket, envelope)
    bus.hub.finish_socket_replay(socket)


def on_disconnect(sid: str, *_reason: object) -> None:
    environ = socketio.server.get_environ(sid)
    if environ is None:
        return
    with environ["flask.app"].app_context():
        bus.hub.remove_socket(sid)


class RateLimited(Exception):
    """An event refused by its budget; the frame answers `rate_limited`."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"retry after {retry_after:.1f} s")
        self.retry_after = retry_after


def draw(user_id: int, budget: budgets.Budget, event: str) -> None:
    """Count `event` against `budget` (budgets.py), or raise RateLimited. Handlers call
    it for a budget that only some of their calls spend."""
    retry_after = socket_limiter.hit(budget, user_id, event)
    if retry_after is not None:
        raise RateLimited(retry_after)


def handler(event: str, budget: budgets.Budget) -> Callable:
    """Register `fn(socket, payload) -> dict | None` for a client event, with the frame.
    Each call draws on `budget`, the allowance of its action shared with pages and routes."""

    def decorate(fn: Callable[[SocketConnection, Mapping[str, Any]], Ack | None]) -> Callable:
        @functools.wraps(fn)
        def frame(sid: str, data: object = None, *_extra: object) -> Ack:
            socket = bus.hub.sockets.get(sid)
            environ = socketio.server.get_environ(sid) if socket is not None else None
            if socket is None or environ is None:
                ack = error_ack("unauthenticated", "This connection is not signed in.")
            else:
                with environ["flask.app"].app_context():
                    ack = _run(fn, event, budget, socket, data)
            metrics.socket_event(event, _outcome(ack))
            return ack

        _register(event, frame)
        return frame

    return decorate


def _outcome(ack: Ack) -> str:
    """The metrics' label of an answer: ok, or its error code (errors.py's or the
    frame's, never one a client chose)."""
    return "ok" if ack.get("ok") else ack["error"]["code"]


def _run(
    fn: Callable, event: str, budget: budgets.Budget, socket: SocketConnection, data: object
) -> Ack:
    if socket.identity.has_expired():
        # Not left to housekeeping's next sweep: nothing is done once the token is over.
        gevent.spawn(bus.hub.close, socket.user_id, token_id=socket.identity.token_id)
        return error_ack("unauthenticated", "This connection's token has expired.")
    try:
        draw(socket.user_id, budget, event)
        payload = require_object({} if data is None else data, "payload")
        # A worker that is stopping finishes it, or refuses it. The connection a read
        # after the commit took goes back to the pool inside, so nothing waits between
        # the end of the work and the acknowledgement's queueing: a stop cannot come in
        # between.
        with drain.work():
            try:
                return {"ok": True, **(fn(socket, payload) or {})}
            finally:
                discard_open_work()
    except RateLimited as refused:
        return error_ack(
            "rate_limited", "Too many events. Slow down.", retry_after=round(refused.retry_after, 1)
        )
    except ServiceError as error:
        return {"ok": False, "error": error.to_dict()}
    except Exception:
        log.exception("Socket event %s failed", event)
        discard_open_work()
        return error_ack("internal_error", "Something went wrong on our side.")


def _register(event: str, frame: Callable) -> None:
    """Hand `frame(sid, *args)` to python-socketio itself. Flask-SocketIO's own wrapper
    builds a Flask request from the handshake's environ for every event (its session
    cookie read, its URL matched): a tenth of a chat message's CPU, for a frame that needs
    the application's context and the socket only. Before `init_app` there is no server
    yet, and Flask-SocketIO registers what its list holds once it makes one."""
    if socketio.server is not None:
        socketio.server.on(event, frame, namespace="/")
    else:
        socketio.handlers.append((event, frame, "/"))


# Names under which python-socketio itself calls handlers: the handshake's and the
# catch-all's. An event a client sent under one of them would reach those handlers as if
# the server had called them (a forged "disconnect" took a live socket off the hub's
# books, so a ban, a logout or a removal no longer reached it).
RESERVED_EVENT_NAMES = frozenset({"connect", "disconnect", "*"})
# What such events, and events whose JSON cannot be read, are renamed to on arrival:
# names no handler has, so the catch-all answers them with an error ack.
UNNAMED_EVENT = "\x00unnamed"
UNREADABLE_EVENT = "\x00unreadable"
UNKNOWN_EVENT_LABEL = "(unknown)"


class PacketJSON:
    """The JSON of Socket.IO packets, in orjson: the standard library's encoder was a
    tenth of the cost of an event's fan-out and acknowledgement. Keys that are not
    strings are written as strings, as the standard library does; JSON that orjson
    refuses (NaN, lone surrogates, nesting past 1,024 levels) is a ValueError, as it is there."""

    @staticmethod
    def dumps(data: Any, **_options: Any) -> str:
        return orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS).decode()

    loads = staticmethod(orjson.loads)


class ClientPacket(socketio_packet.Packet):
    """Socket.IO packets read defensively (the server's `serializer`). An event with a
    reserved name, a name that is not a string, or JSON that cannot be read is handed on
    under one of the names above: the client gets an error ack (when it asked for one)
    instead of an exception in the log, a silent drop or a call of the wrong handler."""

    json = PacketJSON

    def decode(self, encoded_packet: Any) -> int:
        try:
            attachments = super().decode(encoded_packet)
        except (ValueError, RecursionError):  # JSON errors are ValueErrors
            self.data = [UNREADABLE_EVENT] if self._is_event() else None
            return 0
        if self._is_event():
            name = self.data[0] if isinstance(self.data, list) and self.data else None
            if not isinstance(name, str) or name in RESERVED_EVENT_NAMES:
                self.data = [UNNAMED_EVENT]
        return attachments

    def _is_event(self) -> bool:
        return self.packet_type in (socketio_packet.EVENT, socketio_packet.BINARY_EVENT)


@socketio.on("*")
def on_unknown_event(event: str, *_args: object) -> Ack:
    # Counted under one name: the names are the client's.
    if event == UNREADABLE_EVENT:
        metrics.socket_event(UNKNOWN_EVENT_LABEL, "invalid")
        return error_ack("invalid", "That packet is not valid Socket.IO JSON.")
    metrics.socket_event(UNKNOWN_EVENT_LABEL, "unknown_event")
    if event == UNNAMED_EVENT:
        return error_ack("unknown_event", "Events are named by a string that is not reserved.")
    return error_ack("unknown_event", f"There is no event called {event[:64]!r}.")


@handler("time:ping", budgets.TIME_PING)
def time_ping(_socket: SocketConnection, _payload: Mapping[str, Any]) -> Ack:
    return {"server_time": time.time()}


@handler("presence:set", budgets.PRESENCE)
def presence_set(socket: SocketConnection, payload: Mapping[str, Any]) -> Ack:
    return {"presence": presence.set_status(socket.user_id, payload)}


_register("connect", on_connect)
_register("disconnect", on_disconnect)
