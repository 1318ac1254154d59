"""Socket.IO events of watch parties: thin calls into the party services."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import budgets
from realtime.bus import bus
from realtime.connections import SocketConnection
from services import accounts, party_chat, party_membership, party_shapes, playback
from sockets.connection import Ack, draw, handler, socket_actor


@handler("party:join", budgets.PARTY_REJOIN)
def party_join(socket: SocketConnection, payload: Mapping[str, Any]) -> Ack:
    """Becoming a participant draws on the party-join budget, as on a page or the API;
    coming back to a party one is in (a reconnect) only on this event's own. The socket
    that joined is the party's page: its person watches the party while it is open."""
    actor = socket_actor(socket)
    if not party_membership.is_participant(actor, payload.get("party_id")):
        draw(actor.id, budgets.PARTY_JOIN, "party:join")
    access = party_membership.enter(actor, payload.get("party_id"))
    party = access.party
    bus.hub.watch(socket, party.id)
    return {
        "party": party_shapes.to_dict(party, actor),
        "state": party_shapes.state(party),
        "members": [
            party_shapes.participant_dict(p) for p in party_membership.participants(actor, party.id)
        ],
        "watching": party_membership.watchers(party.id),
        "role": access.role,
    }


@handler("party:leave", budgets.PARTY_LEAVE)
def party_leave(socket: SocketConnection, payload: Mapping[str, Any]) -> Ack:
    party_membership.leave(socket_actor(socket), payload.get("party_id"))
    return {}


@handler("party:play", budgets.PARTY_CONTROL)
def party_play(socket: SocketConnection, payload: Mapping[str, Any]) -> Ack:
    return {
        "state": playback.play(
            socket_actor(socket), payload.get("party_id"), payload.get("position")
        )
    }


@handler("party:pause", budgets.PARTY_CONTROL)
def party_pause(socket: SocketConnection, payload: Mapping[str, Any]) -> Ack:
    return {
        "state": playback.pause(
            socket_actor(socket), payload.get("party_id"), payload.get("position")
        )
    }


@handler("party:seek", budgets.PARTY_CONTROL)
def party_seek(socket: SocketConnection, payload: Mapping[str, Any]) -> Ack:
    return {
        "state": playback.seek(
            socket_actor(socket), payload.get("party_id"), payload.get("position")
        )
    }


@handler("party:rate", budgets.PARTY_CONTROL)
def party_rate(socket: SocketConnection, payload: Mapping[str, Any]) -> Ack:
    return {
        "state": playback.set_rate(
            socket_actor(socket), payload.get("party_id"), payload.get("rate")
        )
    }


@handler("party:next", budgets.PARTY_CONTROL)
def party_next(socket: SocketConnection, payload: Mapping[str, Any]) -> Ack:
    return {
        "state": playback.next_item(
            socket_actor(socket), payload.get("party_id"), payload.get("version")
        )
    }


@handler("party:duration", budgets.PARTY_HEARTBEAT)
def party_duration(socket: SocketConnection, payload: Mapping[str, Any]) -> Ack:
    return {
        "state": playback.report_duration(
            socket_actor(socket),
            payload.get("party_id"),
            payload.get("media_url"),
            payload.get("duration"),
        )
    }


@handler("party:media_end", budgets.PARTY_HEARTBEAT)
def party_media_end(socket: SocketConnection, payload: Mapping[str, Any]) -> Ack:
    return {
        "state": playback.media_ended(
            socket_actor(socket), payload.get("party_id"), payload.get("version")
        )
    }


@handler("party:heartbeat", budgets.PARTY_HEARTBEAT)
def party_heartbeat(socket: SocketConnection, payload: Mapping[str, Any]) -> Ack:
    return playback.heartbeat(
        socket_actor(socket),
        payload.get("party_id"),
        payload.get("position"),
        payload.get("playing"),
        payload.get("buffering", False),
    )


@handler("party:message", budgets.PARTY_CHAT)
def party_message(socket: SocketConnection, payload: Mapping[str, Any]) -> Ack:
    message = party_chat.send(
        socket_actor(socket),
        payload.get("party_id"),
        payload.get("body"),
        video_time=payload.get("video_time"),
        client_id=payload.get("client_id"),
    )
    return {"message": party_chat.to_dict(message)}


@handler("party:reaction", budgets.PARTY_REACTION)
def party_reaction(socket: SocketConnection, payload: Mapping[str, Any]) -> Ack:
    party_chat.react(
        socket_actor(socket),
        payload.get("party_id"),
        payload.get("emoji"),
        payload.get("video_time"),
    )
    return {}


@handler("party:typing", budgets.TYPING)
def party_typing(socket: SocketConnection, payload: Mapping[str, Any]) -> Ack:
    party_chat.typing(socket_actor(socket), payload.get("party_id"), payload.get("typing"))
    return {}


@handler("party:role", budgets.PARTY_PEOPLE)
def party_role(socket: SocketConnection, payload: Mapping[str, Any]) -> Ack:
    person = accounts.get_by_id(payload.get("user_id"))
    participant = party_membership.set_role(
        socket_actor(socket), payload.get("party_id"), person.username, payload.get("role")
    )
    return {"participant": party_shapes.participant_dict(participant)}
