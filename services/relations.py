"""Read-only questions about two people: does one follow or block the other? And the
same as query conditions, for lists of people one reader may see."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, bindparam, exists, or_, select

from extensions import db
from models.social import Block, Follow
from models.user import User

# Built once, run as Core on the session's connection: a handshake asks it for every
# direct conversation's partner.
_BLOCKS_AMONG = select(Block.blocker_id, Block.blocked_id).where(
    or_(
        and_(
            Block.blocker_id == bindparam("user_id"),
            Block.blocked_id.in_(bindparam("others", expanding=True)),
        ),
        and_(
            Block.blocked_id == bindparam("user_id"),
            Block.blocker_id.in_(bindparam("others", expanding=True)),
        ),
    )
)


def blocked_among(user_id: int, others: set[int]) -> set[int]:
    """Those of `others` who blocked `user_id` or whom `user_id` blocked, in one query."""
    if not others:
        return set()
    rows = db.session.connection().execute(
        _BLOCKS_AMONG, {"user_id": user_id, "others": list(others)}
    )
    return {blocked if blocker == user_id else blocker for blocker, blocked in rows}


def blocked_with(user_id: int) -> frozenset[int]:
    """Everyone who blocked `user_id` or whom `user_id` blocked."""
    rows = db.session.execute(
        select(Block.blocker_id, Block.blocked_id).where(
            or_(Block.blocker_id == user_id, Block.blocked_id == user_id)
        )
    )
    return frozenset(blocked if blocker == user_id else blocker for blocker, blocked in rows)


def is_blocked_between(a: int, b: int) -> bool:
    """True when either of the two has blocked the other."""
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    or_(
                        and_(Block.blocker_id == a, Block.blocked_id == b),
                        and_(Block.blocker_id == b, Block.blocked_id == a),
                    )
                )
            )
        )
    )


def has_blocked(blocker: int, blocked: int) -> bool:
    return db.session.get(Block, (blocker, blocked)) is not None


def is_following(follower: int, followee: int) -> bool:
    return db.session.get(Follow, (follower, followee)) is not None


def are_friends(a: int, b: int) -> bool:
    """Friends follow each other."""
    return is_following(a, b) and is_following(b, a)


def friend_ids(user_id: int) -> set[int]:
    mine = select(Follow.followee_id).where(Follow.follower_id == user_id)
    back = select(Follow.follower_id).where(Follow.followee_id == user_id)
    return set(db.session.scalars(mine.intersect(back)))


def follower_ids(user_id: int) -> list[int]:
    return list(db.session.scalars(select(Follow.follower_id).where(Follow.followee_id == user_id)))


def unblocked(person_id: ColumnElement[int], viewer_id: int) -> ColumnElement[bool]:
    """`person_id` is nobody the viewer blocked, nor anyone who blocked the viewer."""
    they = select(Block.blocked_id).where(Block.blocker_id == viewer_id)
    me = select(Block.blocker_id).where(Block.blocked_id == viewer_id)
    return and_(person_id.not_in(they), person_id.not_in(me))


def likers(viewer_id: int, like: type, liked: ColumnElement[bool], limit: int) -> list[User]:
    """Who likes something (the `like` rows meeting `liked`), newest like first, as the
    viewer may see them: no deleted accounts, nobody blocked either way."""
    query = (
        select(User)
        .join(like, like.user_id == User.id)
        .where(liked, User.deleted_at.is_(None), unblocked(User.id, viewer_id))
        .order_by(like.created_at.desc(), User.id)
        .limit(limit)
    )
    return list(db.session.scalars(query))
