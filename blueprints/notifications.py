"""The notifications page and its read buttons."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from blueprints.limits import per_user
from services import notifications

bp = Blueprint("notifications", __name__)


@bp.get("/notifications")
@login_required
def index():
    before = request.args.get("before", "")
    items = notifications.listing(current_user.id, int(before) if before.isdigit() else None)
    return render_template(
        "notifications/index.html", items=[notifications.to_dict(item) for item in items]
    )


@bp.post("/notifications/read")
@per_user("NOTIFICATION_READ_RATE_LIMIT")
@login_required
def mark_read():
    raw = request.form.get("id", "")
    notifications.mark_read(current_user.id, [int(raw)] if raw.isdigit() else None)
    if request.headers.get("HX-Request"):
        return "", 204
    return redirect(url_for("notifications.index"))


@bp.app_context_processor
def unread_notifications() -> dict:
    """The navigation's badge: right on every page load, live through the SSE swap."""
    if current_user and current_user.is_authenticated:  # None outside a request
        return {"unread_notifications": notifications.unread_count(current_user.id)}
    return {"unread_notifications": 0}
