"""A party's chat (messages pinned to the video's time), reactions and typing."""

from __future__ import annotations

import math

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from errors import NotFound, ValidationError
from extensions import db
from models.clock import iso
from models.party import PartyMessage
from models.user import User
from realtime.bus import bus
from services import party_access, party_shapes, trust, typing_indicators, voice
from services.paging import newest_first
from services.validation import clean_client_id, clean_text, refuse_longer

BODY_MAX = 1000
PAGE_MAX = 100
REACTIONS = ("👍", "❤️", "😂", "😮", "😢", "🎉", "🔥", "👏")
MESSAGE = "party:message"
REACTION = "party:reaction"
TYPING = "party:typing"


def to_dict(message: PartyMessage) -> dict:
    return {
        "id": message.id,
        "party_id": message.party_id,
        "sender": message.sender.to_summary() if message.sender else None,
        "body": message.body,
        "video_time": message.video_time,
        "client_id": message.client_id,
        "created_at": iso(message.created_at),
    }


def _video_time(value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError("'video_time' must be a number of seconds.", field="video_time")
    value = float(value)
    if not math.isfinite(value) or not 0 <= value <= 7 * 24 * 3600:
        raise ValidationError("'video_time' is out of range.", field="video_time")
    return value


def send(
    actor: User, party_id: object, body: object, video_time: object = None, client_id: object = None
) -> PartyMessage:
    access = party_access.present(actor, party_id)
    voice.can_speak(actor)
    if isinstance(body, str):
        body = clean_text(body, "body", multiline=True, strip=True).strip()
    if not isinstance(body, str) or not body:
        raise ValidationError("Write something first.", field="body")
    refuse_longer(body, BODY_MAX, "body", f"Messages are at most {BODY_MAX} characters.")
    trust.check_links(actor, body, "body")
    client_id = clean_client_id(client_id)
    moment = _video_time(video_time)
    party_id = access.party.id
    if client_id is not None:
        earlier = _retried(actor.id, client_id, party_id)
        if earlier is not None:
            return earlier
    message = PartyMessage(
        party_id=party_id, sender_id=actor.id, body=body, video_time=moment, client_id=client_id
    )
    db.session.add(message)
    try:
        db.session.flush()
    except IntegrityError:  # the same client_id raced in from another request
        db.session.rollback()
        earlier = _retried(actor.id, client_id, party_id) if client_id is not None else None
        if earlier is None:
            raise
        return earlier
    bus.publish(party_shapes.channel(party_id), MESSAGE, to_dict(message))
    db.session.commit()
    return message


def _retried(sender_id: int, client_id: str, party_id: int) -> PartyMessage | None:
    """The message a send with this `client_id` repeats, if any. The same client_id in
    another party is refused: answering with that party's message would drop this one."""
    earlier = db.session.scalar(
        select(PartyMessage).where(
            PartyMessage.sender_id == sender_id, PartyMessage.client_id == client_id
        )
    )
    if earlier is not None and earlier.party_id != party_id:
        raise ValidationError(
            "That client_id was already used for another party.", field="client_id"
        )
    return earlier


def history(
    actor: User, party_id: object, before: int | None = None, limit: int = 50
) -> list[PartyMessage]:
    """Live chat is for people in the party; once it ended, a public party's chat is for
    anyone and any other party's for the people who were in it."""
    access = party_access.visible(actor, party_id)
    party = access.party
    if party.status != "ended":
        party_access.present(actor, party_id)
    elif party.visibility != "public" and not party_access.belongs(
        party, access.participant, actor
    ):
        raise NotFound("No such party.")
    query = select(PartyMessage).where(PartyMessage.party_id == access.party.id)
    return newest_first(query, PartyMessage.id, before, limit, PAGE_MAX)


def react(actor: User, party_id: object, emoji: object, video_time: object = None) -> dict:
    access = party_access.present(actor, party_id)
    voice.can_speak(actor)
    if emoji not in REACTIONS:
        raise ValidationError(f"Pick one of {' '.join(REACTIONS)}.", field="emoji")
    data = {
        "party_id": access.party.id,
        "user": actor.to_summary(),
        "emoji": emoji,
        "video_time": _video_time(video_time),
    }
    bus.publish(party_shapes.channel(access.party.id), REACTION, data)
    db.session.commit()
    return data


def typing(actor: User, party_id: object, is_typing: object) -> None:
    """Like typing in a conversation: a start needs a voice, anyone may stop. No change
    is stored, and the stop may come from a timer: both go out at once."""
    access = party_access.present(actor, party_id)
    if not isinstance(is_typing, bool):
        raise ValidationError("'typing' must be true or false.", field="typing")
    if is_typing:
        voice.can_speak(actor)
    party_id = access.party.id

    def announce(who: dict, now_typing: bool) -> None:
        bus.send_now(
            party_shapes.channel(party_id),
            TYPING,
            {"party_id": party_id, "user": who, "typing": now_typing},
        )

    typing_indicators.set_typing(
        party_shapes.channel(party_id), actor.to_summary(), is_typing, announce
    )
