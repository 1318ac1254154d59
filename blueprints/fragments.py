"""The HTML that htmx pages swap in live, per event (see realtime/fragments.py)."""

from __future__ import annotations

from flask import render_template

from realtime.events import PRESENCE, Envelope
from realtime.fragments import fragment
from services.notifications import NOTIFICATION_NEW, NOTIFICATION_READ

ITEM = "partials/notification_item.html"


@fragment(NOTIFICATION_NEW)
def _new_notification(envelope: Envelope, _viewer: int) -> list[tuple[str, str]]:
    data = envelope.data
    return [
        ("notification-count", _badge(data["unread_count"])),
        (
            "notification-item",
            render_template("partials/notification_item.html", n=data, live=True),
        ),
    ]


@fragment(NOTIFICATION_READ)
def _read_notifications(envelope: Envelope, _viewer: int) -> list[tuple[str, str]]:
    return [("notification-count", _badge(envelope.data["unread_count"]))]


@fragment(PRESENCE)
def _presence(envelope: Envelope, _viewer: int) -> list[tuple[str, str]]:
    data = envelope.data
    html = render_template("partials/presence_badge.html", presence=data)
    return [(f"presence-{data['user_id']}", html)]


def _badge(count: int) -> str:
    return render_template("partials/notification_badge.html", count=count)
