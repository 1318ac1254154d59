"""Comments on posts: writing, editing, deleting and taking down, and typing under a post.

Whoever may see a post (`posts.visible_post`: 404 to everyone else, including whoever is
blocked either way with its author) may comment on it and read its comments. Replies are
one level deep: a reply names the comment it answers, and a reply to a reply is attached
to the top-level comment above it; nobody may answer a person blocked either way with
them. A comment's author edits it; its author or the post's author deletes it; moderators
take it down. Every change is announced on the post's channel (the post's author and
audience, services/post_channels.py) in the unit of work of the change, hidden from
anyone blocked either way with the comment's author, live and replayed, as its list is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import and_, or_, select

from errors import Forbidden, NotFound, ValidationError
from extensions import db
from models.clock import utcnow
from models.columns import fields
from models.comment import CommentLike, PostComment
from models.post import Post
from models.user import User
from realtime.bus import bus
from realtime.comment_events import CREATED, DELETED, TYPING, UPDATED
from realtime.events import posts_channel
from services import (
    comment_redaction,
    moderation,
    notifications_posts,
    posts,
    tallies,
    trust,
    voice,
)
from services.relations import blocked_with, is_blocked_between
from services.unit_of_work import unit_of_work
from services.validation import clock_seconds, is_id

# The latest moment a comment may name, in seconds (a week of video).
VIDEO_TIME_MAX = 7 * 24 * 3600.0


# -- shapes -----------------------------------------------------------------------------
def like_count(comment_id: int) -> int:
    return tallies.count_of(CommentLike.comment_id, comment_id)


def to_dict(comment: PostComment, likes: int | None = None) -> dict:
    """The comment as every reader sees it (the events' shape)."""
    return {
        **comment.authored_dict(like_count(comment.id) if likes is None else likes),
        **fields(comment, "post_id", "parent_id"),
        "video_time": None if comment.gone else comment.video_time,
    }


def for_viewer(
    viewer: User, comment: PostComment, likes: int | None = None, liked: bool | None = None
) -> dict:
    """The comment for one reader: adds whether they like it."""
    if liked is None:
        liked = db.session.get(CommentLike, (comment.id, viewer.id)) is not None
    return {**to_dict(comment, likes), "liked": liked}


def channel_of(post: Post) -> str:
    return posts_channel(post.author_id, post.audience)


# -- who may see ------------------------------------------------------------------------
def visible_comment(viewer: User, comment_id: object) -> tuple[PostComment, Post]:
    """The comment and its post if the viewer may see both (not gone, not hidden from
    them as its thread hides it: see `hidden_from`); NotFound otherwise."""
    comment = db.session.get(PostComment, comment_id) if is_id(comment_id) else None
    if comment is None or comment.gone or not _may_see(viewer, comment):
        raise NotFound("No such comment.")
    try:
        post = posts.visible_post(viewer, comment.post_id)
    except NotFound:
        raise NotFound("No such comment.") from None
    return comment, post


def _under_own_post(actor: User, comment_id: object) -> tuple[PostComment, Post] | None:
    """The comment and its post if it stands under a post of the actor's."""
    comment = db.session.get(PostComment, comment_id) if is_id(comment_id) else None
    if comment is None or comment.gone:
        return None
    post = db.session.get(Post, comment.post_id)
    if post is None or post.author_id != actor.id:
        return None
    return comment, posts.visible_post(actor, post.id)


def hidden_from(comment: PostComment) -> frozenset[int]:
    """Who hears nothing of a comment, as its thread's listing leaves it out for them:
    everyone blocked either way with its author, and for a reply with the author of the
    comment it stands under."""
    hidden = blocked_with(comment.author_id)
    parent = db.session.get(PostComment, comment.parent_id) if comment.parent_id else None
    if parent is not None:
        hidden |= blocked_with(parent.author_id)
    return hidden


def _may_see(viewer: User, comment: PostComment) -> bool:
    """Whether `viewer` is not among hidden_from(comment), asked of the two authors alone."""
    if comment.author_id == viewer.id:
        return True
    parent = db.session.get(PostComment, comment.parent_id) if comment.parent_id else None
    authors = {comment.author_id} | ({parent.author_id} if parent is not None else set())
    return not any(is_blocked_between(viewer.id, author) for author in authors - {viewer.id})


def may_delete(viewer_id: int, author_id: int, post_author_id: int) -> bool:
    """A comment's author deletes it, and so does the author of the post it is under."""
    return viewer_id in (author_id, post_author_id)


# -- input ------------------------------------------------------------------------------
def _video_time(post: Post, value: object) -> float | None:
    """Seconds into the post's video, or None; only a post with a video has moments."""
    if value is None:
        return None
    if post.video_url is None:
        raise ValidationError(
            "Only a comment on a post with a video can name a moment of it.", field="video_time"
        )
    return clock_seconds(value, "video_time", maximum=VIDEO_TIME_MAX)


def _parent(actor: User, post: Post, parent_id: object) -> PostComment | None:
    """The top-level comment a reply goes under (a reply to a reply goes under the
    comment above it); None for a comment of its own."""
    if parent_id is None:
        return None
    answered = db.session.get(PostComment, parent_id) if is_id(parent_id) else None
    if answered is None or answered.post_id != post.id or answered.gone:
        raise NotFound("No such comment to reply to.")
    top = (
        answered if answered.parent_id is None else db.session.get(PostComment, answered.parent_id)
    )
    # Neither the one answered nor the one it goes under: its thread is hidden from them.
    for above in (answered, top):
        if above.author_id != actor.id and is_blocked_between(actor.id, above.author_id):
            raise Forbidden("You can't reply to this person.", code="blocked")
    return top


# -- writing ----------------------------------------------------------------------------
@unit_of_work
def create(
    actor: User, post_id: object, body: object, parent_id: object = None, video_time: object = None
) -> dict:
    """Comment on a post (or reply to a comment); everyone who hears of the post hears of
    it at once."""
    post = posts.visible_post(actor, post_id)
    voice.can_speak(actor)
    parent = _parent(actor, post, parent_id)
    comment = PostComment(
        post_id=post.id,
        author_id=actor.id,
        parent_id=parent.id if parent else None,
        text=trust.written_text(actor, body, "COMMENT_MAX_CHARS", "Comments", required=True),
        video_time=_video_time(post, video_time),
    )
    db.session.add(comment)
    db.session.flush()
    shown = to_dict(comment, likes=0)
    bus.publish(channel_of(post), CREATED, shown, hidden_from(comment))
    notifications_posts.commented(actor, post, comment, parent, posts.may_see)
    return {**shown, "liked": False}


@unit_of_work
def edit(actor: User, comment_id: object, changes: Mapping[str, Any]) -> dict:
    """The author changes the text or the moment (`changes` names those that change)."""
    comment, post = visible_comment(actor, comment_id)
    if comment.author_id != actor.id:
        raise Forbidden("You can only edit your own comments.")
    voice.can_speak(actor)
    before = comment.text
    comment.text = trust.written_text(
        actor, changes.get("text", comment.text), "COMMENT_MAX_CHARS", "Comments", required=True
    )
    if "video_time" in changes:
        comment.video_time = _video_time(post, changes["video_time"])
    comment.edited_at = utcnow()
    shown = to_dict(comment)
    blocked = hidden_from(comment)
    comment_redaction.redact(comment.id, shown, blocked)
    bus.publish(channel_of(post), UPDATED, shown, blocked)
    notifications_posts.comment_edited(actor, post, comment, before, posts.may_see)
    return for_viewer(actor, comment, likes=shown["likes"])


@unit_of_work
def delete(actor: User, comment_id: object) -> int:
    """Its author, or the author of the post it is under, deletes it; the post's id. The
    post's author may, whoever wrote it: a block hides a harasser's comments from the
    one who blocked, not from everyone else under their post."""
    comment, post = _under_own_post(actor, comment_id) or visible_comment(actor, comment_id)
    if not may_delete(actor.id, comment.author_id, post.author_id):
        raise Forbidden("You can only delete your own comments, or comments on your posts.")
    comment.deleted_at = utcnow()
    _retract(post, comment)
    return post.id


@unit_of_work
def remove(actor: User, comment_id: object, reason: object = "") -> None:
    """Moderators take any comment down; it is gone for everyone, its author included."""
    comment = moderation.takedown(
        actor, PostComment, comment_id, "comment", reason, owner="author_id", noted=("post_id",)
    )
    if comment is not None:
        comment.removed_at = utcnow()
        _retract(db.session.get(Post, comment.post_id), comment)


def end_between(one_id: int, other_id: int) -> None:
    """Before a block between the two: each one's standing comments under the other's
    posts are deleted, as a post's author may delete them, so that a post's author goes
    on seeing every comment under it. Both pages hear of it: the block is not yet made.
    What stays (under third persons' posts) is no longer replayed to the other."""
    under_the_others = or_(
        and_(PostComment.author_id == one_id, Post.author_id == other_id),
        and_(PostComment.author_id == other_id, Post.author_id == one_id),
    )
    found = db.session.execute(
        select(PostComment, Post)
        .join(Post, Post.id == PostComment.post_id)
        .where(under_the_others, PostComment.deleted_at.is_(None), PostComment.removed_at.is_(None))
        .order_by(PostComment.id)
    )
    now = utcnow()
    for comment, post in found.all():
        comment.deleted_at = now
        _retract(post, comment)
    comment_redaction.hide_between(one_id, other_id)


def _retract(post: Post, comment: PostComment) -> None:
    comment.text, comment.video_time = "", None
    comment_redaction.forget(comment.id, to_dict(comment))
    gone = {"post_id": post.id, "comment_id": comment.id}
    bus.publish(channel_of(post), DELETED, gone, hidden_from(comment))


# -- typing -----------------------------------------------------------------------------
def typing(actor: User, post_id: object) -> None:
    """Tell whoever hears of the post that the actor is writing a comment under it now;
    readers stop showing it by themselves after a few seconds without another."""
    post = posts.visible_post(actor, post_id)
    voice.can_speak(actor)
    writing = {"post_id": post.id, "user": actor.to_summary()}
    bus.send_now(channel_of(post), TYPING, writing, blocked_with(actor.id))
