"""Conversations and their members: direct messages, private groups, rooms."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import IO

import sqlalchemy as sa
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from errors import Conflict, Forbidden, NotFound, ValidationError
from extensions import db
from models.clock import iso, utcnow
from models.conversation import CATEGORIES, Conversation, Kind, MemberRole, Membership, Message
from models.user import User
from realtime.bus import bus
from realtime.channels import provider
from realtime.events import presence_channel, user_channel
from services import accounts, conversation_access, messages, notifications, uploads, voice
from services.conversation_access import (
    Access,
    can_write,
    channel,
    is_muted,
    other_in_pair,
    outranks,
)
from services.relations import is_blocked_between
from services.validation import clean_text, contains_pattern

NAME_MAX = 80
DESCRIPTION_MAX = 500
GROUP_MAX_MEMBERS = 256
ROOM_LIMIT_MAX = 10_000
MUTE_MAX_MINUTES = 60 * 24 * 30
PICTURES = "conversations"

MEMBER_ADDED = "membership:added"
MEMBER_REMOVED = "membership:removed"
MEMBER_UPDATED = "membership:updated"
CONVERSATION_UPDATED = "membership:conversation_updated"
CONVERSATION_DELETED = "membership:conversation_deleted"
# A member deleted their account: their messages show "Deleted account" from now on.
ACCOUNT_DELETED = "membership:account_deleted"
# The public room directory, in everyone's stream: a room listed or changed, or gone.
DIRECTORY = "directory:rooms"
ROOM_LISTED = "directory:room"
ROOM_REMOVED = "directory:room_removed"


@provider
def _directory_channel(_user_id: int) -> list[str]:
    return [DIRECTORY]


def _tell_directory(conversation: Conversation) -> None:
    """A public room's listing (name, description, member count) changed: every open
    directory shows it as it is now."""
    if conversation.kind != Kind.ROOM or conversation.visibility != "public":
        return
    if conversation.deleted_at is not None:
        bus.publish(DIRECTORY, ROOM_REMOVED, {"room_id": conversation.id})
    else:
        bus.publish(DIRECTORY, ROOM_LISTED, to_dict(conversation))


@provider
def _conversation_channels(user_id: int) -> list[str]:
    """A member's stream carries each live conversation, and in direct ones the other
    person's presence."""
    rows = db.session.execute(
        select(Conversation.id, Conversation.kind, Conversation.direct_key)
        .join(Membership, Membership.conversation_id == Conversation.id)
        .where(Membership.user_id == user_id, Conversation.deleted_at.is_(None))
    )
    channels = []
    for conversation_id, kind, direct_key in rows:
        channels.append(channel(conversation_id))
        if kind == Kind.DIRECT and direct_key:
            other = other_in_pair(direct_key, user_id)
            if not is_blocked_between(user_id, other):
                channels.append(presence_channel(other))
    return channels


# -- shapes -----------------------------------------------------------------------------
def to_dict(
    conversation: Conversation,
    viewer_id: int | None = None,
    *,
    count: int | None = None,
    others: dict[int, User] | None = None,
) -> dict:
    """`count` and `others` (users by id) may be given when many are shaped at once."""
    data = {
        "id": conversation.id,
        "kind": conversation.kind,
        "name": conversation.name,
        "description": conversation.description,
        "category": conversation.category,
        "visibility": conversation.visibility,
        "member_limit": conversation.member_limit,
        "member_count": member_count(conversation.id) if count is None else count,
        "image_url": f"/api/v1/conversations/{conversation.id}/image"
        if conversation.image_file
        else None,
        "created_at": iso(conversation.created_at),
    }
    if conversation.kind == Kind.DIRECT and viewer_id is not None and conversation.direct_key:
        other_id = other_in_pair(conversation.direct_key, viewer_id)
        other = others.get(other_id) if others is not None else db.session.get(User, other_id)
        data["other"] = other.to_summary() if other else None
    return data


def shape_many(conversations: list[Conversation], viewer_id: int) -> dict[int, dict]:
    """Many conversations shaped with two queries in all (member counts, DM partners)."""
    ids = [c.id for c in conversations]
    counts = dict(
        db.session.execute(
            select(Membership.conversation_id, func.count())
            .where(Membership.conversation_id.in_(ids))
            .group_by(Membership.conversation_id)
        ).all()
    )
    partner_ids = {
        other_in_pair(c.direct_key, viewer_id)
        for c in conversations
        if c.kind == Kind.DIRECT and c.direct_key
    }
    others = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(partner_ids)))}
    return {
        c.id: to_dict(c, viewer_id, count=counts.get(c.id, 0), others=others) for c in conversations
    }


