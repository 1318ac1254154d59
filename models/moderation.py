"""Reports and the moderation audit log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.clock import utcnow
from models.columns import moment_column
from models.user import User


class Report(db.Model):
    __tablename__ = "reports"
    __table_args__ = (Index("ix_reports_status_id", "status", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    subject_type: Mapped[str] = mapped_column(String(8))  # message | user | party | room
    subject_id: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(1000))
    # Who was answerable for the subject when it was reported (a party's host then).
    responsible_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(8), default="open")  # open | resolved
    action: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(String(1000), default="")
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = moment_column()
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    reporter: Mapped[User | None] = relationship(foreign_keys=[reporter_id])
    responsible: Mapped[User | None] = relationship(foreign_keys=[responsible_id])


class AuditEntry(db.Model):
    """One moderation action: who did what to whom, when and why. Never updated."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(32))
    target_type: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(1000), default="")
    details: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
