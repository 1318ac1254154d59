"""Messages: one pipeline for direct, group and room conversations; sending (a retried
send with the same `client_id` returns the stored message instead of storing another),
system lines and typing. Changes are in message_edits, reading in message_reading."""

from __future__ import annotations

import re
from collections import defaultdict

import gevent
from flask import current_app
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from errors import ValidationError
from extensions import db
from models.clock import iso, utcnow
from models.conversation import Conversation, Kind, Membership, Message
from models.driver_statements import DriverStatement
from models.user import User
from realtime.bus import bus
from services import (
    attachments,
    conversation_access,
    notifications,
    trust,
    typing_indicators,
    unit_of_work,
)
from services.conversation_access import can_write, channel
from services.validation import clean_client_id, clean_text, is_id

BODY_MAX = 4000
MENTION = re.compile(r"(?<![\w@])@([a-z0-9_]{3,32})\b", re.IGNORECASE)
MESSAGE_NEW = "message:new"
MESSAGE_UPDATED = "message:updated"
MESSAGE_DELETED = "message:deleted"
MESSAGE_READ = "message:read"
TYPING = "typing"


def to_dict(message: Message) -> dict:
    deleted = message.deleted_at is not None
    return {
        "id": message.id,
        "conversation_id": message.conversation_id,
        "sender": message.sender.to_summary() if message.sender else None,
        "kind": message.kind,
        "body": "" if deleted else message.body,
        "created_at": iso(message.created_at),
        "edited_at": iso(message.edited_at),
        "deleted": deleted,
        "reply_to": message.reply_to_id,
        "client_id": message.client_id,
        "attachment": None
        if deleted or message.attachment is None
        else attachments.to_dict(message.attachment),
        "reactions": [] if deleted else reaction_summary(message),
    }


def reaction_summary(message: Message) -> list[dict]:
    users: dict[str, list[int]] = defaultdict(list)
    for reaction in message.reactions:
        users[reaction.emoji].append(reaction.user_id)
    return [{"emoji": emoji, "count": len(ids), "user_ids": ids} for emoji, ids in users.items()]


def clean_body(body: object, *, allow_empty: bool) -> str:
    if body is None and allow_empty:
        return ""
    if not isinstance(body, str):
        raise ValidationError("'body' must be text.", field="body")
    body = clean_text(body, "body", multiline=True, strip=True).strip()
    if len(body) > BODY_MAX:
        raise ValidationError(
            f"Messages are at most {BODY_MAX} characters.", code="too_long", field="body"
        )
    if not body and not allow_empty:
        raise ValidationError("Write something first.", field="body")
    return body


# -- sending ----------------------------------------------------------------------------
# The statements of a send, built once and run on the driver's cursor.
_INSERT_MESSAGE = DriverStatement(insert(Message.__table__).returning(Message.id))
_LAST_MESSAGE = DriverStatement(
    update(Conversation.__table__)
    .where(Conversation.id == bindparam("conversation_id"))
    .values(last_message_id=bindparam("message_id"))
)
_READ_UP_TO = DriverStatement(
    update(Membership.__table__)
    .where(Membership.id == bindparam("membership_id"))
    .values(last_read_message_id=bindparam("message_id"))
)


def send(
    actor: User,
    conversation_id: object,
    body: object,
    client_id: object = None,
    reply_to: object = None,
    attachment_id: object = None,
) -> dict:
    """Send, and return the message as clients see it: the payload announced to the
    conversation, built from what was written, so nothing has to be read back for it.
    The hottest write of the site, so its rows are written with single statements, and a
    message with no file, no reply and no @ (nobody to tell) outside the ORM session."""
    mentions = isinstance(body, str) and "@" in body
    plain = attachment_id is None and reply_to is None and not mentions
    access: conversation_access.Access | None = None
    try:
        with unit_of_work.writing(orm=not plain) as connection:
            access = conversation_access.writer(actor, conversation_id)
            can_write(actor, access)
            client_id = clean_client_id(client_id)
            # A retry is found by the unique (sender, client_id) when the insert fails;
            # only a retry with a file is looked for first, since its file is no longer
            # free to claim.
            if client_id is not None and attachment_id is not None:
                earlier = _by_client_id(actor.id, client_id)
                if earlier is not None:
                    return to_dict(_same_send(earlier, access))
            return _store(connection, actor, access, body, client_id, reply_to, attachment_id)
    except IntegrityError:  # a retry, or the same client_id raced in from another request
        earlier = _by_client_id(actor.id, client_id) if client_id is not None else None
        if earlier is None or access is None:
            raise
        return to_dict(_same_send(earlier, access))