def member_count(conversation_id: int) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Membership)
        .where(Membership.conversation_id == conversation_id)
    )


def member_dict(membership: Membership) -> dict:
    return {
        "user": membership.user.to_summary(),
        "role": membership.role,
        "joined_at": iso(membership.joined_at),
        "muted_until": iso(membership.muted_until) if is_muted(membership) else None,
    }


# -- creating ---------------------------------------------------------------------------
def open_direct(actor: User, username: str) -> Conversation:
    """The one direct conversation of a pair, created on first use (race-safe: the
    pair's key is unique, so a concurrent create finds the other's row)."""
    other = accounts.get_by_username(username)
    if other.id == actor.id:
        raise ValidationError("You cannot message yourself.", field="username")
    if is_blocked_between(actor.id, other.id):
        raise Forbidden("You cannot message this person.")
    key = f"{min(actor.id, other.id)}:{max(actor.id, other.id)}"
    existing = db.session.scalar(select(Conversation).where(Conversation.direct_key == key))
    if existing is not None:
        return existing
    conversation = Conversation(kind=Kind.DIRECT.value, direct_key=key, created_by=actor.id)
    conversation.members = [
        Membership(user_id=actor.id, role=MemberRole.MEMBER.value),
        Membership(user_id=other.id, role=MemberRole.MEMBER.value),
    ]
    db.session.add(conversation)
    try:
        db.session.flush()
    except IntegrityError:  # the pair's conversation was created a moment ago
        db.session.rollback()
        return db.session.scalar(select(Conversation).where(Conversation.direct_key == key))
    for person, partner in ((actor, other), (other, actor)):
        bus.subscribe_user(person.id, channel(conversation.id))
        bus.subscribe_user(person.id, presence_channel(partner.id))
    db.session.commit()
    return conversation


def _clean_name(name: object, *, required: bool) -> str:
    if not isinstance(name, str):
        raise ValidationError("'name' must be text.", field="name")
    name = " ".join(clean_text(name.strip(), "name").split())
    if required and not name:
        raise ValidationError("Give it a name.", field="name")
    if len(name) > NAME_MAX:
        raise ValidationError(
            f"Names are at most {NAME_MAX} characters.", code="too_long", field="name"
        )
    return name


def _clean_description(description: object) -> str:
    if not isinstance(description, str):
        raise ValidationError("'description' must be text.", field="description")
    description = clean_text(description.strip(), "description", multiline=True)
    if len(description) > DESCRIPTION_MAX:
        raise ValidationError(
            f"Descriptions are at most {DESCRIPTION_MAX} characters.",
            code="too_long",
            field="description",
        )
    return description


def _clean_category(category: object) -> str:
    if category not in CATEGORIES:
        raise ValidationError(f"Pick a category: {', '.join(CATEGORIES)}.", field="category")
    return category


def create_group(
    actor: User,
    name: object,
    members: list[str],
    description: object = "",
    category: object = "general",
) -> Conversation:
    voice.can_speak(actor)
    conversation = Conversation(
        kind=Kind.GROUP.value,
        name=_clean_name(name, required=True),
        description=_clean_description(description),
        category=_clean_category(category),
        visibility="private",
        member_limit=GROUP_MAX_MEMBERS,
        created_by=actor.id,
    )
    others = _addable_people(actor, members, GROUP_MAX_MEMBERS - 1)
    conversation.members = [Membership(user_id=actor.id, role=MemberRole.OWNER.value)] + [
        Membership(user_id=person.id) for person in others
    ]
    return _created(actor, conversation, others)


def create_room(
    actor: User,
    name: object,
    visibility: object = "public",
    description: object = "",
    category: object = "general",
    member_limit: object = 1000,
    members: list[str] | None = None,
) -> Conversation:
    voice.can_speak(actor)
    if visibility not in ("public", "private"):
        raise ValidationError("'visibility' is public or private.", field="visibility")
    if isinstance(member_limit, bool) or not isinstance(member_limit, int):
        raise ValidationError("'member_limit' must be a whole number.", field="member_limit")
    if not 2 <= member_limit <= ROOM_LIMIT_MAX:
        raise ValidationError(
            f"'member_limit' must be between 2 and {ROOM_LIMIT_MAX}.", field="member_limit"
        )
    conversation = Conversation(
        kind=Kind.ROOM.value,
        name=_clean_name(name, required=True),
        description=_clean_description(description),
        category=_clean_category(category),
        visibility=visibility,
        member_limit=member_limit,
        created_by=actor.id,
    )
    others = _addable_people(actor, members or [], member_limit - 1)
    conversation.members = [Membership(user_id=actor.id, role=MemberRole.OWNER.value)] + [
        Membership(user_id=person.id) for person in others
    ]
    return _created(actor, conversation, others)


