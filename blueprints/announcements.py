"""The announcement banner on every signed-in page: shown from the page's render, added
and dropped live by the page's stream, and closed by a form that works without
JavaScript (the dismissal is kept for the person, on every device)."""

from __future__ import annotations

from flask import Blueprint, redirect, request
from flask_login import current_user

import budgets
from blueprints.auth import safe_next
from blueprints.htmx_responses import is_htmx
from realtime.events import Envelope
from realtime.fragments import fragment, render_fragment
from route_limits import user_action
from services import announcements

bp = Blueprint("announcements", __name__)

BANNER = "partials/announcement.html"
SWAP = "announcement"  # the banner region's sse-swap name


@bp.app_context_processor
def _shown() -> dict:
    """The banners a page shows, asked for only by pages that show them."""

    def shown() -> list[dict]:
        if current_user and current_user.is_authenticated:
            return [announcements.to_dict(a) for a in announcements.current(current_user)]
        return []

    return {"site_announcements": shown}


@user_action(
    bp, "POST", "/announcements/<int:announcement_id>/dismiss", budgets.ANNOUNCEMENT_DISMISS
)
def dismiss(announcement_id: int):
    announcements.dismiss(current_user, announcement_id)
    if is_htmx():
        return "", 200  # the banner swaps itself out
    return redirect(safe_next(request.form.get("next")))


@fragment(announcements.POSTED)
def _posted(envelope: Envelope, viewer_id: int) -> list[tuple[str, str]]:
    """Every open page shows the new banner, unless it is gone or dismissed by the time
    the page hears of it (a replay after a resume)."""
    if not announcements.showing(envelope.data["id"], viewer_id):
        return []
    return [(SWAP, render_fragment(BANNER, a=envelope.data, live=True))]


@fragment(announcements.WITHDRAWN)
@fragment(announcements.DISMISSED)
def _gone(envelope: Envelope, _viewer_id: int) -> list[tuple[str, str]]:
    """Withdrawn for everyone, or dismissed by this person on another page."""
    html = f'<div id="announcement-{int(envelope.data["id"])}" hx-swap-oob="delete"></div>'
    return [(SWAP + "-gone", html)]
