"""Reading messages: a transcript's pages, unread counts, read positions and
who has seen a message."""

from __future__ import annotations

from sqlalchemy import func, select, update

from errors import NotFound, ValidationError
from extensions import db
from models.conversation import Conversation, Kind, Membership, Message
from models.user import User
from realtime.bus import bus
from realtime.events import user_channel
from services import conversation_access, notifications
from services.conversation_access import Access, channel
from services.messages import MESSAGE_READ, to_dict
from services.paging import newest_first
from services.validation import is_id

PAGE_MAX = 100
SMALL_GROUP = 10
QUOTE_MAX = 140  # characters of a replied-to message shown above its reply


def mark_read(actor: User, conversation_id: object, message_id: object) -> int:
    """Move the reader's position forward (never back, even when two reads race);
    returns the new position. Read on every message an open page shows, so it is two
    single statements."""
    access = conversation_access.member(actor, conversation_id)
    if not is_id(message_id):
        raise ValidationError("'message_id' must be a message id.", field="message_id")
    conversation_id = access.conversation.id
    found = db.session.scalar(
        select(Message.id).where(
            Message.id == message_id, Message.conversation_id == conversation_id
        )
    )
    if found is None:
        raise ValidationError("That message is not in this conversation.", field="message_id")
    moved = db.session.execute(
        update(Membership.__table__)
        .where(Membership.id == access.membership.id, Membership.last_read_message_id < found)
        .values(last_read_message_id=found)
    ).rowcount
    if not moved:
        db.session.commit()
        return max(found, access.membership.last_read_message_id)
    # Receipts are shown in direct chats and groups; in a room only the reader's own
    # devices need to know, so a room does not hear of every member's every read.
    audience = (
        user_channel(actor.id)
        if access.conversation.kind == Kind.ROOM
        else channel(conversation_id)
    )
    bus.publish(
        audience,
        MESSAGE_READ,
        {"conversation_id": conversation_id, "message_id": found, "user_id": actor.id},
    )
    notifications.conversation_read(actor.id, conversation_id)
    db.session.commit()
    return found


# -- reading ----------------------------------------------------------------------------
def history(
    actor: User, conversation_id: object, before: int | None = None, limit: int = 50
) -> list[Message]:
    """Newest first, keyset-paged by id (`before` = the oldest id already shown). Members
    read; so may anyone a public room, before joining it."""
    access = conversation_access.reader(actor, conversation_id)
    query = select(Message).where(Message.conversation_id == access.conversation.id)
    return newest_first(query, Message.id, before, limit, PAGE_MAX)


def recent_by(conversation_id: int, sender_id: int, limit: int) -> list[Message]:
    """The sender's messages among the conversation's newest `limit`, oldest first: what
    an open page shows of them. For a caller that has checked who may see them."""
    newest = (
        select(Message.id)
        .where(Message.conversation_id == conversation_id)
        .order_by(Message.id.desc())
        .limit(limit)
        .scalar_subquery()
    )
    return list(
        db.session.scalars(
            select(Message)
            .where(Message.id.in_(newest), Message.sender_id == sender_id)
            .order_by(Message.id)
        )
    )


def unread_total(actor_or_id: User | int) -> int:
    """Unread messages across all of one's conversations, in one query."""
    user_id = actor_or_id if isinstance(actor_or_id, int) else actor_or_id.id
    return db.session.scalar(
        select(func.count())
        .select_from(Message)
        .join(Membership, Membership.conversation_id == Message.conversation_id)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(
            Membership.user_id == user_id,
            Conversation.deleted_at.is_(None),
            Message.id > Membership.last_read_message_id,
            Message.deleted_at.is_(None),
            (Message.sender_id != user_id) | Message.sender_id.is_(None),
        )
    )


def seen_by(actor: User, conversation_id: object, message_id: int) -> list[dict]:
    """Who (other than the sender) has read up to a message: shown in DMs and small groups."""
    access = conversation_access.member(actor, conversation_id)
    message = db.session.get(Message, message_id) if is_id(message_id) else None
    if message is None or message.conversation_id != access.conversation.id:
        raise ValidationError("That message is not in this conversation.", field="message_id")
    if access.conversation.kind == Kind.ROOM:
        return []
    people = list(
        db.session.scalars(
            select(Membership).where(Membership.conversation_id == access.conversation.id)
        )
    )
    if len(people) > SMALL_GROUP:
        return []
    return [
        m.user.to_summary()
        for m in people
        if m.last_read_message_id >= message.id and m.user_id not in (message.sender_id, actor.id)
    ]


def find_in(actor: User, conversation_id: object, message_id: object) -> tuple[Access, Message]:
    """A message of a conversation the actor is in, else 404."""
    access = conversation_access.visible(actor, conversation_id)
    message = message_in(access.conversation.id, message_id)
    if not access.is_member or message is None:
        raise NotFound("No such message.")
    return access, message


def message_in(conversation_id: int, message_id: object) -> Message | None:
    """The message, if it is one of this conversation's; for a caller that has checked
    who may see it."""
    message = db.session.get(Message, message_id) if is_id(message_id) else None
    return message if message is not None and message.conversation_id == conversation_id else None


def quotes(conversation_id: int, ids: set[int | None]) -> dict[int, dict]:
    """The messages replied to, in short form, keyed by id (only from this conversation)."""
    ids = {i for i in ids if i}
    if not ids:
        return {}
    found = db.session.scalars(
        select(Message).where(Message.id.in_(ids), Message.conversation_id == conversation_id)
    )
    shown = {}
    for message in found:
        data = to_dict(message)
        body = data["body"]
        if len(body) > QUOTE_MAX:
            body = body[: QUOTE_MAX - 1] + "…"
        shown[message.id] = {
            "id": message.id,
            "sender": data["sender"],
            "body": body,
            "deleted": data["deleted"],
            "attachment": data["attachment"],
        }
    return shown


def seen_by_newest(viewer: User, conversation: Conversation, last: Message | None) -> list[dict]:
    """Who has read the newest message, shown to its sender in DMs and small groups."""
    if (
        last is None
        or conversation.kind == Kind.ROOM
        or last.sender_id != viewer.id
        or last.deleted_at is not None
    ):
        return []
    return seen_by(viewer, conversation.id, last.id)


def seen_line(viewer: User, conversation_id: int) -> list[dict] | None:
    """After a read: the "Seen by" line of the conversation's newest message when the
    viewer sent it, or None when there is no such line to change."""
    conversation = db.session.get(Conversation, conversation_id)
    if conversation is None or conversation.kind == Kind.ROOM or not conversation.last_message_id:
        return None
    last = db.session.get(Message, conversation.last_message_id)
    if last is None or last.sender_id != viewer.id:
        return None
    return seen_by_newest(viewer, conversation, last)
