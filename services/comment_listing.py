"""A post's comments for one reader: oldest first, each top-level comment with its
replies under it (oldest first), a page of top-level comments at a time.

Comments by people blocked either way with the reader are left out (a top-level one with
its replies). A deleted or removed comment is left out too, unless it is a top-level one
with replies still standing: it stays as an empty "deleted" row above them. Pages go by
comment id with an opaque cursor (`p<base 36 id>`, as the post lists): the next page holds
the top-level comments after the last one shown, so comments written meanwhile never
shift a page.
"""

from __future__ import annotations

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import aliased
from sqlalchemy.sql import ColumnElement

from errors import ValidationError
from extensions import db
from models.comment import CommentLike, PostComment
from models.social import Block
from models.user import User
from services import comments, feed, posts, tallies

PAGE_DEFAULT = 20
PAGE_MAX = 100
LIKERS_MAX = 100


def page_size(limit: object, default: int = PAGE_DEFAULT) -> int:
    if limit is None:
        return default
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= PAGE_MAX:
        raise ValidationError(f"'limit' must be from 1 to {PAGE_MAX}.", field="limit")
    return limit


def _standing(comment: type[PostComment]) -> ColumnElement[bool]:
    return and_(comment.deleted_at.is_(None), comment.removed_at.is_(None))


def _not_blocked(viewer_id: int, comment: type[PostComment]) -> ColumnElement[bool]:
    blocked = select(Block.blocked_id).where(Block.blocker_id == viewer_id)
    blockers = select(Block.blocker_id).where(Block.blocked_id == viewer_id)
    return and_(comment.author_id.not_in(blocked), comment.author_id.not_in(blockers))


def _shown_tops(viewer: User, post_id: int) -> ColumnElement[bool]:
    """The post's top-level comments the viewer's thread shows."""
    reply = aliased(PostComment)
    # A gone comment stays for replies the viewer sees, and only for those.
    has_replies = exists().where(
        reply.parent_id == PostComment.id, _standing(reply), _not_blocked(viewer.id, reply)
    )
    return and_(
        PostComment.post_id == post_id,
        PostComment.parent_id.is_(None),
        _not_blocked(viewer.id, PostComment),
        or_(_standing(PostComment), has_replies),
    )


def earlier_than(viewer: User, post_id: object, cursor: object) -> bool:
    """Whether the thread shows comments before the page that starts after `cursor` (a
    page opened in the middle of the thread offers a way back to its start)."""
    post = posts.visible_post(viewer, post_id)
    after = feed.decode_cursor(cursor)
    if after is None:
        return False
    query = select(PostComment.id).where(_shown_tops(viewer, post.id), PostComment.id <= after)
    return db.session.scalar(query.limit(1)) is not None


def listing(viewer: User, post_id: object, cursor: object = None, limit: object = None) -> dict:
    """The comments of a post the viewer may see (404 otherwise), a page at a time."""
    post = posts.visible_post(viewer, post_id)
    size, after = page_size(limit), feed.decode_cursor(cursor)
    query = select(PostComment).where(_shown_tops(viewer, post.id))
    if after is not None:
        query = query.where(PostComment.id > after)
    found = list(db.session.scalars(query.order_by(PostComment.id).limit(size + 1)))
    shown = found[:size]
    replies = _replies(viewer, [comment.id for comment in shown])
    counts, mine = _likes(viewer, [c.id for c in shown] + [r.id for r in replies])

    def described(comment: PostComment) -> dict:
        return comments.for_viewer(viewer, comment, counts.get(comment.id, 0), comment.id in mine)

    return {
        "post_id": post.id,
        "comments": [
            {
                **described(comment),
                "replies": [described(r) for r in replies if r.parent_id == comment.id],
            }
            for comment in shown
        ],
        "next_cursor": feed.encode_cursor(shown[-1].id) if len(found) > size else None,
    }


def _replies(viewer: User, parent_ids: list[int]) -> list[PostComment]:
    if not parent_ids:
        return []
    query = select(PostComment).where(
        PostComment.parent_id.in_(parent_ids),
        _standing(PostComment),
        _not_blocked(viewer.id, PostComment),
    )
    return list(db.session.scalars(query.order_by(PostComment.id)))


def _likes(viewer: User, ids: list[int]) -> tuple[dict[int, int], set[int]]:
    """How many like each comment, and which the viewer likes."""
    return tallies.likes_of(CommentLike.comment_id, ids, viewer.id)
