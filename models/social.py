"""Follows, blocks and notifications."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.columns import between_people, key_to, moment_column, person_key
from models.user import User


class Follow(db.Model):
    __tablename__ = "follows"
    __table_args__ = between_people("follows", "follower_id", "followee_id")

    follower_id: Mapped[int] = person_key()
    followee_id: Mapped[int] = person_key()
    created_at: Mapped[datetime] = moment_column()


class Block(db.Model):
    __tablename__ = "blocks"
    __table_args__ = between_people("blocks", "blocker_id", "blocked_id")

    blocker_id: Mapped[int] = person_key()
    blocked_id: Mapped[int] = person_key()
    created_at: Mapped[datetime] = moment_column()

    blocked: Mapped[User] = relationship(foreign_keys=[blocked_id])


class Notification(db.Model):
    """Something that concerns a user. Repeats of one kind about one subject collapse
    into the unread notification (`count` grows) instead of piling up."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_user_id_id", "user_id", "id"),
        # The list's order: latest update first (a repeat brings one back to the top).
        Index("ix_notifications_user_id_updated_at", "user_id", "updated_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # What it is about, as JSON: {"type", "id", "text"?}
    subject: Mapped[str] = mapped_column(Text, default="{}")
    # "<type>:<id>" of the subject, so a change to it (a message deleted) finds its notifications.
    subject_key: Mapped[str | None] = mapped_column(String(64), index=True)
    group_key: Mapped[str] = mapped_column(String(96))
    count: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = moment_column()
    updated_at: Mapped[datetime] = moment_column()
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])


class NotificationActor(db.Model):
    """One of the people a notification collapsed ("ann and 2 others followed you"), so
    that an account deleted later can be taken out of it."""

    __tablename__ = "notification_actors"
    __table_args__ = (Index("ix_notification_actors_user_id", "user_id"),)

    notification_id: Mapped[int] = key_to("notifications")
    user_id: Mapped[int] = person_key()
    # Their latest part in it: the notification shows the latest of those left.
    at: Mapped[datetime] = moment_column()


class NotificationMute(db.Model):
    """A kind of notification the user does not want."""

    __tablename__ = "notification_mutes"
    __table_args__ = (UniqueConstraint("user_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
