"""The live HTML of conversations (see realtime/fragments.py): an open transcript's new,
changed and deleted messages, typing and "Seen by"; the viewer's rows in the conversation
list and on the home page; member counts; the public room directory."""

from __future__ import annotations

import math

from flask import current_app
from markupsafe import escape

from blueprints.conversations.views import message_view
from blueprints.live_fragments import badge
from errors import ServiceError
from models.conversation import Kind
from realtime.events import Envelope
from realtime.fragments import fragment, render_fragment
from services import (
    accounts,
    conversation_access,
    conversation_listing,
    conversations,
    home,
    message_reading,
    messages,
)
from services.conversation_access import Access

# An open transcript holds at most this many of the newest messages (its first page).
OPEN_PAGE_MESSAGES = 50
MESSAGE = "partials/message.html"


# -- conversations: the open conversation page listens for its own names ----------------
def member_access(viewer_id: int, conversation_id: int) -> Access | None:
    viewer = accounts.find_by_id(viewer_id)
    if viewer is None:
        return None
    try:
        return conversation_access.joined(viewer, conversation_id)
    except ServiceError:
        return None


def _message_html(data: dict, viewer_id: int, *, live: bool, oob: bool) -> str | None:
    access = member_access(viewer_id, data["conversation_id"])
    if access is None:
        return None
    quotes = message_reading.quotes(data["conversation_id"], {data["reply_to"]})
    return render_fragment(
        MESSAGE,
        m=message_view(data, access, quotes),
        conversation_id=data["conversation_id"],
        live=live,
        oob=oob,
        before=None,
    )


# -- the conversation list: one row per conversation, rendered for its viewer -----------
ROW = "conversation-row"
HOME_ROW = "home-unread"


def conversation_row(viewer_id: int, conversation_id: int, *, move: bool) -> list[tuple[str, str]]:
    """The viewer's row of a conversation, to add at the top of their list (`move`: a
    row already there rises with it) or to change in place; and the home page's unread
    row of it, there while it has unread messages."""
    viewer = accounts.find_by_id(viewer_id)
    rows = conversation_listing.overview(viewer, only=conversation_id) if viewer else []
    if not rows:
        return []
    row = rows[0]
    presences = home.partner_presences(viewer_id, [row])
    html = render_fragment(
        "partials/conversation_row.html", c=row, presences=presences, viewer_id=viewer_id, move=move
    )
    if not row["unread_count"]:
        return [(ROW, html), *_gone_home_row(conversation_id)]
    unread = render_fragment(
        "partials/conversation_row.html",
        c=row,
        presences=presences,
        viewer_id=viewer_id,
        move=True,
        row_prefix=HOME_ROW,
    )
    return [(ROW, html), (HOME_ROW, unread)]


def _gone_row(conversation_id: int) -> list[tuple[str, str]]:
    """Takes the row off the list (the viewer left, was removed, or it was deleted)."""
    html = f'<li id="conversation-row-{int(conversation_id)}" hx-swap-oob="delete"></li>'
    return [(ROW + "-gone", html), *_gone_home_row(conversation_id)]


def _gone_home_row(conversation_id: int) -> list[tuple[str, str]]:
    html = f'<li id="{HOME_ROW}-{int(conversation_id)}" hx-swap-oob="delete"></li>'
    return [(HOME_ROW + "-gone", html)]


@fragment(messages.MESSAGE_NEW)
def _row_on_new_message(envelope: Envelope, viewer_id: int) -> list[tuple[str, str]]:
    return conversation_row(viewer_id, envelope.data["conversation_id"], move=True)


@fragment(messages.MESSAGE_UPDATED)
def _row_on_changed_message(envelope: Envelope, viewer_id: int) -> list[tuple[str, str]]:
    return conversation_row(viewer_id, envelope.data["conversation_id"], move=False)


@fragment(messages.MESSAGE_DELETED)
def _row_on_deleted_message(envelope: Envelope, viewer_id: int) -> list[tuple[str, str]]:
    """A deleted message the viewer had not read no longer counts as unread."""
    row = conversation_row(viewer_id, envelope.data["conversation_id"], move=False)
    return [*row, _messages_badge(viewer_id)]


@fragment(messages.MESSAGE_READ)
def _row_on_read(envelope: Envelope, viewer_id: int) -> list[tuple[str, str]]:
    if envelope.data["user_id"] != viewer_id:
        return []
    return conversation_row(viewer_id, envelope.data["conversation_id"], move=False)


