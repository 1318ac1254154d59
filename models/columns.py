"""Column shapes that many tables share, declared once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey
from sqlalchemy.orm import Mapped, MappedColumn, mapped_column

from models.clock import utcnow


def moment_column() -> MappedColumn[datetime]:
    """When something happened, in UTC, set to now when the row is written."""
    return mapped_column(DateTime(timezone=True), default=utcnow)


def person_key(*, index: bool = False) -> MappedColumn[int]:
    """One of the people a row ties together (a follow, a block, a like): part of the key,
    and gone with the account. `index` where rows are looked up by the person alone."""
    return mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=index)


class Retractable:
    """Content its author deletes or a moderator takes down (the audit log says who and
    why): either way the row stays, without its content, and is `gone`."""

    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    removed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def gone(self) -> bool:
        return self.deleted_at is not None or self.removed_at is not None
