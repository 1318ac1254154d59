"""The HTML that htmx pages swap in live, per event (see realtime/fragments.py)."""

from __future__ import annotations

from realtime.events import PRESENCE, Envelope
from realtime.fragments import fragment, render_fragment
from services.notifications import NOTIFICATION_NEW, NOTIFICATION_READ

ITEM = "partials/notification_item.html"


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