@fragment(conversations.MEMBER_ADDED)
def _row_on_added(envelope: Envelope, viewer_id: int) -> list[tuple[str, str]]:
    user = envelope.data.get("user") or {}
    if user.get("id") != viewer_id:
        return []
    # Added by someone, the conversation comes along; joining a room, only its id.
    conversation = envelope.data.get("conversation")
    conversation_id = (
        conversation["id"] if isinstance(conversation, dict) else envelope.data["conversation_id"]
    )
    return conversation_row(viewer_id, conversation_id, move=True)


@fragment(conversations.MEMBER_REMOVED)
def _row_on_removed(envelope: Envelope, viewer_id: int) -> list[tuple[str, str]]:
    user = envelope.data.get("user") or {}
    if user.get("id") != viewer_id:
        return []
    return [*_gone_row(envelope.data["conversation_id"]), _messages_badge(viewer_id)]


def _ended(conversation_id: int, reason: str) -> list[tuple[str, str]]:
    """The open page of a conversation its viewer is no longer in says why, in place of
    its message box (out of band, as edits are)."""
    html = render_fragment(
        "partials/conversation_ended.html", conversation_id=conversation_id, reason=reason
    )
    return [(f"message-change-{conversation_id}", html)]


def ended_reason(envelope: Envelope, viewer_id: int) -> str | None:
    """Why an open page of the conversation ends for its viewer: they left (here or in
    another tab) or were removed, or it was deleted or closed. None when the event is
    about someone else."""
    data = envelope.data
    deleted = envelope.name == conversations.CONVERSATION_DELETED
    if not deleted and (data.get("user") or {}).get("id") != viewer_id:
        return None
    kind = conversations.kind_of(data["conversation_id"]) or "conversation"
    if deleted:
        if data.get("closed"):
            return f"This {kind} was closed by the site's moderators."
        return f"This {kind} was deleted."
    by = data.get("by")
    if by is None or by.get("id") == viewer_id:
        return f"You left this {kind}."
    return f"You were removed from this {kind} by {by['username']}."


@fragment(conversations.MEMBER_REMOVED)
@fragment(conversations.CONVERSATION_DELETED)
def _viewer_gone(envelope: Envelope, viewer_id: int) -> list[tuple[str, str]]:
    reason = ended_reason(envelope, viewer_id)
    return _ended(envelope.data["conversation_id"], reason) if reason else []


@fragment(conversations.CONVERSATION_UPDATED)
def _row_on_renamed(envelope: Envelope, viewer_id: int) -> list[tuple[str, str]]:
    return conversation_row(viewer_id, envelope.data["id"], move=False)


@fragment(conversations.CONVERSATION_UPDATED)
def _heading_on_renamed(envelope: Envelope, _viewer_id: int) -> list[tuple[str, str]]:
    """An open group's or room's page shows its name and description as they are now
    (the event goes to its members, as the page does)."""
    data = envelope.data
    if data["kind"] == Kind.DIRECT:  # named for the other person, never renamed
        return []
    return [
        (f"conversation-name-{data['id']}", str(escape(data["name"]))),
        (f"conversation-description-{data['id']}", str(escape(data["description"]))),
    ]


@fragment(conversations.CONVERSATION_DELETED)
def _row_on_deleted(envelope: Envelope, viewer_id: int) -> list[tuple[str, str]]:
    return [*_gone_row(envelope.data["conversation_id"]), _messages_badge(viewer_id)]


@fragment(conversations.MEMBER_ADDED)
@fragment(conversations.MEMBER_REMOVED)
def _member_count(envelope: Envelope, _viewer_id: int) -> list[tuple[str, str]]:
    """A group's or room's page counts its members live."""
    conversation_id = envelope.data.get("conversation_id")
    if not isinstance(conversation_id, int):
        return []
    count = conversations.member_count(conversation_id)
    html = render_fragment("partials/member_count.html", count=count)
    return [(f"member-count-{conversation_id}", html)]


@fragment(conversations.ACCOUNT_DELETED)
def _account_deleted(envelope: Envelope, viewer_id: int) -> list[tuple[str, str]]:
    """A member deleted their account: an open transcript draws their messages again (out
    of band, as edits are), so each says "Deleted account" without a link, a direct chat's
    heading says so too, and the viewer's row of the conversation follows."""
    conversation_id = envelope.data["conversation_id"]
    access = member_access(viewer_id, conversation_id)
    if access is None:
        return []
    person = int(envelope.data["user"]["id"])
    changed = [
        _message_html(messages.to_dict(message), viewer_id, live=False, oob=True) or ""
        for message in message_reading.recent_by(conversation_id, person, OPEN_PAGE_MESSAGES)
    ]
    if access.conversation.kind == Kind.DIRECT:
        changed.append(render_fragment("partials/deleted_partner.html"))
    return [
        (f"message-change-{conversation_id}", "".join(changed)),
        *conversation_row(viewer_id, conversation_id, move=False),
    ]


