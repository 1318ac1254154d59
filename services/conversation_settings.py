"""A group's or room's settings: its name, description, category and picture, and
closing it (by its owner, or by a site moderator)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import IO

from errors import NotFound
from extensions import db
from models.clock import utcnow
from models.conversation import Conversation
from models.user import User
from realtime.bus import bus
from realtime.subjects import channel_owner
from services import conversation_access, notifications, uploads
from services.conversation_access import can_write, channel
from services.conversations import (
    CONVERSATION_DELETED,
    CONVERSATION_UPDATED,
    MEMBER_ADDED,
    ROOM_LISTED,
    clean_category,
    clean_description,
    clean_name,
    system_message,
    tell_directory,
    to_dict,
)

PICTURES = "conversations"


def update(actor: User, conversation_id: object, changes: dict) -> Conversation:
    """Rename, describe, recategorise (owners and admins)."""
    access = conversation_access.manager(actor, conversation_id)
    can_write(actor, access)
    conversation = access.conversation
    old_name = conversation.name
    if "name" in changes:
        conversation.name = clean_name(changes["name"], required=True)
    if "description" in changes:
        conversation.description = clean_description(changes["description"])
    if "category" in changes:
        conversation.category = clean_category(changes["category"])
    _redact(conversation)
    bus.publish(channel(conversation.id), CONVERSATION_UPDATED, to_dict(conversation))
    tell_directory(conversation)
    if conversation.name != old_name:
        system_message(
            conversation, f"{actor.username} renamed this to “{conversation.name}”.", (actor.id,)
        )
    db.session.commit()
    return conversation


# What a conversation's stored events may say about it: these fields are rewritten to
# their current values when they change, so an old name is not replayed.
DESCRIBING_FIELDS = ("name", "description", "category", "image_url")
# What they say instead to someone who may no longer read it (removed from a group), and
# once it is deleted: nothing it was called or described as.
WITHHELD = {"name": "", "description": "", "image_url": None}
# The stored events that describe a conversation (subjects.subject_of).
DESCRIBING_EVENTS = (MEMBER_ADDED, CONVERSATION_UPDATED, ROOM_LISTED)


def _redact(conversation: Conversation) -> None:
    """In the transaction that renames or redescribes a conversation: its stored events
    and the notifications about it carry the current name and description, to those who
    may still read it; what it became does not reach those who may not."""
    current = {
        field: value for field, value in to_dict(conversation).items() if field in DESCRIBING_FIELDS
    }
    readers = conversation_access.may_read(conversation)
    subject = f"conversation:{conversation.id}"
    bus.redact(
        subject,
        DESCRIBING_EVENTS,
        _describing(current),
        _describing(WITHHELD),
        # A shared channel (the conversation's, the directory) is replayed only to
        # those who may read it; a person's own channel, to that person.
        lambda channel: (owner := channel_owner(channel)) is None or readers(owner),
    )
    notifications.retext(subject, conversation.name, readers)


def _describing(fields: dict) -> Callable[[dict], dict]:
    """A stored event's description of the conversation (its own, or under
    "conversation") rewritten to `fields`."""

    def rewrite(stored: dict) -> dict:
        if isinstance(stored.get("conversation"), dict):
            return {**stored, "conversation": {**stored["conversation"], **fields}}
        return {**stored, **fields}

    return rewrite


def set_image(actor: User, conversation_id: object, stream: IO[bytes]) -> Conversation:
    """A picture for a group or room (owners and admins), checked like avatars."""
    access = conversation_access.manager(actor, conversation_id)
    can_write(actor, access)
    data, extension = uploads.read_image(stream, "image")
    conversation = access.conversation
    previous = conversation.image_file
    conversation.image_file = uploads.store(PICTURES, data, extension)
    _redact(conversation)
    bus.publish(channel(conversation.id), CONVERSATION_UPDATED, to_dict(conversation))
    tell_directory(conversation)
    db.session.commit()
    uploads.discard(PICTURES, previous)
    return conversation


def image_path(actor: User, conversation_id: object) -> Path:
    """The picture's file, for whoever may see the conversation."""
    conversation = conversation_access.visible(actor, conversation_id).conversation
    path = uploads.folder(PICTURES) / conversation.image_file if conversation.image_file else None
    if path is None or not path.is_file():
        raise NotFound("No picture.")
    return path


def delete(actor: User, conversation_id: object) -> None:
    _close(conversation_access.owner(actor, conversation_id).conversation, closed=False)
    db.session.commit()


def close(actor: User, conversation_id: object) -> Conversation:
    """A site moderator closes a group or room: like its owner deleting it, in the
    caller's unit of work."""
    conversation = conversation_access.live(conversation_id)
    _close(conversation, closed=True)
    return conversation


def end_empty(conversation: Conversation) -> None:
    """Its last member left: it is deleted as its owner would delete it, in the caller's
    unit of work (its listings and invitations say nothing of it any more)."""
    _close(conversation, closed=False)


def _close(conversation: Conversation, *, closed: bool) -> None:
    """Delete it for everyone; `closed` says the site's moderators did, not its owner."""
    conversation.deleted_at = utcnow()
    people = [m.user_id for m in conversation.members]
    bus.publish(
        channel(conversation.id),
        CONVERSATION_DELETED,
        {"conversation_id": conversation.id, "closed": closed},
    )
    key = f"conversation:{conversation.id}"
    for user_id in people:
        bus.unsubscribe_user(user_id, channel(conversation.id))
    for user_id in sorted(notifications.holders(key, notifications.CONVERSATION_INVITE)):
        notifications.redraw(user_id, key, notifications.CONVERSATION_INVITE)
    # The directory's old listings of a deleted public room say nothing of it.
    bus.redact(key, (ROOM_LISTED,), _describing(WITHHELD))
    tell_directory(conversation)