def _addable_people(actor: User, usernames: list[str], room_left: int) -> list[User]:
    if not isinstance(usernames, list) or not all(isinstance(n, str) for n in usernames):
        raise ValidationError("'members' must be a list of usernames.", field="members")
    people: dict[int, User] = {}
    for username in usernames[: room_left + 1]:
        person = accounts.find_by_username(username)
        if person is None:
            raise ValidationError(f"There is nobody called {username[:32]!r}.", field="members")
        if person.id == actor.id:
            continue
        if is_blocked_between(actor.id, person.id):
            raise Forbidden(f"You cannot add {person.username}.")
        people[person.id] = person
    if len(people) > room_left:
        raise ValidationError("That is more people than fit.", field="members")
    return list(people.values())


def _created(actor: User, conversation: Conversation, others: list[User]) -> Conversation:
    db.session.add(conversation)
    db.session.flush()
    for person in [actor, *others]:
        bus.subscribe_user(person.id, channel(conversation.id))
    for person in others:
        _tell_added(conversation, person, actor)
    _tell_directory(conversation)
    db.session.commit()
    return conversation


def _tell_added(conversation: Conversation, person: User, actor: User | None) -> None:
    bus.publish(
        user_channel(person.id),
        MEMBER_ADDED,
        {"conversation": to_dict(conversation, person.id), "user": person.to_summary()},
    )
    if actor is not None and actor.id != person.id:
        notifications.notify(
            person.id,
            notifications.CONVERSATION_INVITE,
            actor=actor,
            subject={"type": "conversation", "id": conversation.id, "text": conversation.name},
        )


# -- reading ----------------------------------------------------------------------------
def get(actor: User, conversation_id: object) -> Access:
    return conversation_access.visible(actor, conversation_id)


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
    if len(text) > 64:
        raise ValidationError("Search for at most 64 characters.", code="too_long", field="q")
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


# -- joining and leaving ---------------------------------------------------------------
def join(actor: User, conversation_id: object) -> Access:
    access = conversation_access.visible(actor, conversation_id)
    if access.is_member:
        return access
    conversation = access.conversation
    _check_room_left(conversation)
    membership = Membership(conversation_id=conversation.id, user_id=actor.id)
    db.session.add(membership)
    try:
        db.session.flush()
    except IntegrityError:  # joined a moment ago from another request
        db.session.rollback()
        return conversation_access.visible(actor, conversation.id)
    bus.subscribe_user(actor.id, channel(conversation.id))
    _announce_member(conversation, MEMBER_ADDED, membership)
    db.session.commit()
    return Access(conversation, membership)


def _check_room_left(conversation: Conversation) -> None:
    if member_count(conversation.id) >= conversation.member_limit:
        raise Conflict("It is full.", code="full")


def add_member(actor: User, conversation_id: object, username: str) -> Membership:
    access = conversation_access.manager(actor, conversation_id)
    conversation = access.conversation
    person = accounts.get_by_username(username)
    if is_blocked_between(actor.id, person.id):
        raise Forbidden(f"You cannot add {person.username}.")
    existing = conversation_access.membership_of(conversation.id, person.id)
    if existing is not None:
        return existing
    _check_room_left(conversation)
    membership = Membership(conversation_id=conversation.id, user_id=person.id)
    db.session.add(membership)
    db.session.flush()
    bus.subscribe_user(person.id, channel(conversation.id))
    _announce_member(conversation, MEMBER_ADDED, membership, actor)
    _tell_added(conversation, person, actor)
    db.session.commit()
    return membership


def remove_member(actor: User, conversation_id: object, username: str) -> None:
    """Kick someone out: they stop receiving the conversation at once, everywhere."""
    access = conversation_access.manager(actor, conversation_id)
    person = accounts.get_by_username(username)
    target = conversation_access.membership_of(access.conversation.id, person.id)
    if target is None:
        raise NotFound("They are not a member.")
    if not outranks(access.membership, target):
        raise Forbidden("You cannot remove them.")
    _drop(access.conversation, target, removed_by=actor)
    db.session.commit()