# -- the public room directory ----------------------------------------------------------
@fragment(conversations.ROOM_LISTED)
def _room_listed(envelope: Envelope, viewer_id: int) -> list[tuple[str, str]]:
    room = envelope.data
    if not room["name"]:  # a deleted room's listing, replayed without its words
        return []
    mine = {room["id"]} if member_access(viewer_id, room["id"]) is not None else set()
    return [("room-listed", render_fragment("partials/room_row.html", room=room, mine=mine))]


@fragment(conversations.ROOM_REMOVED)
def _room_removed(envelope: Envelope, _viewer_id: int) -> list[tuple[str, str]]:
    html = f'<li id="room-{int(envelope.data["room_id"])}" hx-swap-oob="delete"></li>'
    return [("room-removed", html)]


@fragment(messages.MESSAGE_NEW)
def _message_new(envelope: Envelope, viewer_id: int) -> list[tuple[str, str]]:
    """Appended to the transcript (`message-new-<id>`); a new message also ends the
    "Seen by" line of the one before, and its sender has stopped typing."""
    data = envelope.data
    conversation_id = data["conversation_id"]
    html = _message_html(data, viewer_id, live=True, oob=False)
    if html is None:
        return []
    rendered = [(f"message-new-{conversation_id}", html), (f"seen-{conversation_id}", "")]
    sender = data["sender"]
    if data["kind"] == "text" and sender and sender["id"] != viewer_id:
        rendered.append((f"typing-{conversation_id}", _not_typing(conversation_id, sender["id"])))
    if not sender or sender["id"] != viewer_id:
        rendered.append(_messages_badge(viewer_id))
    return rendered


def _messages_badge(viewer_id: int) -> tuple[str, str]:
    """The navigation's Messages badge, recounted for this viewer."""
    return ("messages-count", badge(message_reading.unread_total(viewer_id)))


@fragment(messages.MESSAGE_UPDATED)
def _message_updated(envelope: Envelope, viewer_id: int) -> list[tuple[str, str]]:
    """Replaces the message on the page, out of band (`message-change-<id>`)."""
    data = envelope.data
    html = _message_html(data, viewer_id, live=False, oob=True)
    return [(f"message-change-{data['conversation_id']}", html)] if html else []


@fragment(messages.MESSAGE_DELETED)
def _message_deleted(envelope: Envelope, viewer_id: int) -> list[tuple[str, str]]:
    data = envelope.data
    message = message_reading.message_in(data["conversation_id"], data["message_id"])
    if message is None:
        return []
    html = _message_html(messages.to_dict(message), viewer_id, live=False, oob=True)
    return [(f"message-change-{data['conversation_id']}", html)] if html else []


def _not_typing(conversation_id: int, user_id: int) -> str:
    """Takes one person off the typing line (the others typing stay)."""
    return f'<span id="typing-{int(conversation_id)}-{int(user_id)}" hx-swap-oob="delete"></span>'


@fragment(messages.TYPING)
def _typing(envelope: Envelope, viewer_id: int) -> list[tuple[str, str]]:
    data = envelope.data
    conversation_id, user = data["conversation_id"], data["user"]
    if user["id"] == viewer_id:
        return []
    if not data["typing"]:
        return [(f"typing-{conversation_id}", _not_typing(conversation_id, user["id"]))]
    # Its stop comes from the server after TYPING_TIMEOUT_SECONDS; one missed while the
    # stream reconnected must not leave the line on for good: the page takes it off
    # after twice that without a newer start (static/js/typing-expiry.js).
    expires_in = math.ceil(2 * current_app.config["TYPING_TIMEOUT_SECONDS"])
    html = render_fragment(
        "partials/typing.html", user=user, line=f"typing-{conversation_id}", expires_in=expires_in
    )
    return [(f"typing-{conversation_id}", html)]


@fragment(messages.MESSAGE_READ)
def _message_read(envelope: Envelope, viewer_id: int) -> list[tuple[str, str]]:
    """The sender of the newest message sees who has read it (DMs and small groups)."""
    data = envelope.data
    if data["user_id"] == viewer_id:  # read here or on another device
        return [_messages_badge(viewer_id)]
    viewer = accounts.find_by_id(viewer_id)
    seen = message_reading.seen_line(viewer, data["conversation_id"]) if viewer else None
    if seen is None:
        return []
    html = render_fragment("partials/seen_line.html", seen=seen)
    return [(f"seen-{data['conversation_id']}", html)]
