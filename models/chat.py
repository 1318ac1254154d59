"""What the chat of a conversation and the chat of a watch party have in common."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
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
