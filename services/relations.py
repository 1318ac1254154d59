"""Read-only questions about two people: does one follow or block the other?"""

from __future__ import annotations

from sqlalchemy import and_, bindparam, exists, or_, select

from extensions import db
from models.social import Block, Follow

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
