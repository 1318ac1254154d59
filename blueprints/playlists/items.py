"""A playlist's items: adding a video, removing one, moving one up, down or (from the
page's script) to any place, always from the version of the list the page showed."""

from __future__ import annotations

import re

from flask import redirect, request
from flask_login import current_user

import budgets
from blueprints.htmx_responses import int_or_raw, is_htmx
from blueprints.playlists.base import STALE, bp, playlist_url, render_items, render_show
from errors import Conflict, ServiceError
from request_body import form_fields
from route_limits import user_action
from services import playlist_items

START = re.compile(r"(?:(\d{1,2}):)?(\d{1,4}):([0-5]\d)|(\d{1,5})")
START_WORDS = "Give the start as minutes and seconds, like 1:30 (or leave it empty)."
# The service's field names, as the form names them.
ITEM_FIELDS = {"video_url": "video_url", "title": "title", "start_seconds": "start"}


def start_seconds(raw: str) -> int | None:
    """`1:30`, `1:02:03` or `90` as seconds; None when empty. ValueError otherwise."""
    raw = raw.strip()
    if not raw:
        return None
    match = START.fullmatch(raw)
    if match is None:
        raise ValueError(raw)
    hours, minutes, seconds, alone = match.groups()
    if alone is not None:
        return int(alone)
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds)


@user_action(bp, "POST", "/playlists/<int:playlist_id>/items", budgets.PLAYLIST_ITEMS)
def add_item(playlist_id: int):
    typed = form_fields(("video_url", "title", "start"))
    try:
        start = start_seconds(typed["start"])
        added = playlist_items.add(
            current_user, playlist_id, typed["video_url"].strip(), typed["title"], start
        )
    except ValueError:
        return _add_refused(playlist_id, {"start": START_WORDS}, typed)
    except ServiceError as error:
        if error.status != 400:
            raise
        field = ITEM_FIELDS.get(error.field or "", "form")
        return _add_refused(playlist_id, {field: error.message}, typed)
    return redirect(playlist_url(playlist_id, f"#item-{added['item']['id']}"))


def _add_refused(playlist_id: int, errors: dict, typed: dict):
    return render_show(playlist_id, status=400, errors={"add": errors}, values={"add": typed})


@user_action(
    bp,
    "POST",
    "/playlists/<int:playlist_id>/items/<int:playlist_item_id>/remove",
    budgets.PLAYLIST_ITEMS,
)
def remove_item(playlist_id: int, playlist_item_id: int):
    playlist_items.remove(current_user, playlist_id, playlist_item_id)
    if is_htmx():
        return render_items(playlist_id)
    return redirect(playlist_url(playlist_id, "#playlist-items"))


@user_action(
    bp,
    "POST",
    "/playlists/<int:playlist_id>/items/<int:playlist_item_id>/move",
    budgets.PLAYLIST_ITEMS,
)
def move_item(playlist_id: int, playlist_item_id: int):
    """A move from the version the page showed; a stale one shows the order as it is
    now and says so. The page's script gets the list alone (409 when stale)."""
    position = int_or_raw(request.form.get("position"))
    version = int_or_raw(request.form.get("version"))
    try:
        playlist_items.move(current_user, playlist_id, playlist_item_id, position, version)
    except Conflict as error:
        if error.code != "stale_version":
            raise
        if is_htmx():
            return render_items(playlist_id, 409, STALE)
        return render_show(playlist_id, status=409, notice=STALE)
    if is_htmx():
        return render_items(playlist_id)
    return redirect(playlist_url(playlist_id, f"#item-{playlist_item_id}"))
