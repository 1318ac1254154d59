"""What a person's home page and the people page show them: parties of people they
follow and public ones starting soon (or started on schedule), their unread
conversations, recent notifications, and people they might follow. Read-only: nothing
here writes or publishes."""

from __future__ import annotations

from datetime import timedelta
from typing import NamedTuple

from sqlalchemy import Select, and_, func, or_, select

from extensions import db
from models.clock import as_utc, utcnow
from models.conversation import Conversation, Kind, Membership, Message
from models.party import Participant, Party
from models.social import Block, Follow
from models.user import LoginSession, User
from services import conversation_listing, notifications, party_shapes, profiles
from services.relations import are_friends, is_blocked_between, unblocked

ACTIVE_WINDOW = timedelta(days=14)  # someone who wrote in one's rooms lately
PARTIES_SHOWN = 8
UNREAD_SHOWN = 6
NOTIFICATIONS_SHOWN = 5
SUGGESTIONS_SHOWN = 6
RECENT_SHOWN = 8


# -- parties ------------------------------------------------------------------------------
def _followed(viewer_id: int):
    return select(Follow.followee_id).where(Follow.follower_id == viewer_id)


def _may_see_on_home(viewer: User, party: Party) -> bool:
    """A party shown on the home page: public ones, a friend's friends-only ones, and any
    the viewer is already in."""
    if party.visibility == "public":
        return True
    if party.visibility == "friends" and are_friends(viewer.id, party.host_id):
        return True
    return _participant(party.id, viewer.id)


def _participant(party_id: int, user_id: int) -> bool:
    return (
        db.session.scalar(
            select(Participant.id).where(
                Participant.party_id == party_id,
                Participant.user_id == user_id,
                Participant.status == "active",
            )
        )
        is not None
    )


def _follows(viewer_id: int, host_id: int) -> bool:
    return (
        db.session.scalar(
            select(Follow.followee_id).where(
                Follow.follower_id == viewer_id, Follow.followee_id == host_id
            )
        )
        is not None
    )


def _announced(party: Party) -> bool:
    """A public party that was scheduled: everyone saw it coming, so everyone sees it
    go live too."""
    return party.visibility == "public" and party.scheduled_at is not None


def belongs_on_home(viewer: User, party: Party) -> bool:
    """The rule `parties_for` lists by, for one party: a public party starting within a
    day, a scheduled public one that is live, or a live party of someone the viewer
    follows that they may see; never one of someone blocked either way."""
    if is_blocked_between(viewer.id, party.host_id):
        return False
    if party.status == "upcoming":
        return (
            _announced(party) and as_utc(party.scheduled_at) <= utcnow() + party_shapes.STARTS_SOON
        )
    if party.status != "live":
        return False
    if _announced(party):
        return True
    return _follows(viewer.id, party.host_id) and _may_see_on_home(viewer, party)


def party_card(viewer: User, party: Party) -> dict:
    return {**party_shapes.to_dict(party, viewer), "joined": _participant(party.id, viewer.id)}


def parties_for(viewer: User) -> list[dict]:
    """Live parties hosted by people the viewer follows or scheduled in public (newest
    first), then public parties starting within a day (soonest first); none of someone
    blocked either way."""
    announced = and_(Party.visibility == "public", Party.scheduled_at.is_not(None))
    live = db.session.scalars(
        select(Party)
        .where(
            Party.status == "live",
            or_(Party.host_id.in_(_followed(viewer.id)), announced),
            unblocked(Party.host_id, viewer.id),
        )
        .order_by(Party.started_at.desc(), Party.id.desc())
        .limit(PARTIES_SHOWN * 2)
    )
    shown = [party for party in live if _may_see_on_home(viewer, party)][:PARTIES_SHOWN]
    now = utcnow()
    soon = db.session.scalars(
        select(Party)
        .where(*party_shapes.starting_soon(now), unblocked(Party.host_id, viewer.id))
        .order_by(Party.scheduled_at, Party.id)
        .limit(PARTIES_SHOWN)
    )
    seen = {party.id for party in shown}
    shown += [party for party in soon if party.id not in seen]
    return [party_card(viewer, party) for party in shown]


def party_on_home(viewer: User, party_id: int) -> dict | None:
    """One party's card for the viewer's home as it is now, if it belongs there, for the
    live region (None: the region drops it)."""
    party = db.session.get(Party, party_id)
    if party is None or not belongs_on_home(viewer, party):
        return None
    return party_card(viewer, party)


# -- conversations and notifications --------------------------------------------------
def unread_conversations(viewer: User, limit: int = UNREAD_SHOWN) -> list[dict]:
    """The viewer's conversations with unread messages, latest activity first."""
    return [row for row in conversation_listing.overview(viewer) if row["unread_count"]][:limit]


def unread_row(viewer: User, conversation_id: int) -> dict | None:
    """One conversation's row while it has unread messages, else None."""
    rows = conversation_listing.overview(viewer, only=conversation_id)
    return rows[0] if rows and rows[0]["unread_count"] else None


