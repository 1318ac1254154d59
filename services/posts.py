"""Posts: writing, editing, deleting and taking down, who may see one, and likes.

Who may see a post is one rule (`may_see`, and `visible_filter` for lists, in
services/feed.py): its author always; nobody blocked either way; anyone signed in for a
public post, the author's followers for a followers post, their friends (mutual follows)
for a friends post. To everyone else a post does not exist: 404, never 403. Every change
is announced on the channel of the post's author and audience (services/post_channels.py)
in the unit of work of the change.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

from sqlalchemy import delete, select

from errors import Forbidden, NotFound, ValidationError
from extensions import db
from models.clock import utcnow
from models.post import AUDIENCES, Post, PostLike
from models.user import User
from realtime.bus import bus
from realtime.events import posts_channel
from services import (
    comment_redaction,
    moderation,
    notifications_posts,
    party_media,
    post_images,
    tallies,
    trust,
    voice,
)
from services.relations import blocked_with, is_blocked_between, is_following
from services.unit_of_work import unit_of_work
from services.validation import is_id, one_of

CREATED = "post:created"
UPDATED = "post:updated"
DELETED = "post:deleted"
LIKED = "post:liked"


# -- shapes -----------------------------------------------------------------------------
def like_count(post_id: int) -> int:
    return tallies.count_of(PostLike.post_id, post_id)


def to_dict(post: Post, likes: int | None = None) -> dict:
    """The post as every reader sees it (the events' shape)."""
    gone = post.gone
    return {
        **post.authored_dict(like_count(post.id) if likes is None else likes),
        "video_url": None if gone else post.video_url,
        "image_url": post_images.url(post),
        "image_alt": None if gone else post.image_alt,
        "audience": post.audience,
    }


def for_viewer(viewer: User, post: Post, likes: int | None = None, liked: bool | None = None):
    """The post for one reader: adds whether they like it."""
    if liked is None:
        liked = db.session.get(PostLike, (post.id, viewer.id)) is not None
    return {**to_dict(post, likes), "liked": liked}


def _channel(post: Post) -> str:
    return posts_channel(post.author_id, post.audience)


# -- who may see ------------------------------------------------------------------------
def may_see(viewer: User, post: Post) -> bool:
    if post.gone:
        return False
    if post.author_id == viewer.id:
        return True
    if is_blocked_between(viewer.id, post.author_id) or post.author.is_deleted:
        return False
    if post.audience == "public":
        return True
    if not is_following(viewer.id, post.author_id):
        return False
    return post.audience == "followers" or is_following(post.author_id, viewer.id)


def visible_post(viewer: User, post_id: object) -> Post:
    """The post if the viewer may see it; NotFound, as for an id nobody has, otherwise."""
    post = db.session.get(Post, post_id) if is_id(post_id) else None
    if post is None or not may_see(viewer, post):
        raise NotFound("No such post.")
    return post


def page_channels(viewer: User, post_id: object) -> set[str]:
    """The post's channel for the stream of its open page, if the viewer may see it: one
    who does not follow its author hears its comments, likes and typing while it is open."""
    try:
        return {_channel(visible_post(viewer, post_id))}
    except NotFound:
        return set()


def public_channels(viewer: User, author_ids: list[int]) -> set[str]:
    """The channels of these authors' public posts, for the stream of a page that shows
    some (a profile, Discover): its cards hear their likes, edits and deletion. Not those
    of anyone blocked either way (the viewer's own and followed authors' are in their
    stream already)."""
    hidden = blocked_with(viewer.id)
    return {
        posts_channel(author_id, "public")
        for author_id in author_ids
        if author_id != viewer.id and author_id not in hidden
    }


def image_file(viewer: User, post_id: object) -> tuple[Path, str]:
    """A post's image file and content type, for whoever may see the post."""
    return post_images.stored(visible_post(viewer, post_id))


def shown_to(viewer: User, post_id: object) -> dict:
    """One post, as the viewer sees it."""
    return for_viewer(viewer, visible_post(viewer, post_id))


def can_change(viewer_id: int, shown: Mapping[str, Any]) -> bool:
    """Only its author edits or deletes a post (moderators take posts down instead)."""
    return shown["author"]["id"] == viewer_id and not shown["deleted"]


def own_post(actor: User, post_id: object) -> dict:
    """A post its author may change, as they see it: NotFound for one they may not see,
    Forbidden for someone else's."""
    post = visible_post(actor, post_id)
    if post.author_id != actor.id:
        raise Forbidden("You can only change your own posts.")
    return for_viewer(actor, post)


# -- input ------------------------------------------------------------------------------
def _video(actor: User, value: object) -> str | None:
    """A YouTube link or a direct http(s) video link, as a party plays them; none: None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise ValidationError("'video_url' must be a link.", field="video_url")
    try:
        party_media.media_kind(value)
    except ValidationError as refusal:
        raise ValidationError(refusal.message, code=refusal.code, field="video_url") from None
    url = value.strip()
    trust.check_links(actor, url, "video_url")
    return url


def _content(
    actor: User, body: object, video_url: object, has_image: bool
) -> tuple[str, str | None]:
    words = trust.written_text(actor, body, "POST_MAX_CHARS", "Posts")
    video = _video(actor, video_url)
    if not words and video is None and not has_image:
        raise ValidationError("Write something, add a video or an image.", field="text")
    return words, video


# -- writing ----------------------------------------------------------------------------
@unit_of_work
def create(
    actor: User,
    body: object,
    video_url: object = None,
    audience: object = None,
    image: IO[bytes] | None = None,
    image_alt: object = None,
) -> dict:
    """Post; the author's followers (or friends) who are online see it at once."""
    voice.can_speak(actor)
    chosen = "followers" if audience is None else one_of(audience, "audience", AUDIENCES)
    upload = post_images.upload_of(image)
    words, video = _content(actor, body, video_url, upload is not None)
    described = post_images.alt(image_alt)
    post = Post(author_id=actor.id, text=words, video_url=video, audience=chosen)
    post_images.replace(post, upload)
    post.image_alt = described if upload else None
    db.session.add(post)
    db.session.flush()
    shown = to_dict(post, likes=0)
    bus.publish(_channel(post), CREATED, shown)
    notifications_posts.post_written(actor, post, may_see)
    return {**shown, "liked": False}


@unit_of_work
def edit(actor: User, post_id: object, changes: Mapping[str, Any]) -> dict:
    """The author changes the text, the video link, the image or its description
    (`changes` names those that change: an `image` file replaces the image, None takes
    it off; the audience stays)."""
    post = visible_post(actor, post_id)
    if post.author_id != actor.id:
        raise Forbidden("You can only edit your own posts.")
    voice.can_speak(actor)
    before, new_image = post.text, "image" in changes
    upload = post_images.upload_of(changes["image"]) if new_image else None
    has_image = upload is not None if new_image else post.image_file is not None
    post.text, post.video_url = _content(
        actor, changes.get("text", post.text), changes.get("video_url", post.video_url), has_image
    )
    described = post_images.alt(changes.get("image_alt", post.image_alt))
    if new_image:
        post_images.replace(post, upload)
    post.image_alt = described if has_image else None
    post.edited_at = utcnow()
    shown = to_dict(post)
    _redact(post, shown)
    bus.publish(_channel(post), UPDATED, shown)
    notifications_posts.post_written(actor, post, may_see, before)
    return for_viewer(actor, post, likes=shown["likes"])


@unit_of_work
def delete_post(actor: User, post_id: object) -> None:
    post = visible_post(actor, post_id)
    if post.author_id != actor.id:
        raise Forbidden("You can only delete your own posts.")
    post.deleted_at = utcnow()
    _retract(post)


@unit_of_work
def remove(actor: User, post_id: object, reason: object = "") -> None:
    """Moderators take any post down; it is gone for everyone, its author included."""
    post = moderation.takedown(actor, Post, post_id, "post", reason, owner="author_id")
    if post is not None:
        post.removed_at = utcnow()
        _retract(post)


def _retract(post: Post) -> None:
    post.text, post.video_url, post.image_alt = "", None, None
    post_images.replace(post, None)
    _redact(post, to_dict(post))
    comment_redaction.post_gone(post)
    bus.publish(_channel(post), DELETED, {"post_id": post.id})


def _redact(post: Post, shown: dict) -> None:
    """Stored events about the post say only what is true now: a replay never shows an
    old text or a deleted post's."""
    bus.redact(f"post:{post.id}", (CREATED, UPDATED), lambda _stored: shown)


def withdraw(person: User) -> None:
    """A deleted account's posts go, as if it deleted each, and its likes with them.
    Part of the caller's unit of work."""
    mine = select(Post).where(
        Post.author_id == person.id, Post.deleted_at.is_(None), Post.removed_at.is_(None)
    )
    for post in db.session.scalars(mine).all():
        post.deleted_at = utcnow()
        _retract(post)
    liked = db.session.scalars(select(PostLike.post_id).where(PostLike.user_id == person.id))
    liked_ids = list(liked)
    db.session.execute(delete(PostLike).where(PostLike.user_id == person.id))
    for post_id in liked_ids:
        post = db.session.get(Post, post_id)
        if not post.gone:
            _announce_likes(post)


# -- likes ------------------------------------------------------------------------------
@unit_of_work
def like(actor: User, post_id: object) -> dict:
    """Like it; liking again changes nothing."""
    post = visible_post(actor, post_id)
    voice.can_speak(actor)
    _one_like_at_a_time(post)
    if db.session.get(PostLike, (post.id, actor.id)) is None:
        db.session.add(PostLike(post_id=post.id, user_id=actor.id))
        _announce_likes(post)
        notifications_posts.post_liked(actor, post)
    return _likes(post.id, True)


@unit_of_work
def unlike(actor: User, post_id: object) -> dict:
    """Take the like back; unliking what one does not like changes nothing."""
    post = visible_post(actor, post_id)
    _one_like_at_a_time(post)
    taken = db.session.execute(
        delete(PostLike).where(PostLike.post_id == post.id, PostLike.user_id == actor.id)
    ).rowcount
    if taken:
        _announce_likes(post)
    return _likes(post.id, False)


def _one_like_at_a_time(post: Post) -> None:
    """Likes of one post change one after another (the post's row is locked until the
    commit; SQLite has one writer anyway), so the count each announces counts every like
    committed before it: two at once cannot both announce the same number."""
    db.session.execute(select(Post.id).where(Post.id == post.id).with_for_update())


def _announce_likes(post: Post) -> None:
    bus.publish(_channel(post), LIKED, {"post_id": post.id, "likes": like_count(post.id)})


def _likes(post_id: int, liked: bool) -> dict:
    return {"post_id": post_id, "likes": like_count(post_id), "liked": liked}
