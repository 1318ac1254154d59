"""Column shapes that many tables share, declared once."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, MappedColumn, declared_attr, mapped_column, relationship

from models.clock import iso, utcnow

if TYPE_CHECKING:
    from models.user import User


def moment_column() -> MappedColumn[datetime]:
    """When something happened, in UTC, set to now when the row is written."""
    return mapped_column(DateTime(timezone=True), default=utcnow)


def key_to(table: str, *, index: bool = False) -> MappedColumn[int]:
    """A row of `table` that a row ties to (a like's post, a view's clip): part of the key,
    and gone with that row. `index` where rows are looked up by this column alone."""
    return mapped_column(
        ForeignKey(f"{table}.id", ondelete="CASCADE"), primary_key=True, index=index
    )


def person_key(*, index: bool = False) -> MappedColumn[int]:
    """One of the people a row ties together (a follow, a block, a like): part of the key,
    and gone with the account. `index` where rows are looked up by the person alone."""
    return key_to("users", index=index)


def between_people(table: str, person: str, other: str) -> tuple[CheckConstraint, Index]:
    """The table arguments of a tie from one person to another (a follow, a block): never
    to oneself, and looked up from the other side as well as from the first, which the
    key leads with."""
    return (
        CheckConstraint(f"{person} <> {other}", name="not_self"),
        Index(f"ix_{table}_{other}", other, person),
    )


class Retractable:
    """Content its author deletes or a moderator takes down (the audit log says who and
    why): either way the row stays, without its content, and is `gone`."""

    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    removed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def gone(self) -> bool:
        return self.deleted_at is not None or self.removed_at is not None


class AuthoredText(Retractable):
    """Text a person writes and may edit (a post, a comment): its author, gone with the
    account, when it was written and last edited, and `Retractable`'s columns."""

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = moment_column()
    edited_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @declared_attr
    def author(cls) -> Mapped[User]:
        return relationship("User", foreign_keys=[cls.author_id])

    def authored_dict(self, likes: int) -> dict[str, object]:
        """What a post and a comment show alike: who wrote it, its text (none once it
        is gone), when it was written and edited, and how many like it."""
        gone = self.gone
        return {
            "id": self.id,
            "author": self.author.to_summary(),
            "text": "" if gone else self.text,
            "created_at": iso(self.created_at),
            "edited_at": iso(self.edited_at),
            "deleted": gone,
            "likes": likes,
        }


def fields(row: object, *names: str) -> dict[str, object]:
    """The named attributes of a row under their own names: the part of a row's dict
    that clients read as stored."""
    return {name: getattr(row, name) for name in names}
