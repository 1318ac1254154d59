"""Posts to one's followers (or everyone, or friends only), and who likes which."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from extensions import db
from models.columns import AuthoredText, key_to, moment_column, person_key

AUDIENCES = ("public", "followers", "friends")
IMAGE_ALT_MAX = 300


class Post(AuthoredText, db.Model):
    """A post: its text, an optional video link and image, and who may see it. Deleted by its
    author or removed by a moderator, it stays as a row without content, as a message
    does."""

    __tablename__ = "posts"
    __table_args__ = (
        CheckConstraint("audience IN ('public', 'followers', 'friends')", name="audience"),
        Index("ix_posts_author_id_id", "author_id", "id"),
        Index("ix_posts_audience_id", "audience", "id"),
    )

    video_url: Mapped[str | None] = mapped_column(String(2048))
    # The stored image's random name (services/post_images.py) and its description.
    image_file: Mapped[str | None] = mapped_column(String(64))
    image_alt: Mapped[str | None] = mapped_column(String(IMAGE_ALT_MAX))
    audience: Mapped[str] = mapped_column(String(16), default="followers")


class PostLike(db.Model):
    """One person likes one post: the pair is the key, so liking twice is one row."""

    __tablename__ = "post_likes"

    post_id: Mapped[int] = key_to("posts")
    user_id: Mapped[int] = person_key(index=True)
    created_at: Mapped[datetime] = moment_column()
