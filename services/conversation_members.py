"""Who is in a conversation: joining, leaving, adding and removing members, roles and
mutes, and an account's withdrawal when it is deleted."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from errors import Conflict, Forbidden, NotFound, ValidationError
from extensions import db
from models.clock import as_utc, utcnow
from models.conversation import Conversation, FormerMember, Kind, MemberRole, Membership
from models.row_claims import claim
from models.user import User
from realtime.bus import bus
from realtime.events import user_channel
from services import accounts, conversation_access, conversation_settings, notifications
from services.conversation_access import Access, channel, outranks
from services.conversations import (
    ACCOUNT_DELETED,
    MEMBER_ADDED,
    MEMBER_REMOVED,
    MEMBER_UPDATED,
    member_count,
    member_dict,
    system_message,
    tell_added,
    tell_directory,
)
from services.relations import is_blocked_between
from services.validation import one_of

MUTE_MAX_MINUTES = 60 * 24 * 30


# -- joining and leaving ---------------------------------------------------------------
def join(actor: User, conversation_id: object) -> Access:
    access = conversation_access.visible(actor, conversation_id)
    if access.is_member:
        return access
    conversation = access.conversation
    if was_removed(actor, conversation.id):
        raise Forbidden(
            "You were removed from this room. Its owner or an admin may add you back.",
            code="removed",
        )
    _check_room_left(conversation)
    membership = _new_member(conversation, actor.id)
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


def was_removed(person: User, conversation_id: int) -> bool:
    """Removed, and not added back since: such a person does not join a public room by
    themselves."""
    former = db.session.get(FormerMember, (conversation_id, person.id))
    return former is not None and former.removed


def _check_room_left(conversation: Conversation) -> None:
    claim(Conversation, conversation.id)  # one member added at a time: the count holds
    if member_count(conversation.id) >= conversation.member_limit:
        raise Conflict("It is full.", code="full")


def _new_member(conversation: Conversation, user_id: int) -> Membership:
    """A membership read through what was said before it (a newcomer has nothing
    unread), under the mute that still ran when they last left, if any."""
    former = db.session.get(FormerMember, (conversation.id, user_id))
    if former is not None:
        db.session.delete(former)
    return Membership(
        conversation_id=conversation.id,
        user_id=user_id,
        last_read_message_id=conversation.last_message_id or 0,
        muted_until=former.muted_until if former and _running(former.muted_until) else None,
    )


def _running(until: datetime | None) -> bool:
    return until is not None and as_utc(until) > utcnow()


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
    membership = _new_member(conversation, person.id)
    db.session.add(membership)
    db.session.flush()
    bus.subscribe_user(person.id, channel(conversation.id))
    _announce_member(conversation, MEMBER_ADDED, membership, actor)
    tell_added(conversation, person, actor)
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


def leave(actor: User, conversation_id: object) -> str | None:
    """Leave a group or a room; gives its name."""
    access = conversation_access.member(actor, conversation_id)
    if access.conversation.kind == Kind.DIRECT:
        raise Forbidden("You cannot leave a direct conversation.", code="direct")
    _drop(access.conversation, access.membership, removed_by=None)
    db.session.commit()
    return access.conversation.name


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


def _remember(membership: Membership, removed: bool) -> None:
    """Keep what leaving must not shed: a running mute, and a removal."""
    key = (membership.conversation_id, membership.user_id)
    former = db.session.get(FormerMember, key) or FormerMember(
        conversation_id=key[0], user_id=key[1]
    )
    former.muted_until = membership.muted_until if _running(membership.muted_until) else None
    former.removed = removed
    db.session.add(former)


def _drop(
    conversation: Conversation,
    membership: Membership,
    removed_by: User | None,
    line: str | None = None,
) -> None:
    person = membership.user
    was_owner = membership.role == MemberRole.OWNER.value
    if removed_by is not None or _running(membership.muted_until):
        _remember(membership, removed=removed_by is not None)
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
    # An invitation they hold no longer leads in.
    notifications.redraw(
        person.id, f"conversation:{conversation.id}", notifications.CONVERSATION_INVITE
    )
    notifications.redraw_mentions(person.id, conversation.id)
    verb = "left" if removed_by is None else f"was removed by {removed_by.username}"
    seen_by = (removed_by.id,) if removed_by else ()
    system_message(conversation, line or f"{person.username} {verb}.", seen_by)
    tell_directory(conversation)


def _who(user: User | None) -> dict | None:
    return user.to_summary() if user else None


def _hand_over_ownership(conversation: Conversation) -> None:
    """The longest-serving admin, else the longest-serving member, becomes owner, and
    everyone in it hears so (as of any change of role)."""
    heir = db.session.scalar(
        select(Membership)
        .where(Membership.conversation_id == conversation.id)
        .order_by(
            (Membership.role == MemberRole.ADMIN.value).desc(), Membership.joined_at, Membership.id
        )
        .limit(1)
    )
    if heir is None:
        conversation_settings.end_empty(conversation)
    else:
        heir.role = MemberRole.OWNER.value
        _announce_member(conversation, MEMBER_UPDATED, heir)


def _announce_member(
    conversation: Conversation, name: str, membership: Membership, actor: User | None = None
) -> None:
    bus.publish(
        channel(conversation.id),
        name,
        {"conversation_id": conversation.id, **member_dict(membership), "by": _who(actor)},
    )
    if name == MEMBER_ADDED and conversation.kind == Kind.GROUP:
        seen_by = (membership.user_id, actor.id) if actor else (membership.user_id,)
        system_message(conversation, f"{membership.user.username} joined.", seen_by)
    if name == MEMBER_ADDED:
        tell_directory(conversation)


# -- managing ---------------------------------------------------------------------------
def set_role(actor: User, conversation_id: object, username: str, role: object) -> Membership:
    access = conversation_access.owner(actor, conversation_id)
    one_of(role, "role", (MemberRole.ADMIN.value, MemberRole.MEMBER.value))
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
    """A site moderator mutes someone in any group or room, in the caller's unit of work.
    A direct conversation is neither: private to its two, it is unknown here (404)."""
    conversation = conversation_access.live(conversation_id)
    if conversation.kind == Kind.DIRECT:
        raise NotFound("No such group or room.")
    return silence(conversation, _member_named(conversation, username), minutes, actor)
