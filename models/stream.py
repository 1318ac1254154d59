"""The durable event log behind every user's resumable stream."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from extensions import db
from models.clock import utcnow

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit id.
EventId = BigInteger().with_variant(Integer, "sqlite")


class StreamEvent(db.Model):
    """One durable event on one channel. Its id is the global order and the cursor."""

    __tablename__ = "stream_events"
    # AUTOINCREMENT: SQLite never reuses an id, even after pruning the newest rows.
    __table_args__ = (
        Index("ix_stream_events_channel_id", "channel", "id"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(EventId, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(64))
    payload: Mapped[str] = mapped_column(Text)
    # What the event is about ("message:12"), so a change to that thing can rewrite the
    # stored events that described it (realtime.subjects.subject_of).
    subject: Mapped[str | None] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )
    # The people the event is not for (their ids, space-separated), such as those blocked
    # either way with the author of what it carries: a replay leaves it out for them too.
    hidden_from: Mapped[str | None] = mapped_column(Text)
    # When set, the only people the event is for (ids, space-separated), such as those who
    # could see a private playlist when it changed: nobody else has it, even once it is public.
    only_for: Mapped[str | None] = mapped_column(Text)


class StreamMark(db.Model):
    """Named positions in the log, such as the id below which events were pruned."""

    __tablename__ = "stream_marks"

    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(EventId)