def leave(actor: User, conversation_id: object) -> None:
    access = conversation_access.member(actor, conversation_id)
    if access.conversation.kind == Kind.DIRECT:
        raise Forbidden("You cannot leave a direct conversation.", code="direct")
    _drop(access.conversation, access.membership, removed_by=None)
    db.session.commit()


def withdraw(person: User) -> None:
    """A deleted account: every conversation it was in hears so (open pages show its
    messages as "Deleted account" at once), and it leaves every group and room (ownership
    passes on as when an owner leaves); its direct conversations stay, so the other person
    keeps the history. In the caller's unit of work, once the account reads as deleted."""
    memberships = db.session.scalars(
        select(Membership)
        .join(Conversation, Conversation.id == Membership.conversation_id)
        .where(Membership.user_id == person.id, Conversation.deleted_at.is_(None))
        .order_by(Membership.conversation_id)
    ).all()
    for membership in memberships:
        bus.publish(
            channel(membership.conversation_id),
            ACCOUNT_DELETED,
            {"conversation_id": membership.conversation_id, "user": person.to_summary()},
        )
    for membership in memberships:
        if membership.conversation.kind == Kind.DIRECT:
            continue
        _drop(
            membership.conversation,
            membership,
            removed_by=None,
            line="A member deleted their account.",
        )


def _drop(
    conversation: Conversation,
    membership: Membership,
    removed_by: User | None,
    line: str | None = None,
) -> None:
    person = membership.user
    was_owner = membership.role == MemberRole.OWNER.value
    # Once: of a kick and a leave (or two kicks) at the same moment, one finds the row.
    gone = db.session.execute(sa.delete(Membership).where(Membership.id == membership.id)).rowcount
    if not gone:
        db.session.rollback()
        raise NotFound("They are not a member.")
    if was_owner:
        _hand_over_ownership(conversation)
    # First stop delivery, then tell the rest: the removed person sees none of it.
    bus.unsubscribe_user(person.id, channel(conversation.id))
    bus.publish(
        user_channel(person.id),
        MEMBER_REMOVED,
        {"conversation_id": conversation.id, "user": person.to_summary(), "by": _who(removed_by)},
    )
    bus.publish(
        channel(conversation.id),
        MEMBER_REMOVED,
        {"conversation_id": conversation.id, "user": person.to_summary(), "by": _who(removed_by)},
    )
    verb = "left" if removed_by is None else f"was removed by {removed_by.username}"
    system_message(conversation, line or f"{person.username} {verb}.")
    _tell_directory(conversation)


def _who(user: User | None) -> dict | None:
    return user.to_summary() if user else None


def _hand_over_ownership(conversation: Conversation) -> None:
    """The longest-serving admin, else the longest-serving member, becomes owner."""
    heir = db.session.scalar(
        select(Membership)
        .where(Membership.conversation_id == conversation.id)
        .order_by(
            (Membership.role == MemberRole.ADMIN.value).desc(),
            Membership.joined_at,
            Membership.id,
        )
        .limit(1)
    )
    if heir is None:
        conversation.deleted_at = utcnow()
    else:
        heir.role = MemberRole.OWNER.value


def _announce_member(
    conversation: Conversation, name: str, membership: Membership, actor: User | None = None
) -> None:
    bus.publish(
        channel(conversation.id),
        name,
        {"conversation_id": conversation.id, **member_dict(membership), "by": _who(actor)},
    )
    if name == MEMBER_ADDED and conversation.kind == Kind.GROUP:
        system_message(conversation, f"{membership.user.username} joined.")
    if name == MEMBER_ADDED:
        _tell_directory(conversation)


# -- managing ---------------------------------------------------------------------------
def set_role(actor: User, conversation_id: object, username: str, role: object) -> Membership:
    access = conversation_access.owner(actor, conversation_id)
    if role not in (MemberRole.ADMIN.value, MemberRole.MEMBER.value):
        raise ValidationError("'role' is admin or member.", field="role")
    person = accounts.get_by_username(username)
    target = conversation_access.membership_of(access.conversation.id, person.id)
    if target is None:
        raise NotFound("They are not a member.")
    if target.id == access.membership.id:
        raise ValidationError("You are the owner.", field="username")
    _update_member(target, role=role)
    _announce_member(access.conversation, MEMBER_UPDATED, target, actor)
    db.session.commit()
    return target


def _update_member(target: Membership, **values: object) -> None:
    """Change a membership, or 404 when a removal at the same moment took it away first
    (the update names the row, and finds it or not)."""
    changed = db.session.execute(
        sa.update(Membership).where(Membership.id == target.id).values(**values)
    ).rowcount
    if not changed:
        db.session.rollback()
        raise NotFound("They are not a member.")
    # Read as it is now and kept out of the commit's expiry, so that describing it
    # still works if a removal deletes the row the moment after.
    db.session.refresh(target)
    db.session.refresh(target, ["user"])
    db.session.expunge(target)


