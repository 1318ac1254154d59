"""Lists of posts, newest first, a page at a time: one's feed (the people one follows, and
oneself), discover (recent public posts) and one person's posts; and who likes a post.

Every list applies the rule of services/posts.py (`may_see`) as a query
(`visible_filter`), leaves out posts deleted or taken down and everyone blocked either
way. Pages go by post id with an opaque cursor: the next page holds the posts older than
the last one shown, so paging never repeats or skips a post, whatever is posted meanwhile.
"""

from __future__ import annotations

import re

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import contains_eager
from sqlalchemy.sql import ColumnElement, Select

from errors import ValidationError
from extensions import db
from models.post import Post, PostLike
from models.social import Block, Follow
from models.user import User
from services import accounts, posts, relations, tallies

PAGE_DEFAULT = 20
PAGE_MAX = 100
# How many of the site's latest posts a feed looks through first (see `feed`).
RECENT_WINDOW = 10_000
LIKERS_MAX = 100
_CURSOR = re.compile(r"p([0-9a-z]{1,13})")


def encode_cursor(post_id: int) -> str:
    return "p" + _base36(post_id)


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
        if not number:
            return out


def decode_cursor(cursor: object) -> int | None:
    """The id below which the page starts; None for the first page."""
    if cursor is None or cursor == "":
        return None
    match = _CURSOR.fullmatch(cursor) if isinstance(cursor, str) else None
    if match is None:
        raise ValidationError("That cursor is not one this list gave.", field="cursor")
    return int(match.group(1), 36)


def _limit(limit: object) -> int:
    if limit is None:
        return PAGE_DEFAULT
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= PAGE_MAX:
        raise ValidationError(f"'limit' must be from 1 to {PAGE_MAX}.", field="limit")
    return limit


def _blocked_either_way(viewer_id: int) -> ColumnElement[bool]:
    blocked = select(Block.blocked_id).where(Block.blocker_id == viewer_id)
    blockers = select(Block.blocker_id).where(Block.blocked_id == viewer_id)
    return or_(Post.author_id.in_(blocked), Post.author_id.in_(blockers))


def visible_filter(viewer_id: int) -> ColumnElement[bool]:
    """`posts.may_see` as a condition on Post, for lists."""
    followed = select(Follow.followee_id).where(Follow.follower_id == viewer_id)
    followers = select(Follow.follower_id).where(Follow.followee_id == viewer_id)
    others = or_(
        Post.audience == "public",
        and_(Post.audience == "followers", Post.author_id.in_(followed)),
        and_(
            Post.audience == "friends", Post.author_id.in_(followed), Post.author_id.in_(followers)
        ),
    )
    return or_(
        Post.author_id == viewer_id,
        and_(others, ~_blocked_either_way(viewer_id), User.deleted_at.is_(None)),
    )


def _listed(viewer: User, *conditions: ColumnElement[bool]) -> Select:
    return (
        select(Post)
        .join(User, User.id == Post.author_id)
        .options(contains_eager(Post.author))
        .where(
            Post.deleted_at.is_(None),
            Post.removed_at.is_(None),
            visible_filter(viewer.id),
            *conditions,
        )
    )


def _newest(query: Select, before: int | None, size: int) -> list[Post]:
    """Up to `size + 1` posts of `query` older than `before`, newest first (one more than
    is shown tells whether there is a next page)."""
    if before is not None:
        query = query.where(Post.id < before)
    return list(db.session.scalars(query.order_by(Post.id.desc()).limit(size + 1)))


def _page(viewer: User, query: Select, cursor: object, limit: object) -> dict:
    size, before = _limit(limit), decode_cursor(cursor)
    return _shown(viewer, _newest(query, before, size), size)


def _shown(viewer: User, found: list[Post], size: int) -> dict:
    shown = found[:size]
    ids = [post.id for post in shown]
    counts, mine = tallies.likes_of(PostLike.post_id, ids, viewer.id)
    return {
        "posts": [
            posts.for_viewer(viewer, post, counts.get(post.id, 0), post.id in mine)
            for post in shown
        ],
        "next_cursor": encode_cursor(shown[-1].id) if len(found) > size else None,
    }


def _mine_or_followed(viewer_id: int, author: ColumnElement[int]) -> ColumnElement[bool]:
    followed = select(Follow.followee_id).where(Follow.follower_id == viewer_id)
    return or_(author == viewer_id, author.in_(followed))


def feed(viewer: User, cursor: object = None, limit: object = None) -> dict:
    """The posts of the people the viewer follows, and their own, that they may see.

    Looked for first among the latest RECENT_WINDOW posts, read newest first until the
    page is full (`+ 0` keeps the author index out: through it, the database would read
    every post of everyone followed and sort them all to keep one page, 200 ms for 500
    people with 50 posts each). A page not found there (few or quiet people followed)
    comes from the author index, which is then cheap."""
    size, before = _limit(limit), decode_cursor(cursor)
    top = before if before is not None else (db.session.scalar(select(func.max(Post.id))) or 0) + 1
    recent = _listed(
        viewer, _mine_or_followed(viewer.id, Post.author_id + 0), Post.id >= top - RECENT_WINDOW
    )
    found = _newest(recent, before, size)
    if len(found) <= size:
        found = _newest(_listed(viewer, _mine_or_followed(viewer.id, Post.author_id)), before, size)
    return _shown(viewer, found, size)


def newer_count(viewer: User, after_id: int, most: int = 100) -> int:
    """How many posts of others in the viewer's feed came after `after_id` (at most
    `most`): what a feed shown up to that post has not shown yet."""
    followed = select(Follow.followee_id).where(Follow.follower_id == viewer.id)
    query = _listed(viewer, Post.author_id.in_(followed), Post.id > after_id)
    return len(db.session.scalars(query.with_only_columns(Post.id).limit(most)).all())


def discover(viewer: User, cursor: object = None, limit: object = None) -> dict:
    """Recent public posts of anyone (but people blocked either way)."""
    return _page(viewer, _listed(viewer, Post.audience == "public"), cursor, limit)


def posts_by(viewer: User, username: str, cursor: object = None, limit: object = None) -> dict:
    """One person's posts that the viewer may see; nobody at all when blocked either way."""
    author = accounts.get_by_username(username)
    return _page(viewer, _listed(viewer, Post.author_id == author.id), cursor, limit)


def likers(viewer: User, post_id: object, limit: object = None) -> dict:
    """Who likes a post the viewer may see, newest like first: people blocked either way
    with the viewer and deleted accounts are left out."""
    post = posts.visible_post(viewer, post_id)
    size = LIKERS_MAX if limit is None else _limit(limit)
    people = relations.likers(viewer.id, PostLike, PostLike.post_id == post.id, size)
    return {
        "post_id": post.id,
        "likes": posts.like_count(post.id),
        "users": [u.to_summary() for u in people],
    }
