"""Follows and blocks. Friends are mutual follows; a block cuts every tie both ways
(playlists too: playlist_people.cut_ties)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import and_, bindparam, delete, func, or_, select
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute

from errors import Conflict, Forbidden, ValidationError
from extensions import db
from models.conversation import Conversation, Membership
from models.driver_statements import DriverStatement
from models.social import Block, Follow
from models.user import User
from realtime.bus import bus
from realtime.channels import provider
from realtime.events import PRESENCE_HIDDEN, presence_channel, user_channel
from services import (
    accounts,
    comments,
    notification_people,
    notifications,
    playlist_people,
    post_channels,
)
from services.relations import has_blocked, is_following

PER_PAGE_MAX = 100

COUNTS = "profile:counts"


@dataclass(frozen=True)
class Page:
    users: list[User]
    page: int
    per_page: int
    total: int

    @property
    def has_next(self) -> bool:
        return self.page * self.per_page < self.total

    def to_dict(self) -> dict:
        return {
            "users": [user.to_public() for user in self.users],
            "page": self.page,
            "per_page": self.per_page,
            "total": self.total,
            "next_page": self.page + 1 if self.has_next else None,
        }


def _other(actor: User, username: str, verb: str) -> User:
    target = accounts.get_by_username(username)
    if target.id == actor.id:
        raise ValidationError(f"You cannot {verb} yourself.", code=f"cannot_{verb}_self")
    return target


def follow(actor: User, username: str) -> User:
    """Follow someone (again: nothing changes). Blocked either way: forbidden."""
    target = _other(actor, username, "follow")
    if has_blocked(actor.id, target.id):
        raise Conflict("Unblock this person before following them.", code="blocked_by_you")
    if has_blocked(target.id, actor.id):
        raise Forbidden("You cannot follow this person.")
    if is_following(actor.id, target.id):
        return target
    db.session.add(Follow(follower_id=actor.id, followee_id=target.id))
    try:
        db.session.flush()
    except IntegrityError:  # a concurrent follow of the same pair won
        db.session.rollback()
        return target
    bus.subscribe_user(actor.id, presence_channel(target.id))
    post_channels.followed(actor.id, target.id)
    tell_counts(actor.id, target.id)
    notifications.notify(
        target.id, notifications.FOLLOW, actor=actor, subject={"type": "user", "id": actor.id}
    )
    db.session.commit()
    return target


def unfollow(actor: User, username: str) -> User:
    target = _other(actor, username, "unfollow")
    ended = db.session.execute(
        delete(Follow).where(Follow.follower_id == actor.id, Follow.followee_id == target.id)
    )
    if ended.rowcount:
        tell_counts(actor.id, target.id)
    # Presence is shown to anyone not blocked either way: an open page showing theirs
    # keeps it, and a direct conversation with them keeps it in the stream.
    if not _share_direct(actor.id, target.id):
        bus.unsubscribe_user(actor.id, presence_channel(target.id), keep_pages=True)
    post_channels.unfollowed(actor.id, target.id)
    db.session.commit()
    return target


def block(actor: User, username: str) -> User:
    """Block someone: follows end both ways, neither sees the other's presence, and
    each one's comments under the other's posts are deleted."""
    target = _other(actor, username, "block")
    if has_blocked(actor.id, target.id):
        return target
    comments.end_between(actor.id, target.id)
    db.session.add(Block(blocker_id=actor.id, blocked_id=target.id))
    ended = db.session.execute(
        delete(Follow).where(
            or_(
                and_(Follow.follower_id == actor.id, Follow.followee_id == target.id),
                and_(Follow.follower_id == target.id, Follow.followee_id == actor.id),
            )
        )
    )
    try:
        db.session.flush()
    except IntegrityError:  # blocked a moment ago from another request
        db.session.rollback()
        return target
    _part_ways(actor.id, target.id)
    if ended.rowcount:
        tell_counts(actor.id, target.id)
    db.session.commit()
    return target


def tell_counts(*people: int) -> None:
    """Each one's follower and following counts, as this change leaves them, to whoever
    may see their presence (after the channels' changes: the other of a block not)."""
    for person, each in counts_of(people).items():
        bus.publish(presence_channel(person), COUNTS, {"user_id": person, **each})


def _part_ways(blocker_id: int, blocked_id: int) -> None:
    """What a block ends besides the follows: shared playlists, and each one's view of
    the other's presence and posts."""
    playlist_people.cut_ties(blocker_id, blocked_id)
    notification_people.part(blocker_id, blocked_id)
    notification_people.part(blocked_id, blocker_id)
    bus.unsubscribe_user(blocker_id, presence_channel(blocked_id))
    bus.unsubscribe_user(blocked_id, presence_channel(blocker_id))
    # What each one's open pages showed of the other's presence goes too.
    bus.publish(user_channel(blocker_id), PRESENCE_HIDDEN, {"user_id": blocked_id})
    bus.publish(user_channel(blocked_id), PRESENCE_HIDDEN, {"user_id": blocker_id})
    post_channels.blocked(blocker_id, blocked_id)


def unblock(actor: User, username: str) -> User:
    target = _other(actor, username, "unblock")
    removed = db.session.execute(
        delete(Block).where(Block.blocker_id == actor.id, Block.blocked_id == target.id)
    ).rowcount
    if removed and not has_blocked(target.id, actor.id) and _share_direct(actor.id, target.id):
        # A direct conversation's stream carries the other's presence again.
        bus.subscribe_user(actor.id, presence_channel(target.id))
        bus.subscribe_user(target.id, presence_channel(actor.id))
    db.session.commit()
    return target


def _share_direct(a: int, b: int) -> bool:
    """Whether both are members of their live direct conversation."""
    key = f"{min(a, b)}:{max(a, b)}"
    members = db.session.scalar(
        select(func.count())
        .select_from(Membership)
        .join(Conversation, Conversation.id == Membership.conversation_id)
        .where(
            Conversation.direct_key == key,
            Conversation.deleted_at.is_(None),
            Membership.user_id.in_((a, b)),
        )
    )
    return members == 2


def blocked_users(actor: User) -> list[User]:
    query = (
        select(User)
        .join(Block, Block.blocked_id == User.id)
        .where(Block.blocker_id == actor.id)
        .order_by(Block.created_at.desc())
    )
    return list(db.session.scalars(query))


def _page_of(query, page: int, per_page: int) -> Page:
    if page < 1:
        raise ValidationError("'page' must be 1 or more.", field="page")
    if not 1 <= per_page <= PER_PAGE_MAX:
        raise ValidationError(f"'per_page' must be between 1 and {PER_PAGE_MAX}.", field="per_page")
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    users = list(db.session.scalars(query.offset((page - 1) * per_page).limit(per_page)))
    return Page(users=users, page=page, per_page=per_page, total=total)


def _follow_list(username: str, page: int, per_page: int, listed, of) -> Page:
    """A page of the people on one side (`listed`) of the follows of `username` (`of`)."""
    user = accounts.get_by_username(username)
    query = (
        select(User)
        .join(Follow, listed == User.id)
        .where(of == user.id)
        .order_by(Follow.created_at.desc(), User.id)
    )
    return _page_of(query, page, per_page)


def followers(username: str, page: int = 1, per_page: int = 20) -> Page:
    return _follow_list(username, page, per_page, Follow.follower_id, Follow.followee_id)


def following(username: str, page: int = 1, per_page: int = 20) -> Page:
    return _follow_list(username, page, per_page, Follow.followee_id, Follow.follower_id)


def relation(viewer_id: int, user_id: int) -> dict[str, bool]:
    """How the viewer and another person stand: follows either way, blocks either way."""
    return {
        "following": is_following(viewer_id, user_id),
        "follows_you": is_following(user_id, viewer_id),
        "blocked": has_blocked(viewer_id, user_id),
        "blocked_you": has_blocked(user_id, viewer_id),
    }


def counts(user_id: int) -> dict[str, int]:
    """How many follow the person (`followers`) and how many they follow (`following`)."""
    return counts_of([user_id])[user_id]


COUNTED_AT_ONCE = 500  # people per statement, well inside any database's bound values


def counts_of(people: Iterable[int]) -> dict[int, dict[str, int]]:
    """`counts` of many people, two grouped statements for each `COUNTED_AT_ONCE`."""
    found: dict[int, dict[str, int]] = {}
    ids = sorted(set(people))
    for start in range(0, len(ids), COUNTED_AT_ONCE):
        some = ids[start : start + COUNTED_AT_ONCE]
        followers_of = dict(_grouped_count(Follow.followee_id, some))
        followed_by = dict(_grouped_count(Follow.follower_id, some))
        for person in some:
            found[person] = {
                "followers": followers_of.get(person, 0),
                "following": followed_by.get(person, 0),
            }
    return found


def _grouped_count(side: InstrumentedAttribute[int], people: list[int]) -> Iterable[Row]:
    return db.session.execute(
        select(side, func.count()).where(side.in_(people)).group_by(side)
    ).all()


# Built once, run on the driver's cursor (models/driver_statements.py): every first
# handshake of a user asks it.
_FOLLOWED = DriverStatement(
    select(Follow.followee_id).where(Follow.follower_id == bindparam("user_id"))
)


@provider
def _presence_of_followed(user_id: int) -> list[str]:
    """A follower's stream carries the presence of the people they follow."""
    rows = _FOLLOWED.rows(db.session.connection(), {"user_id": user_id})
    return [presence_channel(other) for (other,) in rows]
