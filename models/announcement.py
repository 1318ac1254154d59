"""Site-wide announcements from the admins, and who has dismissed which."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.columns import key_to, moment_column, person_key
from models.user import User


class Announcement(db.Model):
    """Shown to everyone signed in from `created_at` until `expires_at`, unless withdrawn."""

    __tablename__ = "announcements"

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = moment_column()
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    author: Mapped[User | None] = relationship(foreign_keys=[author_id])


class AnnouncementDismissal(db.Model):
    """One person has closed one announcement's banner: it stays closed on every device."""

    __tablename__ = "announcement_dismissals"

    announcement_id: Mapped[int] = key_to("announcements")
    user_id: Mapped[int] = person_key()
    dismissed_at: Mapped[datetime] = moment_column()
