"""The HTML that htmx pages swap in live, per event (see realtime/fragments.py)."""

from __future__ import annotations

from blueprints.conversations import message_view, reply_quotes, seen_by_for
from errors import ServiceError
from extensions import db
from models.conversation import Conversation, Kind, Message
from models.user import User
from realtime.events import PRESENCE, Envelope
from realtime.fragments import fragment, render_fragment
from services import conversations, home, messages, moderation_reports, notifications
from services.conversation_access import Access
from services.notifications import NOTIFICATION_NEW, NOTIFICATION_READ

ITEM = "partials/notification_item.html"
# An open transcript holds at most this many of the newest messages (its first page).
OPEN_PAGE_MESSAGES = 50
MESSAGE = "partials/message.html"


@fragment(NOTIFICATION_NEW)
def _new_notification(envelope: Envelope, _viewer: int) -> list[tuple[str, str]]:
    data = envelope.data
    return [
        ("notification-count", _badge(data["unread_count"])),
        (
            "notification-item",
            render_fragment("partials/notification_item.html", n=data, live=True),
        ),
    ]


@fragment(NOTIFICATION_NEW)
def _home_party(envelope: Envelope, viewer_id: int) -> list[tuple[str, str]]:
    """A followed person's party that started appears on the home page."""
    data = envelope.data
    party_id = data["subject"].get("id")
    if data["kind"] != notifications.PARTY_STARTED or not isinstance(party_id, int):
        return []
    viewer = db.session.get(User, viewer_id)
    card = home.party_on_home(viewer, party_id) if viewer else None
    return [("home-party", render_fragment("main/_party.html", p=card))] if card else []


@fragment(NOTIFICATION_READ)
def _read_notifications(envelope: Envelope, _viewer: int) -> list[tuple[str, str]]:
    return [("notification-count", _badge(envelope.data["unread_count"]))]


@fragment(PRESENCE)
def _presence(envelope: Envelope, _viewer: int) -> list[tuple[str, str]]:
    data = envelope.data
    html = render_fragment("partials/presence_badge.html", presence=data)
    return [(f"presence-{data['user_id']}", html)]


def _badge(count: int) -> str:
    return render_fragment("partials/notification_badge.html", count=count)


@fragment(moderation_reports.REPORTS_CHANGED)
def _reports_changed(envelope: Envelope, viewer_id: int) -> list[tuple[str, str]]:
    """Staff see the open-reports count in their navigation and on the overview."""
    viewer = db.session.get(User, viewer_id)
    if viewer is None or not viewer.is_moderator:
        return []
    count = int(envelope.data["open_count"])
    badge = render_fragment("admin/_reports_badge.html", count=count)
    return [("reports-count", badge), ("reports-open", str(count))]


# -- conversations: the open conversation page listens for its own names ----------------
def _member_access(viewer_id: int, conversation_id: int) -> Access | None:
    viewer = db.session.get(User, viewer_id)
    if viewer is None:
        return None
    try:
        access = conversations.get(viewer, conversation_id)
    except ServiceError:
        return None
    return access if access.is_member else None


