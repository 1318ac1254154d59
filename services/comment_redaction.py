"""What is kept of a comment's text once it goes: stored events and notifications that
carried it are rewritten in the caller's unit of work, so a replay or a notification
never shows a deleted or removed comment's text, nor that of a comment under a post that
went. (Below services/posts.py and services/comments.py, which both call it.)"""

from __future__ import annotations

from sqlalchemy import select

from extensions import db
from models.comment import PostComment
from models.post import Post
from realtime.bus import bus
from realtime.comment_events import CREATED, UPDATED
from services import notifications


def redact(comment_id: int, shown: dict, hidden_from: frozenset[int] = frozenset()) -> None:
    """Stored events about the comment say only what is true now (`shown`), and none of
    them reaches `hidden_from` (those blocked either way with its author since it was
    written): an edit made after a block is not replayed across it."""
    bus.redact(f"comment:{comment_id}", (CREATED, UPDATED), lambda _stored: shown)
    bus.hide_from([f"comment:{comment_id}"], (CREATED, UPDATED), hidden_from)


def hide_between(one_id: int, other_id: int) -> None:
    """A block between the two: what each one wrote as comments, and the replies under
    their comments, are not replayed to the other, as the threads' listings leave them
    out for them."""
    for author_id, reader_id in ((one_id, other_id), (other_id, one_id)):
        theirs = select(PostComment.id).where(PostComment.author_id == author_id)
        under = select(PostComment.id).where(PostComment.parent_id.in_(theirs))
        subjects = [f"comment:{each}" for each in db.session.scalars(theirs.union(under))]
        bus.hide_from(subjects, (CREATED, UPDATED), frozenset({reader_id}))


def forget(comment_id: int, shown: dict) -> None:
    """The comment went: its stored events carry `shown`, its notifications no quote."""
    redact(comment_id, shown)
    notifications.retext(f"comment:{comment_id}", None)


def post_gone(post: Post) -> None:
    """The post was deleted or taken down: neither its notifications nor its comments'
    stored events and notifications keep any text."""
    notifications.retext(f"post:{post.id}", None)
    standing = select(PostComment.id).where(
        PostComment.post_id == post.id,
        PostComment.deleted_at.is_(None),
        PostComment.removed_at.is_(None),
    )
    for comment_id in db.session.scalars(standing):
        bus.redact(
            f"comment:{comment_id}",
            (CREATED, UPDATED),
            lambda stored: {**stored, "text": "", "video_time": None},
        )
        notifications.retext(f"comment:{comment_id}", None)
