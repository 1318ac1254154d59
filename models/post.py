"""Posts to one's followers (or everyone, or friends only), and who likes which."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.columns import Retractable, moment_column, person_key
from models.user import User

AUDIENCES = ("public", "followers", "friends")
IMAGE_ALT_MAX = 300


class Post(Retractable, db.Model):
    """A post: its text, an optional video link and image, and who may see it. Deleted by its
    author or removed by a moderator, it stays as a row without content, as a message
    does."""

    __tablename__ = "posts"
    __table_args__ = (
        CheckConstraint("audience IN ('public', 'followers', 'friends')", name="audience"),
        Index("ix_posts_author_id_id", "author_id", "id"),
        Index("ix_posts_audience_id", "audience", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text, default="")
    video_url: Mapped[str | None] = mapped_column(String(2048))
    # The stored image's random name (services/post_images.py) and its description.
    image_file: Mapped[str | None] = mapped_column(String(64))
    image_alt: Mapped[str | None] = mapped_column(String(IMAGE_ALT_MAX))
    audience: Mapped[str] = mapped_column(String(16), default="followers")
    created_at: Mapped[datetime] = moment_column()
    edited_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    author: Mapped[User] = relationship(foreign_keys=[author_id])


class PostLike(db.Model):
    """One person likes one post: the pair is the key, so liking twice is one row."""

    __tablename__ = "post_likes"

    post_id: Mapped[int] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = person_key(index=True)
    created_at: Mapped[datetime] = moment_column()
