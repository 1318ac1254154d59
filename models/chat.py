"""What the chat of a conversation and the chat of a watch party have in common."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.columns import moment_column


class ChatMessageColumns:
    """The columns of a chat message: its sender (null once the account is gone), the
    client's id of the send (unique per sender in each table: a retried send stores
    nothing new) and when it was sent."""

    id: Mapped[int] = mapped_column(primary_key=True)
    sender_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    client_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = moment_column()


def chat_table_args(table: str, chat_column: str) -> tuple[UniqueConstraint, Index]:
    """A chat table's arguments: one message per client_id per sender (a retried send
    stores nothing new), and an index that reads a chat's messages in their order."""
    return (
        UniqueConstraint("sender_id", "client_id"),
        Index(f"ix_{table}_{chat_column}_id", chat_column, "id"),
    )
