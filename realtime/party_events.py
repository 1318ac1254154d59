"""Socket.IO events of watch parties: thin calls into the party services."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from blueprints.limits import PARTY_CHAT
from realtime.connections import Identity
from realtime.sockets import Ack, handler, socket_actor
from services import accounts, parties, party_chat, playback


@handler("party:join", limit="PARTY_JOIN_SOCKET_RATE_LIMIT")
def party_join(identity: Identity, payload: Mapping[str, Any]) -> Ack:
    actor = socket_actor(identity)
    access = parties.enter(actor, payload.get("party_id"))
    party = access.party
    return {
        "party": parties.to_dict(party, actor),
        "state": parties.state(party),
        "members": [parties.participant_dict(p) for p in parties.participants(actor, party.id)],
        "role": access.role,
    }


@handler("party:leave", limit="PARTY_CONTROL_RATE_LIMIT")
def party_leave(identity: Identity, payload: Mapping[str, Any]) -> Ack:
    parties.leave(socket_actor(identity), payload.get("party_id"))
    return {}


@handler("party:play", limit="PARTY_CONTROL_RATE_LIMIT")
def party_play(identity: Identity, payload: Mapping[str, Any]) -> Ack:
    return {
        "state": playback.play(
            socket_actor(identity), payload.get("party_id"), payload.get("position")
        )
    }


@handler("party:pause", limit="PARTY_CONTROL_RATE_LIMIT")
def party_pause(identity: Identity, payload: Mapping[str, Any]) -> Ack:
    return {
        "state": playback.pause(
            socket_actor(identity), payload.get("party_id"), payload.get("position")
        )
    }


@handler("party:seek", limit="PARTY_CONTROL_RATE_LIMIT")
def party_seek(identity: Identity, payload: Mapping[str, Any]) -> Ack:
    return {
        "state": playback.seek(
            socket_actor(identity), payload.get("party_id"), payload.get("position")
        )
    }


@handler("party:rate", limit="PARTY_CONTROL_RATE_LIMIT")
def party_rate(identity: Identity, payload: Mapping[str, Any]) -> Ack:
    return {
        "state": playback.set_rate(
            socket_actor(identity), payload.get("party_id"), payload.get("rate")
        )
    }


@handler("party:next", limit="PARTY_CONTROL_RATE_LIMIT")
def party_next(identity: Identity, payload: Mapping[str, Any]) -> Ack:
    return {
        "state": playback.next_item(
            socket_actor(identity), payload.get("party_id"), payload.get("version")
        )
    }


@handler("party:heartbeat", limit="PARTY_HEARTBEAT_RATE_LIMIT")
def party_heartbeat(identity: Identity, payload: Mapping[str, Any]) -> Ack:
    return playback.heartbeat(
        socket_actor(identity),
        payload.get("party_id"),
        payload.get("position"),
        payload.get("playing"),
        payload.get("buffering", False),
    )


@handler("party:message", limit="PARTY_CHAT_RATE_LIMIT", shared=PARTY_CHAT)
def party_message(identity: Identity, payload: Mapping[str, Any]) -> Ack:
    message = party_chat.send(
        socket_actor(identity),
        payload.get("party_id"),
        payload.get("body"),
        video_time=payload.get("video_time"),
        client_id=payload.get("client_id"),
    )
    return {"message": party_chat.to_dict(message)}


@handler("party:reaction", limit="PARTY_REACTION_RATE_LIMIT")
def party_reaction(identity: Identity, payload: Mapping[str, Any]) -> Ack:
    party_chat.react(
        socket_actor(identity),
        payload.get("party_id"),
        payload.get("emoji"),
        payload.get("video_time"),
    )
    return {}


@handler("party:typing", limit="TYPING_RATE_LIMIT")
def party_typing(identity: Identity, payload: Mapping[str, Any]) -> Ack:
    party_chat.typing(socket_actor(identity), payload.get("party_id"), payload.get("typing"))
    return {}


@handler("party:role", limit="PARTY_CONTROL_RATE_LIMIT")
def party_role(identity: Identity, payload: Mapping[str, Any]) -> Ack:
    person = accounts.get_by_id(payload.get("user_id"))
    participant = parties.set_role(
        socket_actor(identity), payload.get("party_id"), person.username, payload.get("role")
    )
    return {"participant": parties.participant_dict(participant)}
