"""Comments under posts (one level of replies), and who likes which comment."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from extensions import db
from models.columns import AuthoredText, key_to, moment_column, person_key


class PostComment(AuthoredText, db.Model):
    """A comment on a post, or a reply to one (`parent_id`: always a top-level comment),
    optionally about a moment of the post's video. Deleted by its author or the post's,
    or removed by a moderator, it stays as a row without content, as a post does."""

    __tablename__ = "post_comments"
    __table_args__ = (
        Index("ix_post_comments_post_id_id", "post_id", "id"),
        Index("ix_post_comments_parent_id_id", "parent_id", "id"),
    )

    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("post_comments.id", ondelete="CASCADE")
    )
    # Seconds into the post's video the comment is about; only on a post with a video.
    video_time: Mapped[float | None] = mapped_column(Float)


class CommentLike(db.Model):
    """One person likes one comment: the pair is the key, so liking twice is one row."""

    __tablename__ = "comment_likes"

    comment_id: Mapped[int] = key_to("post_comments")
    user_id: Mapped[int] = person_key(index=True)
    created_at: Mapped[datetime] = moment_column()
