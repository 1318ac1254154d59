"""What a playlist's stored events and notifications say once it changes or goes: its
title and description as they are now, and nothing of what it was once it is gone (a
replay of the log and a notification must not keep what its owner or a moderator took
back)."""

from __future__ import annotations

from sqlalchemy import select

from extensions import db
from models.playlist import Playlist, PlaylistItem
from realtime.bus import bus
from services import notifications

UPDATED = "playlist:updated"
ITEM_ADDED = "playlist:item_added"


def describe(playlist: Playlist, described: dict) -> None:
    """Its stored `playlist:updated` events describe it as `described`."""
    bus.redact(
        f"playlist:{playlist.id}",
        (UPDATED,),
        lambda stored: {
            **stored,
            "playlist": stored["playlist"] and {**stored["playlist"], **described},
        },
    )


def forget(playlist: Playlist) -> None:
    """Deleted or taken down, in the caller's unit of work: nothing quotes what it was
    called or held any more."""
    notifications.retext(f"playlist:{playlist.id}", None)
    describe(playlist, {"title": "", "description": ""})
    held = select(PlaylistItem.id).where(PlaylistItem.playlist_id == playlist.id)
    for item_id in db.session.scalars(held).all():
        forget_item(item_id)


def forget_item(item_id: int) -> None:
    """An item gone (taken out, or with its playlist): its stored arrival no longer says
    what it was."""
    bus.redact(
        f"playlist_item:{item_id}",
        (ITEM_ADDED,),
        lambda stored: {**stored, "item": {**stored["item"], "title": "", "video_url": ""}},
    )
