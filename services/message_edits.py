"""Changing a message after it was sent: editing, deleting (by its author or a manager)
and reactions. Each change rewrites what the stored events say about it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from errors import Forbidden, NotFound, ValidationError
from extensions import db
from models.clock import utcnow
from models.conversation import Conversation, Message, Reaction
from models.user import User
from realtime.bus import bus
from services import attachments, conversation_access, message_reading, notifications, trust
from services.conversation_access import Access, can_write, channel
from services.messages import (
    MESSAGE_DELETED,
    MESSAGE_NEW,
    MESSAGE_UPDATED,
    clean_body,
    mention_text,
    to_dict,
)
from services.validation import clean_text, is_id

EMOJI_MAX = 16


def _find(actor: User, message_id: object) -> tuple[Message, conversation_access.Access]:
    if not is_id(message_id):
        raise NotFound("No such message.")
    message = db.session.get(Message, message_id)
    if message is None:
        raise NotFound("No such message.")
    try:
        access = conversation_access.member(actor, message.conversation_id)
    except (Forbidden, NotFound):
        raise NotFound("No such message.") from None
    return message, access


# -- changing ---------------------------------------------------------------------------
def edit(actor: User, message_id: object, body: object) -> Message:
    message, access = _find(actor, message_id)
    if message.sender_id != actor.id or message.kind != "text":
        raise Forbidden("You can only edit your own messages.")
    if message.deleted_at is not None:
        raise NotFound("No such message.")
    can_write(actor, access)
    text = clean_body(body, allow_empty=message.attachment_id is not None)
    trust.check_links(actor, text, "body")
    message.body = text
    message.edited_at = utcnow()
    _redact(message)
    bus.publish(channel(message.conversation_id), MESSAGE_UPDATED, to_dict(message))
    db.session.commit()
    return message


def delete(actor: User, message_id: object) -> Message:
    """Soft delete by the author, or by an owner or admin of a group or room. The event
    carries no content."""
    message, access = _find(actor, message_id)
    if not access.can_remove(message.sender_id):
        raise Forbidden("You can only delete your own messages.")
    retract(message)
    attachments.discard_with(message)
    db.session.commit()
    return message


def retract(message: Message) -> Message:
    """Soft-delete a message (the caller checked who may), in the caller's unit of work;
    the event carries no content. The caller discards the message's file with it
    (`attachments.discard_with`)."""
    if message.deleted_at is None:
        message.deleted_at = utcnow()
        message.body = ""
        _redact(message)
        bus.publish(
            channel(message.conversation_id),
            MESSAGE_DELETED,
            {"conversation_id": message.conversation_id, "message_id": message.id},
        )
    return message


def _redact(message: Message) -> None:
    """In the transaction that edits or deletes a message: its stored events and the
    notifications about it now say only what is true (the new text, or a tombstone)."""
    current = to_dict(message)
    subject = f"message:{message.id}"
    bus.redact(subject, (MESSAGE_NEW, MESSAGE_UPDATED), lambda _stored: current)
    if message.deleted_at is not None:
        notifications.retext(subject, None)
    else:
        conversation = db.session.get(Conversation, message.conversation_id)
        readers = conversation_access.may_read(conversation)
        notifications.retext(subject, mention_text(message.body), readers)


def react(actor: User, message_id: object, emoji: object) -> Message:
    """Add the reaction, or take it back when it is already there."""
    message, access = _find(actor, message_id)
    can_write(actor, access)
    if message.deleted_at is not None:
        raise NotFound("No such message.")
    if not isinstance(emoji, str) or not 1 <= len(emoji) <= EMOJI_MAX or emoji.isascii():
        raise ValidationError("'emoji' must be one emoji.", field="emoji")
    clean_text(emoji, "emoji")
    existing = db.session.scalar(
        select(Reaction).where(
            Reaction.message_id == message.id, Reaction.user_id == actor.id, Reaction.emoji == emoji
        )
    )
    if existing is None:
        db.session.add(Reaction(message_id=message.id, user_id=actor.id, emoji=emoji))
    else:
        db.session.delete(existing)
    try:
        db.session.flush()
    except IntegrityError:  # the same reaction raced in from another request
        db.session.rollback()
    db.session.refresh(message)
    bus.publish(channel(message.conversation_id), MESSAGE_UPDATED, to_dict(message))
    db.session.commit()
    return message


def editable(actor: User, conversation_id: object, message_id: object) -> tuple[Access, Message]:
    """A message of this conversation the actor may edit now (its edit form)."""
    access, message = message_reading.find_in(actor, conversation_id, message_id)
    if not access.can_edit(message.sender_id, message.kind, message.deleted_at is not None):
        raise Forbidden("You can only edit your own messages.")
    return access, message