def partner_presences(viewer_id: int, rows: list[dict]) -> dict[int, dict | None]:
    """The presence of each direct conversation's other person, by conversation id."""
    found = {}
    for row in rows:
        if row["kind"] == Kind.DIRECT and row.get("other"):
            person = db.session.get(User, row["other"]["id"])
            found[row["id"]] = profiles.visible_presence(viewer_id, person) if person else None
    return found


def is_new(viewer: User) -> bool:
    """A first visit: the person follows nobody and belongs to no conversation yet."""
    follows = db.session.scalar(
        select(Follow.followee_id).where(Follow.follower_id == viewer.id).limit(1)
    )
    member = db.session.scalar(
        select(Membership.id).where(Membership.user_id == viewer.id).limit(1)
    )
    return follows is None and member is None


def recent_notifications(viewer_id: int, limit: int = NOTIFICATIONS_SHOWN) -> list[dict]:
    return [notifications.to_dict(n) for n in notifications.listing(viewer_id, limit=limit)]


# -- people ---------------------------------------------------------------------------
def _not_to_suggest(viewer_id: int):
    """Ids never suggested: oneself, people already followed, blocks either way."""
    return (
        select(Follow.followee_id)
        .where(Follow.follower_id == viewer_id)
        .union(
            select(Block.blocked_id).where(Block.blocker_id == viewer_id),
            select(Block.blocker_id).where(Block.blocked_id == viewer_id),
            select(User.id).where(User.id == viewer_id),
        )
    )


def _users(ids: list[int]) -> list[User]:
    if not ids:
        return []
    found = {
        user.id: user
        for user in db.session.scalars(
            select(User).where(User.id.in_(ids), User.banned_at.is_(None))
        )
    }
    return [found[i] for i in ids if i in found]


class Suggestion(NamedTuple):
    person: User
    reason: str  # why they are suggested, in words shown beside them


def suggestions(viewer: User, limit: int = SUGGESTIONS_SHOWN) -> list[Suggestion]:
    """People to follow: those who follow the viewer and are not followed back (the
    latest first), then friends of friends (followed by people the viewer follows, the
    most shared first), then people who wrote lately in the viewer's groups and rooms."""
    excluded = _not_to_suggest(viewer.id)
    reasons: dict[int, str] = {}  # in the order found
    for tier, reason in _TIERS:
        if len(reasons) >= limit:
            break
        for found in tier(viewer.id, excluded, limit):
            reasons.setdefault(found, reason)
    people = _users(list(reasons)[:limit])
    return [Suggestion(person, reasons[person.id]) for person in people]


def _followers_not_followed_back(viewer_id: int, excluded: Select, limit: int) -> list[int]:
    return list(
        db.session.scalars(
            select(Follow.follower_id)
            .where(Follow.followee_id == viewer_id, Follow.follower_id.not_in(excluded))
            .order_by(Follow.created_at.desc(), Follow.follower_id.desc())
            .limit(limit)
        )
    )


def _friends_of_friends(viewer_id: int, excluded: Select, limit: int) -> list[int]:
    second = Follow.__table__.alias("second")
    return list(
        db.session.scalars(
            select(second.c.followee_id)
            .select_from(Follow)
            .join(second, second.c.follower_id == Follow.followee_id)
            .where(Follow.follower_id == viewer_id, second.c.followee_id.not_in(excluded))
            .group_by(second.c.followee_id)
            .order_by(func.count().desc(), second.c.followee_id)
            .limit(limit)
        )
    )


def _room_neighbours(viewer_id: int, excluded: Select, limit: int) -> list[int]:
    mine = select(Membership.conversation_id).where(Membership.user_id == viewer_id)
    return list(
        db.session.scalars(
            select(Message.sender_id)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .where(
                Message.conversation_id.in_(mine),
                Conversation.kind != Kind.DIRECT,
                Conversation.deleted_at.is_(None),
                Message.sender_id.is_not(None),
                Message.sender_id.not_in(excluded),
                Message.created_at >= utcnow() - ACTIVE_WINDOW,
            )
            .group_by(Message.sender_id)
            .order_by(func.max(Message.id).desc())
            .limit(limit)
        )
    )


_TIERS = (
    (_followers_not_followed_back, "Follows you"),
    (_friends_of_friends, "Followed by people you follow"),
    (_room_neighbours, "Writes in your groups and rooms"),
)


def recently_active(viewer: User, limit: int = RECENT_SHOWN) -> list[User]:
    """People signed in lately (their latest sign-in activity), newest first; blocks
    either way and the viewer left out."""
    blocked = or_(
        User.id.in_(select(Block.blocked_id).where(Block.blocker_id == viewer.id)),
        User.id.in_(select(Block.blocker_id).where(Block.blocked_id == viewer.id)),
    )
    rows = db.session.execute(
        select(LoginSession.user_id, func.max(LoginSession.last_seen_at).label("seen"))
        .join(User, User.id == LoginSession.user_id)
        .where(LoginSession.user_id != viewer.id, User.banned_at.is_(None), ~blocked)
        .group_by(LoginSession.user_id)
        .order_by(func.max(LoginSession.last_seen_at).desc(), LoginSession.user_id.desc())
        .limit(limit)
    ).all()
    return _users([row[0] for row in rows])
