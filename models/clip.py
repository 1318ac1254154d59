"""Clips: a titled slice of a video, opened by a short code, and who has watched which."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.columns import Retractable, key_to, moment_column, person_key
from models.user import User


class Clip(Retractable, db.Model):
    """`[start_seconds, end_seconds]` of a video link, with a title. Its `code` is the
    short address (`/c/<code>`) people share. Deleted by its maker or removed by a
    moderator, the row stays without its content, as a post does."""

    __tablename__ = "clips"
    __table_args__ = (
        CheckConstraint("start_seconds >= 0 AND end_seconds > start_seconds", name="range"),
        Index("ix_clips_owner_id_id", "owner_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(120))
    video_url: Mapped[str] = mapped_column(String(2048))
    start_seconds: Mapped[float] = mapped_column(Float)
    end_seconds: Mapped[float] = mapped_column(Float)
    # People who opened it, each counted once (a view is a ClipView row).
    view_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = moment_column()

    owner: Mapped[User] = relationship(foreign_keys=[owner_id])


class ClipView(db.Model):
    """One person opened one clip (the pair is the key: a second look counts once)."""

    __tablename__ = "clip_views"

    clip_id: Mapped[int] = key_to("clips")
    user_id: Mapped[int] = person_key()
    created_at: Mapped[datetime] = moment_column()
