"""Lists of conversations: one's own with their unread counts, a conversation's members,
the public room directory, and the channels a member's stream carries."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from errors import ValidationError
from extensions import db
from models.conversation import CATEGORIES, Conversation, Kind, Membership, Message
from models.user import User
from services import conversation_access, messages
from services.conversation_access import Access, outranks
from services.conversations import member_dict, shape_many
from services.validation import contains_pattern, refuse_longer


def members(actor: User, conversation_id: object) -> list[Membership]:
    access = conversation_access.member(actor, conversation_id)
    return list(
        db.session.scalars(
            select(Membership)
            .where(Membership.conversation_id == access.conversation.id)
            .order_by(Membership.joined_at, Membership.id)
        )
    )


def overview(actor: User, only: int | None = None) -> list[dict]:
    """The actor's conversations (or just the one `only` names), most recent activity
    first, each with its last message and unread count (a fixed number of queries,
    however many there are). A direct conversation someone else opened shows up once
    somebody writes in it."""
    shown = (
        (Membership.user_id == actor.id)
        & Conversation.deleted_at.is_(None)
        & (
            (Conversation.kind != Kind.DIRECT)
            | Conversation.last_message_id.is_not(None)
            | (Conversation.created_by == actor.id)
        )
    )
    if only is not None:
        shown &= Conversation.id == only
    rows = db.session.execute(
        select(Conversation, Membership)
        .join(Membership, Membership.conversation_id == Conversation.id)
        .where(shown)
        .order_by(func.coalesce(Conversation.last_message_id, 0).desc(), Conversation.id.desc())
    ).all()
    counted = (
        (Membership.user_id == actor.id)
        & (Message.id > Membership.last_read_message_id)
        & Message.deleted_at.is_(None)
        & ((Message.sender_id != actor.id) | Message.sender_id.is_(None))
    )
    if only is not None:
        counted &= Message.conversation_id == only
    unread = dict(
        db.session.execute(
            select(Message.conversation_id, func.count())
            .join(Membership, Membership.conversation_id == Message.conversation_id)
            .where(counted)
            .group_by(Message.conversation_id)
        ).all()
    )
    last_ids = [c.last_message_id for c, _ in rows if c.last_message_id]
    last_query = (
        select(Message)
        .where(Message.id.in_(last_ids))
        .options(
            selectinload(Message.sender),
            selectinload(Message.reactions),
            selectinload(Message.attachment),
        )
    )
    last = {m.id: m for m in db.session.scalars(last_query)}
    shaped = shape_many([conversation for conversation, _ in rows], actor.id)
    return [
        {
            **shaped[conversation.id],
            "role": membership.role,
            "unread_count": unread.get(conversation.id, 0),
            "last_message": messages.to_dict(last[conversation.last_message_id])
            if conversation.last_message_id in last
            else None,
        }
        for conversation, membership in rows
    ]


def directory(query: str = "", category: str | None = None, limit: int = 50) -> list[Conversation]:
    """Public rooms, largest first, optionally filtered by a search and a category."""
    text = query.strip().lower()
    refuse_longer(text, 64, "q", "Search for at most 64 characters.")
    if category is not None and category not in CATEGORIES:
        raise ValidationError("Unknown category.", field="category")
    members_count = (
        select(Membership.conversation_id, func.count().label("n"))
        .group_by(Membership.conversation_id)
        .subquery()
    )
    statement = (
        select(Conversation)
        .outerjoin(members_count, members_count.c.conversation_id == Conversation.id)
        .where(
            Conversation.kind == Kind.ROOM.value,
            Conversation.visibility == "public",
            Conversation.deleted_at.is_(None),
        )
        .order_by(func.coalesce(members_count.c.n, 0).desc(), Conversation.id.desc())
        .limit(limit)
    )
    if text:
        pattern = contains_pattern(text)
        statement = statement.where(
            func.lower(Conversation.name).like(pattern, escape="\\")
            | func.lower(Conversation.description).like(pattern, escape="\\")
        )
    if category:
        statement = statement.where(Conversation.category == category)
    return list(db.session.scalars(statement))


def member_rows(actor: User, access: Access) -> list[dict]:
    """The member list as its page shows it to the actor: each member, whether it is the
    actor, and whether the actor outranks them (may remove or mute them)."""
    return [
        {
            **member_dict(membership),
            "me": membership.user_id == actor.id,
            "outranked": outranks(access.membership, membership),
        }
        for membership in members(actor, access.conversation.id)
    ]
