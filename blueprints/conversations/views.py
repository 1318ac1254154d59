"""What the conversation templates need, shared by the routes and the live fragments:
a message as its template shows it to one viewer, the compose form, the page a form
came from."""

from __future__ import annotations

import secrets

from flask import request, url_for
from flask_login import current_user

from blueprints.htmx_responses import id_value
from errors import ServiceError
from models.conversation import Message
from models.user import User
from services import accounts, clips, message_reading, messages, profiles
from services.conversation_access import Access

QUICK_REACTIONS = ("👍", "❤️", "😂", "🎉", "😮")


def emoji_key(emoji: str) -> str:
    """A stable id part for an emoji, so a reaction button keeps focus when it is swapped."""
    return "-".join(f"{ord(char):x}" for char in emoji)


def message_view(data: dict, access: Access, quotes: dict[int, dict]) -> dict:
    """A message's JSON form plus what this viewer (a member) may do with it."""
    viewer_id = access.membership.user_id
    sender_id = data["sender"]["id"] if data["sender"] is not None else None
    rights = (sender_id, data["kind"], data["deleted"])
    present = {reaction["emoji"] for reaction in data["reactions"]}
    return {
        **data,
        "mine": access.is_author(sender_id),
        "can_edit": access.can_edit(*rights),
        "can_delete": access.can_delete(*rights),
        "can_react": data["kind"] == "text" and not data["deleted"],
        "quote": quotes.get(data["reply_to"]) if data["reply_to"] else None,
        "clips": clips.linked(viewer_id, data["body"]) if not data["deleted"] else [],
        "reactions": [
            {
                "emoji": reaction["emoji"],
                "count": reaction["count"],
                "mine": viewer_id in reaction["user_ids"],
                "key": emoji_key(reaction["emoji"]),
            }
            for reaction in data["reactions"]
        ],
        "quick": [
            {"emoji": emoji, "key": emoji_key(emoji)}
            for emoji in QUICK_REACTIONS
            if emoji not in present
        ],
    }


def message_views(found: list[Message], access: Access) -> list[dict]:
    data = [messages.to_dict(message) for message in found]
    quotes = message_reading.quotes(access.conversation.id, {item["reply_to"] for item in data})
    return [message_view(item, access, quotes) for item in data]


def compose_context(
    conversation_id: int,
    *,
    body: str = "",
    reply: dict | None = None,
    error: str | None = None,
    autofocus: bool = True,
) -> dict:
    return {
        "conversation_id": conversation_id,
        "client_id": secrets.token_urlsafe(16),
        "body": body,
        "reply": reply,
        "error": error,
        "autofocus": autofocus,
    }


def reply_quote(conversation_id: int, reply_to: object) -> dict | None:
    """The message a compose form replies to, in short form."""
    if not isinstance(reply_to, int):
        return None
    return message_reading.quotes(conversation_id, {reply_to}).get(reply_to)


def before_arg() -> int | None:
    """The page of older messages a form or link came from (keyset: ids below this)."""
    return id_value(request.values.get("before"))


def shown_at(conversation_id: int, message_id: int | None = None) -> str:
    """The conversation page (the same older page the form came from, if any), anchored."""
    anchor = f"message-{message_id}" if message_id else None
    return url_for(
        "conversations.show", conversation_id=conversation_id, before=before_arg(), _anchor=anchor
    )


def failure(form: str, error: ServiceError) -> dict:
    """A form's error, by form, with the field at fault when the service named one."""
    return {form: {"field": error.field, "message": error.message}}


def presence_of(summary: dict | None) -> tuple[User | None, dict | None]:
    """A direct conversation's other person and the presence the viewer may see."""
    person = accounts.find_by_id(summary["id"]) if summary else None
    if person is None:
        return None, None
    return person, profiles.visible_presence(current_user.id, person)
