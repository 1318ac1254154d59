"""Comments under posts (one level of replies), and who likes which comment."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Float, ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.columns import Retractable, moment_column, person_key
from models.user import User


class PostComment(Retractable, db.Model):
    """A comment on a post, or a reply to one (`parent_id`: always a top-level comment),
    optionally about a moment of the post's video. Deleted by its author or the post's,
    or removed by a moderator, it stays as a row without content, as a post does."""

    __tablename__ = "post_comments"
    __table_args__ = (
        Index("ix_post_comments_post_id_id", "post_id", "id"),
        Index("ix_post_comments_parent_id_id", "parent_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("post_comments.id", ondelete="CASCADE")
    )
    text: Mapped[str] = mapped_column(Text, default="")
    # Seconds into the post's video the comment is about; only on a post with a video.
    video_time: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = moment_column()
    edited_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    author: Mapped[User] = relationship(foreign_keys=[author_id])


class CommentLike(db.Model):
    """One person likes one comment: the pair is the key, so liking twice is one row."""

    __tablename__ = "comment_likes"

    comment_id: Mapped[int] = mapped_column(
        ForeignKey("post_comments.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = person_key(index=True)
    created_at: Mapped[datetime] = moment_column()
