"""Socket.IO events of conversations: thin calls into the message services."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import budgets
from models.conversation import Message
from realtime.connections import SocketConnection
from request_body import payload_fields
from services import message_edits, message_reading, messages
from sockets.connection import Ack, handler, socket_actor


def _changed(
    socket: SocketConnection, payload: Mapping[str, Any], change: Callable[..., Message], field: str
) -> Ack:
    """An edit or a reaction: `change(actor, message_id, payload[field])`, answered with
    the message as it is now."""
    message = change(socket_actor(socket), payload.get("message_id"), payload.get(field))
    return {"message": messages.to_dict(message)}


@handler("message:send", budgets.SEND_MESSAGE)
def message_send(socket: SocketConnection, payload: Mapping[str, Any]) -> Ack:
    fields = ("conversation_id", "body", "client_id", "reply_to", "attachment_id")
    return {"message": messages.send(socket_actor(socket), *payload_fields(payload, *fields))}


@handler("message:edit", budgets.MESSAGE_EDIT)
def message_edit(socket: SocketConnection, payload: Mapping[str, Any]) -> Ack:
    return _changed(socket, payload, message_edits.edit, "body")


@handler("message:delete", budgets.MESSAGE_DELETE)
def message_delete(socket: SocketConnection, payload: Mapping[str, Any]) -> Ack:
    message = message_edits.delete(socket_actor(socket), payload.get("message_id"))
    return {"message_id": message.id}


@handler("message:react", budgets.MESSAGE_REACT)
def message_react(socket: SocketConnection, payload: Mapping[str, Any]) -> Ack:
    return _changed(socket, payload, message_edits.react, "emoji")


@handler("message:read", budgets.MESSAGE_READ)
def message_read(socket: SocketConnection, payload: Mapping[str, Any]) -> Ack:
    position = message_reading.mark_read(
        socket_actor(socket), payload.get("conversation_id"), payload.get("message_id")
    )
    return {"last_read_message_id": position}


@handler("typing:start", budgets.TYPING)
def typing_start(socket: SocketConnection, payload: Mapping[str, Any]) -> Ack:
    messages.typing(socket_actor(socket), payload.get("conversation_id"), True)
    return {}


@handler("typing:stop", budgets.TYPING)
def typing_stop(socket: SocketConnection, payload: Mapping[str, Any]) -> Ack:
    messages.typing(socket_actor(socket), payload.get("conversation_id"), False)
    return {}
