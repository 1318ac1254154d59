"""Conversation pages: direct messages, groups and rooms (the Blueprint "conversations").

Every form is a plain POST that comes back to a page (Post/Redirect/Get), so the pages work
without JavaScript. With htmx the busy ones answer with the piece to swap instead: a message
swaps in place after a reaction, an edit or a delete; the compose form's own script sends
it and keeps it (the answer is empty, or the refusal's words).
New messages, edits, typing and read receipts arrive through the layout's SSE stream of
HTML fragments (live.py). The routes are in lists (lists, search, the room directory,
creating), transcript (one conversation and its messages) and members (members and
settings); views holds what their templates and the live fragments share.
"""

from __future__ import annotations

from flask import Blueprint
from flask_login import current_user

from services import message_reading

bp = Blueprint("conversations", __name__)


@bp.app_context_processor
def _unread_messages() -> dict:
    """The navigation's Messages badge, counted only when a page shows it."""

    def count() -> int:
        if current_user and current_user.is_authenticated:
            return message_reading.unread_total(current_user)
        return 0

    return {"unread_messages": count}


# The routes and live fragments register themselves on import.
from blueprints.conversations import lists, live, member_live, members, transcript  # noqa: E402, F401
