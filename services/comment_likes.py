"""Likes of comments: one per person and comment, counted, and who likes one.

Like a post's (services/posts.py), the likes of one comment change one after another, so
each `comment:liked` announces a count that includes every like committed before it.
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from extensions import db
from models.comment import CommentLike, PostComment
from models.post import Post
from models.user import User
from realtime.bus import bus
from realtime.comment_events import LIKED
from services import comment_listing, comments, relations, voice
from services.unit_of_work import unit_of_work


@unit_of_work
def like(actor: User, comment_id: object) -> dict:
    """Like it; liking again changes nothing."""
    comment, post = comments.visible_comment(actor, comment_id)
    voice.can_speak(actor)
    _one_like_at_a_time(comment)
    if db.session.get(CommentLike, (comment.id, actor.id)) is None:
        db.session.add(CommentLike(comment_id=comment.id, user_id=actor.id))
        try:
            db.session.flush()
        except IntegrityError:  # the same like from another request won
            db.session.rollback()
            return _likes(comment, True)
        _announce(comment, comments.channel_of(post))
    return _likes(comment, True)


@unit_of_work
def unlike(actor: User, comment_id: object) -> dict:
    """Take the like back; unliking what one does not like changes nothing."""
    comment, post = comments.visible_comment(actor, comment_id)
    _one_like_at_a_time(comment)
    taken = db.session.execute(
        delete(CommentLike).where(
            CommentLike.comment_id == comment.id, CommentLike.user_id == actor.id
        )
    ).rowcount
    if taken:
        _announce(comment, comments.channel_of(post))
    return _likes(comment, False)


def withdraw(person: User) -> None:
    """A deleted account's likes of comments are taken back, and each comment still
    standing announces its count without them. Part of the caller's unit of work."""
    liked = list(
        db.session.scalars(select(CommentLike.comment_id).where(CommentLike.user_id == person.id))
    )
    db.session.execute(delete(CommentLike).where(CommentLike.user_id == person.id))
    found = db.session.execute(
        select(PostComment, Post)
        .join(Post, Post.id == PostComment.post_id)
        .where(PostComment.id.in_(liked))
    )
    for comment, post in found.all():
        if not comment.gone:
            _announce(comment, comments.channel_of(post))


def _one_like_at_a_time(comment: PostComment) -> None:
    """The comment's row stays locked until the commit (SQLite has one writer anyway)."""
    db.session.execute(select(PostComment.id).where(PostComment.id == comment.id).with_for_update())


def _announce(comment: PostComment, channel: str) -> None:
    data = {"post_id": comment.post_id, "comment_id": comment.id}
    likes = comments.like_count(comment.id)
    bus.publish(channel, LIKED, {**data, "likes": likes}, comments.hidden_from(comment))


def _likes(comment: PostComment, liked: bool) -> dict:
    return {
        "post_id": comment.post_id,
        "comment_id": comment.id,
        "likes": comments.like_count(comment.id),
        "liked": liked,
    }


def likers(viewer: User, comment_id: object, limit: object = None) -> dict:
    """Who likes a comment the viewer may see, newest like first; people blocked either
    way with the viewer and deleted accounts are left out."""
    comment, _post = comments.visible_comment(viewer, comment_id)
    size = comment_listing.page_size(limit, comment_listing.LIKERS_MAX)
    people = relations.likers(viewer.id, CommentLike, CommentLike.comment_id == comment.id, size)
    return {
        "post_id": comment.post_id,
        "comment_id": comment.id,
        "likes": comments.like_count(comment.id),
        "users": [person.to_summary() for person in people],
    }
