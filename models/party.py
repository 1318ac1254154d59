"""Watch parties: the party and its playback state, participants, queue, chat."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.chat import ChatMessageColumns, chat_table_args
from models.columns import moment_column
from models.user import User


class PartyRole(enum.StrEnum):
    HOST = "host"
    CO_HOST = "co-host"
    VIEWER = "viewer"


class ParticipantStatus(enum.StrEnum):
    ACTIVE = "active"
    PENDING = "pending"
    LEFT = "left"
    REMOVED = "removed"
    REFUSED = "refused"


class Party(db.Model):
    __tablename__ = "parties"
    __table_args__ = (
        Index("ix_parties_status_visibility", "status", "visibility"),
        # Each worker reads the parties whose playback moved lately, every second or so.
        Index("ix_parties_at", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(6), unique=True)
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(String(1000), default="")
    host_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # Who started it: the host role comes back to them when they return after a handover.
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    visibility: Mapped[str] = mapped_column(String(8), default="public")
    max_participants: Mapped[int] = mapped_column(Integer, default=100)
    requires_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    allow_suggestions: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(9), default="live")  # upcoming | live | ended
    scheduled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # When everyone was told it starts soon: at creation when it is that close already,
    # else by the sweep once it comes within the window (once, whichever worker wins).
    soon_told_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = moment_column()
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The one truth of playback (see the protocol): position was `position` at `at`.
    media_url: Mapped[str] = mapped_column(String(500))
    playing: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[float] = mapped_column(Float, default=0.0)
    rate: Mapped[float] = mapped_column(Float, default=1.0)
    at: Mapped[float] = mapped_column(Float, default=0.0)
    version: Mapped[int] = mapped_column(Integer, default=0)
    # The length of the media playing now, as a player measured it; None until then.
    duration: Mapped[float | None] = mapped_column(Float)
    queue_item_id: Mapped[int | None] = mapped_column(Integer)

    host: Mapped[User] = relationship(foreign_keys=[host_id])


class Participant(db.Model):
    __tablename__ = "party_participants"
    __table_args__ = (
        UniqueConstraint("party_id", "user_id"),
        Index("ix_party_participants_user_id", "user_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(8), default=PartyRole.VIEWER.value)
    status: Mapped[str] = mapped_column(String(8), default=ParticipantStatus.ACTIVE.value)
    # Since when this person is present: the longest-present inherit the host role.
    joined_at: Mapped[datetime] = moment_column()
    requested_at: Mapped[datetime] = moment_column()

    user: Mapped[User] = relationship()


class QueueItem(db.Model):
    __tablename__ = "party_queue"
    __table_args__ = (Index("ix_party_queue_party_id", "party_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"))
    media_url: Mapped[str] = mapped_column(String(500))
    title: Mapped[str] = mapped_column(String(120), default="")
    position: Mapped[int] = mapped_column(Integer)
    # queued | suggested | played
    status: Mapped[str] = mapped_column(String(9), default="queued")
    added_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = moment_column()


class PartyMessage(ChatMessageColumns, db.Model):
    __tablename__ = "party_messages"
    __table_args__ = chat_table_args("party_messages", "party_id")

    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"))
    body: Mapped[str] = mapped_column(Text)
    video_time: Mapped[float | None] = mapped_column(Float)

    sender: Mapped[User | None] = relationship()