def mute(actor: User, conversation_id: object, username: str, minutes: object) -> Membership:
    """Admins silence a member for a while (0 minutes lifts it)."""
    access = conversation_access.manager(actor, conversation_id)
    target = _member_named(access.conversation, username)
    if not outranks(access.membership, target):
        raise Forbidden("You cannot mute them.")
    silence(access.conversation, target, minutes, actor)
    db.session.commit()
    return target


def _member_named(conversation: Conversation, username: str) -> Membership:
    person = accounts.get_by_username(username)
    target = conversation_access.membership_of(conversation.id, person.id)
    if target is None:
        raise NotFound("They are not a member.")
    return target


def silence(
    conversation: Conversation, target: Membership, minutes: object, actor: User
) -> Membership:
    """Mute a member for `minutes` (0 lifts it); the caller has checked who may, and
    commits."""
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        raise ValidationError("'minutes' must be a whole number.", field="minutes")
    if not 0 <= minutes <= MUTE_MAX_MINUTES:
        raise ValidationError(
            f"'minutes' must be between 0 and {MUTE_MAX_MINUTES}.", field="minutes"
        )
    _update_member(target, muted_until=utcnow() + timedelta(minutes=minutes) if minutes else None)
    _announce_member(conversation, MEMBER_UPDATED, target, actor)
    return target


def moderate_mute(
    actor: User, conversation_id: object, username: str, minutes: object
) -> Membership:
    """A site moderator mutes someone in any group or room, in the caller's unit of work."""
    conversation = conversation_access.live(conversation_id)
    return silence(conversation, _member_named(conversation, username), minutes, actor)


def close(actor: User, conversation_id: object) -> Conversation:
    """A site moderator closes a group or room: like its owner deleting it, in the
    caller's unit of work."""
    conversation = conversation_access.live(conversation_id)
    _close(conversation)
    return conversation


def update(actor: User, conversation_id: object, changes: dict) -> Conversation:
    """Rename, describe, recategorise (owners and admins)."""
    access = conversation_access.manager(actor, conversation_id)
    can_write(actor, access)
    conversation = access.conversation
    old_name = conversation.name
    if "name" in changes:
        conversation.name = _clean_name(changes["name"], required=True)
    if "description" in changes:
        conversation.description = _clean_description(changes["description"])
    if "category" in changes:
        conversation.category = _clean_category(changes["category"])
    _redact(conversation)
    bus.publish(channel(conversation.id), CONVERSATION_UPDATED, to_dict(conversation))
    _tell_directory(conversation)
    if conversation.name != old_name:
        system_message(conversation, f"{actor.username} renamed this to “{conversation.name}”.")
    db.session.commit()
    return conversation


# What a conversation's stored events may say about it: these fields are rewritten to
# their current values when they change, so an old name is not replayed.
DESCRIBING_FIELDS = ("name", "description", "category", "image_url")


def _redact(conversation: Conversation) -> None:
    """In the transaction that renames or redescribes a conversation: its stored events
    and the notifications about it carry the current name and description."""
    current = {
        field: value for field, value in to_dict(conversation).items() if field in DESCRIBING_FIELDS
    }

    def rewrite(stored: dict) -> dict:
        if isinstance(stored.get("conversation"), dict):
            return {**stored, "conversation": {**stored["conversation"], **current}}
        return {**stored, **current}

    subject = f"conversation:{conversation.id}"
    bus.redact(subject, (MEMBER_ADDED, CONVERSATION_UPDATED), rewrite)
    notifications.retext(subject, conversation.name)


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
    _tell_directory(conversation)
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
    _close(conversation_access.owner(actor, conversation_id).conversation)
    db.session.commit()


def _close(conversation: Conversation) -> None:
    conversation.deleted_at = utcnow()
    people = [m.user_id for m in conversation.members]
    bus.publish(
        channel(conversation.id), CONVERSATION_DELETED, {"conversation_id": conversation.id}
    )
    for user_id in people:
        bus.unsubscribe_user(user_id, channel(conversation.id))
    _tell_directory(conversation)


def system_message(conversation: Conversation, text: str) -> Message:
    """A line in the transcript recording a join, a leave or a rename, in the caller's
    unit of work."""
    return messages.post_system(conversation, text)
