"""Who may do what in a conversation: the one place these rules live.

A conversation that is not public is invisible to non-members: every lookup answers
404 exactly as for one that does not exist.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import Select, bindparam, select

from errors import Forbidden, NotFound, granted
from extensions import db
from models.clock import as_utc, utcnow
from models.conversation import Conversation, Kind, MemberRole, Membership
from models.driver_statements import DriverStatement
from models.read_connection import reading
from models.user import User
from services import voice
from services.relations import is_blocked_between
from services.validation import is_id

MANAGERS = (MemberRole.OWNER.value, MemberRole.ADMIN.value)


def channel(conversation_id: int) -> str:
    return f"conversation:{conversation_id}"


def other_in_pair(direct_key: str, user_id: int) -> int:
    """The other person of a direct conversation, from its pair key."""
    low, high = (int(part) for part in direct_key.split(":"))
    return high if low == user_id else low


class ConversationFacts(NamedTuple):
    """What writing into a conversation needs of it, read without the ORM."""

    id: int
    kind: str
    visibility: str
    direct_key: str | None


class MembershipFacts(NamedTuple):
    id: int
    user_id: int
    role: str
    muted_until: datetime | None


@dataclass(frozen=True)
class Access:
    conversation: Conversation | ConversationFacts
    membership: Membership | MembershipFacts | None

    @property
    def is_member(self) -> bool:
        return self.membership is not None

    @property
    def role(self) -> str | None:
        return self.membership.role if self.membership else None

    @property
    def manages(self) -> bool:
        return self.role in MANAGERS and self.conversation.kind != Kind.DIRECT

    @property
    def is_owner(self) -> bool:
        return self.role == MemberRole.OWNER.value

    @property
    def has_member_list(self) -> bool:
        """Groups and rooms show their members to their members."""
        return self.is_member and self.conversation.kind != Kind.DIRECT

    def is_author(self, sender_id: int | None) -> bool:
        return self.is_member and sender_id is not None and sender_id == self.membership.user_id

    def can_remove(self, sender_id: int | None) -> bool:
        """A message is deleted by its author, or by an owner or admin of a group or room."""
        return self.is_author(sender_id) or self.manages

    def can_edit(self, sender_id: int | None, kind: str, deleted: bool) -> bool:
        """Only one's own text messages, while they stand."""
        return kind == "text" and not deleted and self.is_author(sender_id)

    def can_delete(self, sender_id: int | None, kind: str, deleted: bool) -> bool:
        """What a page offers to delete: a standing text message one may remove."""
        return kind == "text" and not deleted and self.can_remove(sender_id)


def membership_of(conversation_id: int, user_id: int) -> Membership | None:
    return db.session.scalar(
        select(Membership).where(
            Membership.conversation_id == conversation_id, Membership.user_id == user_id
        )
    )


def owners(conversations: Sequence[Conversation]) -> dict[int, int | None]:
    """Who owns each group or room now (the member whose role is owner, in one read),
    answerable for it; its creator for one nobody owns any more."""
    if not conversations:
        return {}
    owning = select(Membership.conversation_id, Membership.user_id).where(
        Membership.conversation_id.in_([c.id for c in conversations]),
        Membership.role == MemberRole.OWNER.value,
    )
    found = dict(db.session.execute(owning).all())
    return {c.id: found.get(c.id, c.created_by) for c in conversations}


def live(conversation_id: object) -> Conversation:
    if not is_id(conversation_id):
        raise NotFound("No such conversation.")
    conversation = db.session.get(Conversation, conversation_id)
    if conversation is None or conversation.deleted_at is not None:
        raise NotFound("No such conversation.")
    return conversation


def is_public_room(conversation: Conversation | ConversationFacts) -> bool:
    return conversation.kind == Kind.ROOM and conversation.visibility == "public"


def _with_membership(statement: Select) -> Select:
    """`statement` over a standing conversation, with the asker's membership beside it
    (none when they are not in it)."""
    return (
        statement.select_from(Conversation)
        .outerjoin(
            Membership,
            (Membership.conversation_id == Conversation.id)
            & (Membership.user_id == bindparam("user_id")),
        )
        .where(Conversation.id == bindparam("conversation_id"), Conversation.deleted_at.is_(None))
    )


# Built once: these checks precede every message sent, and a statement kept keeps its
# compiled form and cache key.
_CONVERSATION_AND_MEMBERSHIP = _with_membership(select(Conversation, Membership))
_WRITER_FACTS = DriverStatement(
    _with_membership(
        select(
            *(getattr(Conversation, name) for name in ConversationFacts._fields),
            *(getattr(Membership, name).label(f"m_{name}") for name in MembershipFacts._fields),
        )
    )
)
_CONVERSATION_COLUMNS = len(ConversationFacts._fields)


