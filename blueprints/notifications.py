"""The notifications page and its read buttons."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user, login_required

import budgets
from blueprints.htmx_responses import is_htmx
from blueprints.live_fragments import badge
from realtime.events import Envelope
from realtime.fragments import fragment, render_fragment
from request_body import whole_number
from route_limits import user_action
from services import notifications
from services.validation import is_id

bp = Blueprint("notifications", __name__)

LIST_PAGE = 20  # notifications a page shows


def _id(raw: str) -> int | None:
    number = whole_number(raw)
    return number if is_id(number) else None


@bp.get("/notifications")
@login_required
def index():
    items = notifications.listing(current_user.id, _id(request.args.get("before", "")))
    return render_template(
        "notifications/index.html", items=[notifications.to_dict(item) for item in items]
    )


@user_action(bp, "POST", "/notifications/read", budgets.NOTIFICATION_READ)
def mark_read():
    raw = request.form.get("id", "")
    shown = request.form.get("ids", "")
    seen: list[dict] = []
    if raw.isdecimal() or shown:
        # One notification (its "Mark read"), or the ones a page showed, seen there: each
        # is redrawn as read where it is. An id that cannot exist, or is not one's own,
        # marks nothing.
        parts = [raw] if raw.isdecimal() else shown.split(",")[:LIST_PAGE]
        ids = [number for part in parts if (number := _id(part))]
        unread = notifications.mark_read(current_user.id, ids)
        seen = [notifications.to_dict(n) for n in notifications.owned(current_user.id, ids)]
    else:  # the "mark all read" button
        unread = notifications.mark_read(current_user.id, None)
    if is_htmx():
        # This page's badge at once (its stream may not be open yet); other tabs hear
        # of it on theirs.
        return render_template("notifications/_badge_update.html", count=unread, seen=seen)
    return redirect(url_for("notifications.index"))


@fragment(notifications.NOTIFICATION_UPDATED)
def _updated(envelope: Envelope, _viewer: int) -> list[tuple[str, str]]:
    """Redrawn where it is (the list and the home page), not brought to the top."""
    data = envelope.data
    item = render_fragment("partials/notification_item.html", n=data, replace=True)
    return [("notification-count", badge(data["unread_count"])), ("notification-changed", item)]


@fragment(notifications.NOTIFICATION_REMOVED)
def _removed(envelope: Envelope, _viewer: int) -> list[tuple[str, str]]:
    data = envelope.data
    gone = f'<li id="notification-{int(data["id"])}" hx-swap-oob="delete"></li>'
    return [("notification-count", badge(data["unread_count"])), ("notification-changed", gone)]


@bp.app_context_processor
def unread_notifications() -> dict:
    """The navigation's badge: right on every page load, live through the SSE swap."""
    if current_user and current_user.is_authenticated:  # None outside a request
        return {"unread_notifications": notifications.unread_count(current_user.id)}
    return {"unread_notifications": 0}
