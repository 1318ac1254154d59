"""Conversations: direct messages, private groups and rooms; their shape, their events,
and creating them. Membership is in conversation_members, settings in
conversation_settings, lists in conversation_listing."""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError

from errors import Forbidden, ValidationError
from extensions import db
from models.clock import iso
from models.conversation import CATEGORIES, Conversation, Kind, MemberRole, Membership, Message
from models.driver_statements import DriverStatement
from models.user import User
from realtime.bus import bus
from realtime.channels import provider
from realtime.events import presence_channel, user_channel
from services import accounts, conversation_access, messages, notifications, tallies, voice
from services.conversation_access import Access, channel, is_muted, other_in_pair
from services.relations import blocked_among, is_blocked_between
from services.validation import clean_text, one_of, refuse_longer

NAME_MAX = 80
DESCRIPTION_MAX = 500
GROUP_MAX_MEMBERS = 256
ROOM_LIMIT_MAX = 10_000
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


def tell_directory(conversation: Conversation) -> None:
    """A public room's listing (name, description, member count) changed: every open
    directory shows it as it is now."""
    if conversation.kind != Kind.ROOM or conversation.visibility != "public":
        return
    if conversation.deleted_at is not None:
        bus.publish(DIRECTORY, ROOM_REMOVED, {"room_id": conversation.id})
    else:
        bus.publish(DIRECTORY, ROOM_LISTED, to_dict(conversation))


# Built once, run on the driver's cursor (models/driver_statements.py): every first
# handshake of a user asks it.
_MEMBER_OF = DriverStatement(
    select(Conversation.id, Conversation.kind, Conversation.direct_key)
    .join(Membership, Membership.conversation_id == Conversation.id)
    .where(Membership.user_id == bindparam("user_id"), Conversation.deleted_at.is_(None))
)


@provider
def _conversation_channels(user_id: int) -> list[str]:
    """A member's stream carries each live conversation, and in direct ones the other
    person's presence."""
    rows = _MEMBER_OF.rows(db.session.connection(), {"user_id": user_id})
    channels = []
    partners = set()
    for conversation_id, kind, direct_key in rows:
        channels.append(channel(conversation_id))
        if kind == Kind.DIRECT and direct_key:
            partners.add(other_in_pair(direct_key, user_id))
    blocked = blocked_among(user_id, partners)
    channels.extend(presence_channel(other) for other in partners - blocked)
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
    counts = tallies.counts_per(Membership.conversation_id, ids)
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
    return tallies.count_of(Membership.conversation_id, conversation_id)


def kind_of(conversation_id: int) -> str | None:
    """A conversation's kind, deleted or not: what a page of it, left behind, calls it."""
    return db.session.scalar(select(Conversation.kind).where(Conversation.id == conversation_id))


def member_dict(membership: Membership) -> dict:
    return {
        "user": membership.user.to_summary(),
        "role": membership.role,
        "joined_at": iso(membership.joined_at),
        "muted_until": iso(membership.muted_until) if is_muted(membership) else None,
    }


# -- creating ---------------------------------------------------------------------------
def may_message(actor_id: int, other_id: int) -> bool:
    """Who may message whom (and ask them into anything of theirs): anyone else, unless
    either has blocked the other."""
    return actor_id != other_id and not is_blocked_between(actor_id, other_id)


def open_direct(actor: User, username: str) -> Conversation:
    """The one direct conversation of a pair, created on first use (race-safe: the
    pair's key is unique, so a concurrent create finds the other's row)."""
    other = accounts.get_by_username(username)
    if other.id == actor.id:
        raise ValidationError("You cannot message yourself.", field="username")
    if not may_message(actor.id, other.id):
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


def clean_name(name: object, *, required: bool) -> str:
    if not isinstance(name, str):
        raise ValidationError("'name' must be text.", field="name")
    name = " ".join(clean_text(name.strip(), "name").split())
    if required and not name:
        raise ValidationError("Give it a name.", field="name")
    refuse_longer(name, NAME_MAX, "name", f"Names are at most {NAME_MAX} characters.")
    return name


def clean_description(description: object) -> str:
    if not isinstance(description, str):
        raise ValidationError("'description' must be text.", field="description")
    description = clean_text(description.strip(), "description", multiline=True)
    refuse_longer(
        description,
        DESCRIPTION_MAX,
        "description",
        f"Descriptions are at most {DESCRIPTION_MAX} characters.",
    )
    return description


def clean_category(category: object) -> str:
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
        name=clean_name(name, required=True),
        description=clean_description(description),
        category=clean_category(category),
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
    one_of(visibility, "visibility", ("public", "private"))
    whole = isinstance(member_limit, int) and not isinstance(member_limit, bool)
    if not whole or not 2 <= member_limit <= ROOM_LIMIT_MAX:
        raise ValidationError(
            f"A room's member limit is a whole number from 2 to {ROOM_LIMIT_MAX:,}.",
            field="member_limit",
        )
    conversation = Conversation(
        kind=Kind.ROOM.value,
        name=clean_name(name, required=True),
        description=clean_description(description),
        category=clean_category(category),
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
        tell_added(conversation, person, actor)
    tell_directory(conversation)
    db.session.commit()
    return conversation


def tell_added(conversation: Conversation, person: User, actor: User | None) -> None:
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


def system_message(conversation: Conversation, text: str, seen_by: tuple[int, ...] = ()) -> Message:
    """A line in the transcript recording a join, a leave or a rename, in the caller's
    unit of work; read already by `seen_by`, whose doing it is."""
    return messages.post_system(conversation, text, seen_by)