def _found(
    first: Callable[[dict], Sequence | None], actor: User, conversation_id: object
) -> Sequence:
    """The row of the conversation and the asker's membership (`first(parameters)`), or 404."""
    if not is_id(conversation_id):
        raise NotFound("No such conversation.")
    found = first({"user_id": actor.id, "conversation_id": conversation_id})
    if found is None:
        raise NotFound("No such conversation.")
    return found


def _seen(access: Access) -> Access:
    """Members see a conversation; others see only public rooms (to join them)."""
    if access.membership is None and not is_public_room(access.conversation):
        raise NotFound("No such conversation.")
    return access


def may_read(conversation: Conversation) -> Callable[[int], bool]:
    """Whether a person (by id) may read the conversation now: anyone signed in for a
    public room, its members for anything else (as `reader` answers)."""
    if is_public_room(conversation):
        return lambda _user_id: True
    members = set(
        db.session.scalars(
            select(Membership.user_id).where(Membership.conversation_id == conversation.id)
        )
    )
    return members.__contains__


def _members_only(access: Access) -> Access:
    return granted(access, access.is_member, "Join the room first.", code="not_member")


def visible(actor: User, conversation_id: object) -> Access:
    """Members see a conversation; others see only public rooms (to join them). One
    query for both rows."""
    conversation, membership = _found(
        lambda parameters: db.session.execute(_CONVERSATION_AND_MEMBERSHIP, parameters).first(),
        actor,
        conversation_id,
    )
    return _seen(Access(conversation, membership))


def writer(actor: User, conversation_id: object, *, join_session: bool = True) -> Access:
    """`member` for sending and typing, the hottest checks of the site: the same rule,
    answered with plain read-only facts from one statement on the driver's cursor, since
    the ORM's entities and Core's execution cost more than the check itself and these
    callers change neither row. A send writes next, in the session (`join_session`); a
    caller that only reads (typing) reads outside any session."""
    with reading(join_session=join_session) as connection:
        found = _found(
            lambda parameters: _WRITER_FACTS.first(connection, parameters), actor, conversation_id
        )
    conversation = ConversationFacts(*found[:_CONVERSATION_COLUMNS])
    member = found[_CONVERSATION_COLUMNS:]
    membership = None if member[0] is None else MembershipFacts(*member)
    return _members_only(_seen(Access(conversation, membership)))


def reader(actor: User, conversation_id: object) -> Access:
    """Reading the transcript: members, and anyone for a public room (to read it before
    joining). A private room, group or direct conversation stays unknown (404) to others."""
    return visible(actor, conversation_id)


def joined(actor: User, conversation_id: object) -> Access:
    """A page of a conversation one is in: anyone else is told it does not exist (404),
    even of a public room they could join."""
    access = visible(actor, conversation_id)
    return granted(access, access.is_member, NotFound("No such conversation."))


def with_member_list(actor: User, conversation_id: object) -> Access:
    """A group or room one is in (its member list and settings), else 404."""
    access = visible(actor, conversation_id)
    return granted(access, access.has_member_list, NotFound("There is no member list here."))


def member(actor: User, conversation_id: object) -> Access:
    """Reading, writing, reacting, typing: members only."""
    return _members_only(visible(actor, conversation_id))


def manager(actor: User, conversation_id: object) -> Access:
    """Owners and admins of groups and rooms manage members and settings."""
    access = member(actor, conversation_id)
    return granted(access, access.manages, "Only the owner and admins can do that.")


def owner(actor: User, conversation_id: object) -> Access:
    access = member(actor, conversation_id)
    owns = access.is_owner and access.conversation.kind != Kind.DIRECT
    return granted(access, owns, "Only the owner can do that.")


def outranks(actor: Membership, target: Membership) -> bool:
    """The owner outranks everyone; admins outrank plain members only."""
    if actor.role == MemberRole.OWNER.value:
        return target.role != MemberRole.OWNER.value
    return actor.role == MemberRole.ADMIN.value and target.role == MemberRole.MEMBER.value


def is_muted(membership: Membership | MembershipFacts) -> bool:
    return membership.muted_until is not None and as_utc(membership.muted_until) > utcnow()


def can_write(actor: User, access: Access) -> None:
    """Raise unless the member may write in the conversation now: send, edit, react or
    start typing. A site-wide mute, a mute in this conversation, a block either way
    between the two people of a direct chat, or the other person's deleted account stops
    every one of them."""
    voice.can_speak(actor)
    if is_muted(access.membership):
        raise Forbidden("You are muted here for now.", code="muted")
    conversation = access.conversation
    if conversation.kind == Kind.DIRECT and conversation.direct_key:
        other = other_in_pair(conversation.direct_key, actor.id)
        if is_blocked_between(actor.id, other):
            raise Forbidden("You cannot message this person.", code="blocked")
        person = db.session.get(User, other)
        if person is not None and person.is_deleted:
            raise Forbidden("This account was deleted.", code="account_deleted")