def _store(
    connection: Connection,
    actor: User,
    access: conversation_access.Access,
    body: object,
    client_id: str | None,
    reply_to: object,
    attachment_id: object,
) -> dict:
    """Write the message and its announcement on the unit of work's `connection`, past
    the ORM and Core's execution path, which cost more than the statements themselves."""
    conversation_id = access.conversation.id
    attachment = attachments.claim(actor, conversation_id, attachment_id)
    text = clean_body(body, allow_empty=attachment is not None)
    trust.check_links(actor, text, "body")
    reply = _reply_target(conversation_id, reply_to)
    now = utcnow()
    message_id = _INSERT_MESSAGE.scalar(
        connection,
        {
            "conversation_id": conversation_id,
            "sender_id": actor.id,
            "kind": "text",
            "body": text,
            "client_id": client_id,
            "reply_to_id": reply,
            "attachment_id": attachment.id if attachment else None,
            "created_at": now,
        },
    )
    _LAST_MESSAGE.rows(connection, {"conversation_id": conversation_id, "message_id": message_id})
    _READ_UP_TO.rows(connection, {"membership_id": access.membership.id, "message_id": message_id})
    payload = {
        "id": message_id,
        "conversation_id": conversation_id,
        "sender": actor.to_summary(),
        "kind": "text",
        "body": text,
        "created_at": iso(now),
        "edited_at": None,
        "deleted": False,
        "reply_to": reply,
        "client_id": client_id,
        "attachment": attachments.to_dict(attachment) if attachment else None,
        "reactions": [],
    }
    bus.publish(channel(conversation_id), MESSAGE_NEW, payload)
    _notify_about(payload, access.conversation.kind, actor)
    return payload


def _by_client_id(sender_id: int, client_id: str) -> Message | None:
    return db.session.scalar(
        select(Message).where(Message.sender_id == sender_id, Message.client_id == client_id)
    )


def _same_send(message: Message, access: conversation_access.Access) -> Message:
    if message.conversation_id != access.conversation.id:
        raise ValidationError(
            "That client_id was already used for another conversation.", field="client_id"
        )
    return message


def _reply_target(conversation_id: int, reply_to: object) -> int | None:
    if reply_to is None:
        return None
    if not is_id(reply_to):
        raise ValidationError("'reply_to' must be a message id.", field="reply_to")
    target = db.session.get(Message, reply_to)
    if target is None or target.conversation_id != conversation_id:
        raise ValidationError(
            "You can only reply to a message in this conversation.", field="reply_to"
        )
    return target.id


def post_system(conversation: Conversation, text: str, seen_by: tuple[int, ...] = ()) -> Message:
    """In the caller's unit of work. The line is read already for `seen_by`, the people
    whose own doing it records (who removed someone, who renamed): it is no news to them."""
    message = Message(conversation_id=conversation.id, sender_id=None, kind="system", body=text)
    db.session.add(message)
    db.session.flush()
    conversation.last_message_id = message.id
    if seen_by:
        db.session.execute(
            update(Membership)
            .where(
                Membership.conversation_id == conversation.id,
                Membership.user_id.in_(seen_by),
                Membership.last_read_message_id < message.id,
            )
            .values(last_read_message_id=message.id)
        )
    bus.publish(channel(conversation.id), MESSAGE_NEW, to_dict(message))
    return message


def _notify_about(message: dict, kind: str, actor: User) -> None:
    """Mentions, and for a DM a notification later if it is still unread; `message` is
    the sent message's payload."""
    conversation_id = message["conversation_id"]
    mentioned = {name.lower() for name in MENTION.findall(message["body"])}
    mentioned.discard(message["sender"]["username"])
    if mentioned:
        rows = db.session.execute(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.conversation_id == conversation_id, User.username.in_(mentioned))
        )
        for (person,) in rows:
            notifications.notify(
                person.id,
                notifications.MENTION,
                actor=actor,
                subject={
                    "type": "message",
                    "id": message["id"],
                    "conversation_id": conversation_id,
                    "text": mention_text(message["body"]),
                },
            )
    if kind == Kind.DIRECT:
        delay = current_app.config["DM_NOTIFY_DELAY_SECONDS"]
        app = current_app._get_current_object()
        gevent.spawn_later(delay, _notify_if_unread, app, message["id"])


def _notify_if_unread(app, message_id: int) -> None:
    """A DM the recipient has not read a little after it arrived becomes a notification,
    unless the conversation is open on one of their pages, on any worker (reading it there
    marks it read too, but a page in a background tab may not have)."""
    with app.app_context():
        message = db.session.get(Message, message_id)
        if message is None or message.deleted_at is not None:
            return
        for membership in message_conversation_members(message):
            if membership.user_id == message.sender_id:
                continue
            if membership.last_read_message_id >= message.id:
                continue
            if bus.viewing.is_watching(message.conversation_id, membership.user_id):
                continue
            notifications.notify(
                membership.user_id,
                notifications.MESSAGE,
                actor=message.sender,
                subject={"type": "conversation", "id": message.conversation_id},
            )
        db.session.commit()
        db.session.remove()


def message_conversation_members(message: Message) -> list[Membership]:
    return list(
        db.session.scalars(
            select(Membership).where(Membership.conversation_id == message.conversation_id)
        )
    )


def mention_text(body: str) -> str:
    return body[:140]


# -- typing -----------------------------------------------------------------------------
def typing(actor: User, conversation_id: object, is_typing: bool) -> None:
    """Tell the other members; a start stops by itself after a few seconds. Stopping is
    always allowed: it says nothing, and clears an indicator shown before a mute or block."""
    access = conversation_access.writer(actor, conversation_id, join_session=False)
    if is_typing:
        can_write(actor, access)
    conversation_id = access.conversation.id

    def announce(who: dict, now_typing: bool) -> None:
        bus.send_now(
            channel(conversation_id),
            TYPING,
            {"conversation_id": conversation_id, "user": who, "typing": now_typing},
        )

    typing_indicators.set_typing(channel(conversation_id), actor.to_summary(), is_typing, announce)
