"""The notifications page and its read buttons."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user, login_required

import budgets
from route_limits import per_user
from services import notifications
from services.validation import is_id

bp = Blueprint("notifications", __name__)


def _id(raw: str) -> int | None:
    return int(raw) if raw.isdecimal() and is_id(int(raw)) else None


@bp.get("/notifications")
@login_required
def index():
    items = notifications.listing(current_user.id, _id(request.args.get("before", "")))
    return render_template(
        "notifications/index.html", items=[notifications.to_dict(item) for item in items]
    )


@bp.post("/notifications/read")
@per_user(budgets.NOTIFICATION_READ)
@login_required
def mark_read():
    raw = request.form.get("id", "")
    if raw.isdecimal():  # one notification (an id that cannot exist marks nothing)
        notifications.mark_read(current_user.id, [number] if (number := _id(raw)) else [])
    else:  # the "mark all read" button
        notifications.mark_read(current_user.id, None)
    if request.headers.get("HX-Request"):
        return "", 204
    return redirect(url_for("notifications.index"))


@bp.app_context_processor
def unread_notifications() -> dict:
    """The navigation's badge: right on every page load, live through the SSE swap."""
    if current_user and current_user.is_authenticated:  # None outside a request
        return {"unread_notifications": notifications.unread_count(current_user.id)}
    return {"unread_notifications": 0}
