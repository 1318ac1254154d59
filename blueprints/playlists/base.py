"""The playlists blueprint itself and what its pages share: drawing a playlist's page
(with a form's errors and what was typed) and its list of items."""

from __future__ import annotations

from flask import Blueprint, render_template, url_for
from flask_login import current_user

from services import playlist_views

bp = Blueprint("playlists", __name__)

STALE = "The list changed while you were moving; here is the current order."
VISIBILITY_WORDS = {
    "public": "Public: anyone signed in can find and follow it",
    "unlisted": "Unlisted: only people with its link can see it",
    "private": "Private: only you and the people building it can see it",
}


def playlist_url(playlist_id: int, anchor: str = "") -> str:
    return url_for("playlists.show", playlist_id=playlist_id) + anchor


def render_show(playlist_id: int, token: str | None = None, status: int = 200, **forms: object):
    """A playlist's page for the signed-in person (NotFound when they may not see it).
    `forms`: a form's `errors` and typed `values` by form name, and a `notice`."""
    shown = playlist_views.detail(current_user, playlist_id, token)
    return render_template(
        "playlists/show.html",
        p=shown,
        token=token,
        errors=forms.get("errors") or {},
        values=forms.get("values") or {},
        notice=forms.get("notice"),
        words=VISIBILITY_WORDS,
        stream_args=stream_args(playlist_id, token),
    ), status


def render_items(playlist_id: int, status: int = 200, notice: str | None = None):
    """The list of items alone, as a page's script swaps it in."""
    shown = playlist_views.detail(current_user, playlist_id)
    return render_template("playlists/_items.html", p=shown, notice=notice, oob=False), status


def stream_args(playlist_id: int, token: str | None) -> dict:
    """The page's stream hears the playlist (blueprints/playlists/live.py)."""
    args: dict = {"playlist": playlist_id}
    if token:
        args["playlist_token"] = token
    return args