def _message_html(data: dict, viewer_id: int, *, live: bool, oob: bool) -> str | None:
    access = _member_access(viewer_id, data["conversation_id"])
    if access is None:
        return None
    quotes = reply_quotes(data["conversation_id"], {data["reply_to"]})
    return render_fragment(
        MESSAGE,
        m=message_view(data, viewer_id, access.manages, quotes),
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
    viewer = db.session.get(User, viewer_id)
    rows = conversations.overview(viewer, only=conversation_id) if viewer else []
    if not rows:
        return []
    row = rows[0]
    presences = home.partner_presences(viewer_id, [row])
    html = render_fragment(
        "partials/conversation_row.html",
        c=row,
        presences=presences,
        viewer_id=viewer_id,
        move=move,
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
@fragment(messages.MESSAGE_DELETED)
def _row_on_changed_message(envelope: Envelope, viewer_id: int) -> list[tuple[str, str]]:
    return conversation_row(viewer_id, envelope.data["conversation_id"], move=False)


@fragment(messages.MESSAGE_READ)
def _row_on_read(envelope: Envelope, viewer_id: int) -> list[tuple[str, str]]:
    if envelope.data["user_id"] != viewer_id:
        return []
    return conversation_row(viewer_id, envelope.data["conversation_id"], move=False)


@fragment(conversations.MEMBER_ADDED)
def _row_on_added(envelope: Envelope, viewer_id: int) -> list[tuple[str, str]]:
    conversation = envelope.data.get("conversation")
    user = envelope.data.get("user") or {}
    if not isinstance(conversation, dict) or user.get("id") != viewer_id:
        return []
    return conversation_row(viewer_id, conversation["id"], move=True)


@fragment(conversations.MEMBER_REMOVED)
def _row_on_removed(envelope: Envelope, viewer_id: int) -> list[tuple[str, str]]:
    user = envelope.data.get("user") or {}
    if user.get("id") != viewer_id:
        return []
    return _gone_row(envelope.data["conversation_id"])


@fragment(conversations.CONVERSATION_UPDATED)
def _row_on_renamed(envelope: Envelope, viewer_id: int) -> list[tuple[str, str]]:
    return conversation_row(viewer_id, envelope.data["id"], move=False)


@fragment(conversations.CONVERSATION_DELETED)
def _row_on_deleted(envelope: Envelope, _viewer_id: int) -> list[tuple[str, str]]:
    return _gone_row(envelope.data["conversation_id"])


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
    access = _member_access(viewer_id, conversation_id)
    if access is None:
        return []
    person = int(envelope.data["user"]["id"])
    changed = [
        _message_html(messages.to_dict(message), viewer_id, live=False, oob=True) or ""
        for message in messages.recent_by(conversation_id, person, OPEN_PAGE_MESSAGES)
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
    mine = {room["id"]} if _member_access(viewer_id, room["id"]) is not None else set()
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
        rendered.append((f"typing-{conversation_id}", ""))
    if not sender or sender["id"] != viewer_id:
        rendered.append(_messages_badge(viewer_id))
    return rendered


def _messages_badge(viewer_id: int) -> tuple[str, str]:
    """The navigation's Messages badge, recounted for this viewer."""
    return ("messages-count", _badge(messages.unread_total(viewer_id)))


@fragment(messages.MESSAGE_UPDATED)
def _message_updated(envelope: Envelope, viewer_id: int) -> list[tuple[str, str]]:
    """Replaces the message on the page, out of band (`message-change-<id>`)."""
    data = envelope.data
    html = _message_html(data, viewer_id, live=False, oob=True)
    return [(f"message-change-{data['conversation_id']}", html)] if html else []


@fragment(messages.MESSAGE_DELETED)
def _message_deleted(envelope: Envelope, viewer_id: int) -> list[tuple[str, str]]:
    data = envelope.data
    message = db.session.get(Message, data["message_id"])
    if message is None or message.conversation_id != data["conversation_id"]:
        return []
    html = _message_html(messages.to_dict(message), viewer_id, live=False, oob=True)
    return [(f"message-change-{data['conversation_id']}", html)] if html else []


@fragment(messages.TYPING)
def _typing(envelope: Envelope, viewer_id: int) -> list[tuple[str, str]]:
    data = envelope.data
    if data["user"]["id"] == viewer_id:
        return []
    html = render_fragment("partials/typing.html", user=data["user"]) if data["typing"] else ""
    return [(f"typing-{data['conversation_id']}", html)]


@fragment(messages.MESSAGE_READ)
def _message_read(envelope: Envelope, viewer_id: int) -> list[tuple[str, str]]:
    """The sender of the newest message sees who has read it (DMs and small groups)."""
    data = envelope.data
    if data["user_id"] == viewer_id:  # read here or on another device
        return [_messages_badge(viewer_id)]
    conversation = db.session.get(Conversation, data["conversation_id"])
    if conversation is None or conversation.kind == Kind.ROOM or not conversation.last_message_id:
        return []
    last = db.session.get(Message, conversation.last_message_id)
    if last is None or last.sender_id != viewer_id:
        return []
    viewer = db.session.get(User, viewer_id)
    seen = seen_by_for(viewer, conversation, last) if viewer else []
    html = render_fragment("partials/seen_line.html", seen=seen)
    return [(f"seen-{conversation.id}", html)]
