"""The home page and the live-stream page."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user, login_required

import budgets
from blueprints.htmx_responses import is_htmx
from realtime.events import KNOWN_EVENTS, Envelope
from realtime.fragments import fragment, render_fragment
from request_body import query_choice
from route_limits import user_action
from services import accounts, diagnostics, notifications, parties, party_shapes, profiles
from services import home as home_service

bp = Blueprint("main", __name__)

NOTIFICATION = "partials/notification_item.html"
LIVE_TRANSPORTS = {
    "websocket": "WebSocket",
    "polling": "Engine.IO polling",
    "sse": "Server-Sent Events",
    "longpoll": "Long-polling",
    "htmx": "htmx SSE (no script of ours)",
}


@bp.get("/")
def home():
    """Signed out: what the site is. Signed in: one's own page, each region live."""
    if not current_user.is_authenticated:
        return render_template("main/welcome.html")
    viewer = current_user._get_current_object()
    unread = home_service.unread_conversations(viewer)
    people = home_service.suggestions(viewer)
    presences = home_service.partner_presences(viewer.id, unread)
    return render_template(
        "main/home.html",
        parties=home_service.parties_for(viewer),
        unread=unread,
        presences=presences,
        notifications=home_service.recent_notifications(viewer.id),
        people=people,
        people_presences={
            s.person.id: profiles.visible_presence(viewer.id, s.person) for s in people
        },
        first_visit=home_service.is_new(viewer),
    )


@fragment(parties.ENDED)
def _party_ended(envelope: Envelope, viewer_id: int) -> list[tuple[str, str]]:
    """A party that ends leaves the home page's parties, and the viewer's notifications
    about it (an invitation, its start) say so in place, without a Join button (on the
    home page and the notifications page alike). Its
    followers and its people hear of the end (services/parties.py `finish`)."""
    party_id = int(envelope.data["party_id"])
    notes = "".join(
        render_fragment(NOTIFICATION, n=n, replace=True)
        for n in notifications.about(viewer_id, f"party:{party_id}")
    )
    gone = f'<li id="home-party-{party_id}" hx-swap-oob="delete"></li>'
    return [("home-party-gone", gone), ("notification-changed", notes)]


@fragment(party_shapes.LISTING)
def _public_party(envelope: Envelope, viewer_id: int) -> list[tuple[str, str]]:
    """A public party scheduled, started or ended, told to everyone: the home page shows
    its card as it is now (added, or replaced in place: "starts ..." becomes "Live"), or
    drops it once it no longer belongs there."""
    party_id = int(envelope.data["party_id"])
    viewer = accounts.find_by_id(viewer_id) if envelope.data["status"] != "ended" else None
    card = home_service.party_on_home(viewer, party_id) if viewer else None
    if card is None:
        return [("home-party-gone", f'<li id="home-party-{party_id}" hx-swap-oob="delete"></li>')]
    return [("home-party", render_fragment("main/_party.html", p=card))]


@bp.get("/live")
@login_required
def live():
    """Your own stream, live, over the transport you pick."""
    transport = query_choice("transport", LIVE_TRANSPORTS)
    return render_template(
        "main/live.html",
        transport=transport,
        transports=LIVE_TRANSPORTS,
        event_names=KNOWN_EVENTS,
    )


@user_action(bp, "POST", "/live/echo", budgets.ECHO)
def live_echo():
    diagnostics.echo(current_user.id, {"text": request.form.get("text", "")})
    if is_htmx():
        return "", 204
    return redirect(url_for("main.live", transport=request.args.get("transport", "websocket")))
