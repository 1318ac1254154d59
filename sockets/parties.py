"""Socket.IO events of watch parties: thin calls into the party services."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import budgets
from realtime.bus import bus
from realtime.connections import SocketConnection
from request_body import payload_fields
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


def _playback_control(
    event: str, budget: budgets.Budget, action: Callable[..., dict], field: str
) -> None:
    """Register a playback control: `action(actor, party_id, payload[field])`, answered
    with the party's new state."""

    @handler(event, budget)
    def control(socket: SocketConnection, payload: Mapping[str, Any]) -> Ack:
        return {"state": action(socket_actor(socket), payload.get("party_id"), payload.get(field))}


# The controls that change playback by one value: event, budget, service call, field.
PLAYBACK_CONTROLS = (
    ("party:play", budgets.PARTY_CONTROL, playback.play, "position"),
    ("party:pause", budgets.PARTY_CONTROL, playback.pause, "position"),
    ("party:seek", budgets.PARTY_CONTROL, playback.seek, "position"),
    ("party:rate", budgets.PARTY_CONTROL, playback.set_rate, "rate"),
    ("party:next", budgets.PARTY_CONTROL, playback.next_item, "version"),
    ("party:media_end", budgets.PARTY_HEARTBEAT, playback.media_ended, "version"),
)
for control in PLAYBACK_CONTROLS:
    _playback_control(*control)


@handler("party:duration", budgets.PARTY_HEARTBEAT)
def party_duration(socket: SocketConnection, payload: Mapping[str, Any]) -> Ack:
    fields = payload_fields(payload, "party_id", "media_url", "duration")
    return {"state": playback.report_duration(socket_actor(socket), *fields)}


@handler("party:heartbeat", budgets.PARTY_HEARTBEAT)
def party_heartbeat(socket: SocketConnection, payload: Mapping[str, Any]) -> Ack:
    fields = payload_fields(payload, "party_id", "position", "playing")
    return playback.heartbeat(socket_actor(socket), *fields, payload.get("buffering", False))


@handler("party:message", budgets.PARTY_CHAT)
def party_message(socket: SocketConnection, payload: Mapping[str, Any]) -> Ack:
    fields = payload_fields(payload, "party_id", "body", "video_time", "client_id")
    message = party_chat.send(socket_actor(socket), *fields)
    return {"message": party_chat.to_dict(message)}


@handler("party:reaction", budgets.PARTY_REACTION)
def party_reaction(socket: SocketConnection, payload: Mapping[str, Any]) -> Ack:
    fields = payload_fields(payload, "party_id", "emoji", "video_time")
    party_chat.react(socket_actor(socket), *fields)
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
