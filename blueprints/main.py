"""The home page and the live-stream page."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user, login_required

import budgets
from blueprints.htmx_responses import go, is_htmx
from blueprints.live_fragments import redrawn
from blueprints.post_forms import uploaded_image
from blueprints.post_live import FEED_AFTER
from blueprints.post_views import cards
from errors import ServiceError
from realtime.events import KNOWN_EVENTS, Envelope
from realtime.fragments import fragment, render_fragment
from request_body import form_fields, query_choice
from route_limits import user_action
from services import (
    accounts,
    diagnostics,
    feed,
    notifications,
    parties,
    party_shapes,
    posts,
    profiles,
)
from services import home as home_service

bp = Blueprint("main", __name__)

FEED_TABS = {"following": "Following", "discover": "Discover"}
LIVE_TRANSPORTS = {
    "websocket": "WebSocket",
    "polling": "Engine.IO polling",
    "sse": "Server-Sent Events",
    "longpoll": "Long-polling",
    "htmx": "htmx SSE (no script of ours)",
}


@bp.get("/")
def home():
    """Signed out: what the site is. Signed in: one's feed and composer beside one's
    parties, unread conversations and notifications, each region live."""
    if not current_user.is_authenticated:
        return render_template("main/welcome.html")
    if is_htmx() and request.args.get("cursor"):  # "Older posts", loaded in place
        tab, page = _feed_page()
        return render_template("posts/_page.html", page=page, more_url=_older(tab, page))
    return _home_page()


@user_action(bp, "POST", "/posts", budgets.POST_WRITE)
def create_post():
    """The composer: a post, then the feed that shows it; a refusal comes back beside
    its field, with what was typed."""
    values = form_fields(("text", "video_url", "audience", "image_alt"))
    try:
        audience = values["audience"] or None  # the service's default
        posts.create(
            current_user,
            values["text"],
            values["video_url"],
            audience,
            uploaded_image(),
            values["image_alt"],
        )
    except ServiceError as error:
        return _home_page({error.field or "form": error.message}, values), 400
    return go(url_for("main.home"))


def _feed_page() -> tuple[str, dict]:
    tab = query_choice("tab", FEED_TABS)
    lister = feed.discover if tab == "discover" else feed.feed
    page = lister(current_user, request.args.get("cursor"))
    return tab, {**page, "posts": cards(current_user.id, page["posts"])}


def _older(tab: str, page: dict) -> str | None:
    cursor = page["next_cursor"]
    return url_for("main.home", tab=tab, cursor=cursor) if cursor else None


def _stream_args(tab: str, page: dict, live_feed: bool) -> dict:
    """The feed's first page hears new posts; Discover's cards hear their authors' public
    posts (likes, edits, deletion)."""
    if live_feed:
        return {FEED_AFTER: page["posts"][0]["id"] if page["posts"] else 0}
    if tab == "discover":
        return {"author": sorted({post["author"]["id"] for post in page["posts"]})}
    return {}


def _home_page(errors: dict | None = None, values: dict | None = None) -> str:
    viewer = current_user._get_current_object()
    tab, page = _feed_page()
    unread = home_service.unread_conversations(viewer)
    people = home_service.suggestions(viewer)
    presences = home_service.partner_presences(viewer.id, unread)
    live_feed = tab == "following" and not request.args.get("cursor")
    return render_template(
        "main/home.html",
        tab=tab,
        tabs=FEED_TABS,
        page=page,
        more_url=_older(tab, page),
        errors=errors or {},
        values=values or {},
        live_feed=live_feed,
        stream_args=_stream_args(tab, page, live_feed),
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
    notes = redrawn(notifications.about(viewer_id, f"party:{party_id}"))
    gone = f'<li id="home-party-{party_id}" hx-swap-oob="delete"></li>'
    return [("home-party-gone", gone), ("notification-changed", notes)]


@fragment(party_shapes.LISTING)
def _public_party(envelope: Envelope, viewer_id: int) -> list[tuple[str, str]]:
    """A public party scheduled, started or ended, told to everyone: the home page shows
    its card as it is now (added, or replaced in place: "starts ..." becomes "Live"), or
    drops it once it no longer belongs there."""
    party_id = int(envelope.data["party_id"])
    return _home_card(viewer_id, party_id, gone=envelope.data["status"] == "ended")


@fragment(party_shapes.HOST_CHANGED)
def _host_changed(envelope: Envelope, viewer_id: int) -> list[tuple[str, str]]:
    """The card names the new host, or leaves a home page it no longer belongs on (a
    friends-only party of someone the viewer is not friends with)."""
    return _home_card(viewer_id, int(envelope.data["party_id"]))


@fragment(party_shapes.MEMBER_LEFT)
def _left_party(envelope: Envelope, viewer_id: int) -> list[tuple[str, str]]:
    """The viewer left a party or was removed from it (here or in another tab): its card
    stays on the home page only while it still belongs there (a public party, a
    followed person's), redrawn without "Open"."""
    if (envelope.data.get("user") or {}).get("id") != viewer_id:
        return []
    return _home_card(viewer_id, int(envelope.data["party_id"]))


def _home_card(viewer_id: int, party_id: int, *, gone: bool = False) -> list[tuple[str, str]]:
    """The party's card on the viewer's home page as it is now, or its removal."""
    viewer = None if gone else accounts.find_by_id(viewer_id)
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
        "main/live.html", transport=transport, transports=LIVE_TRANSPORTS, event_names=KNOWN_EVENTS
    )


@user_action(bp, "POST", "/live/echo", budgets.ECHO)
def live_echo():
    diagnostics.echo(current_user.id, {"text": request.form.get("text", "")})
    if is_htmx():
        return "", 204
    return redirect(url_for("main.live", transport=request.args.get("transport", "websocket")))
