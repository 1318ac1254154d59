"""Playlists and watch parties together: a party started from a playlist (its queue
filled from it, in order), a party's queue kept as a new playlist, and the video a
party plays added to one of one's playlists. Each is one unit of work, so a failure
half-way leaves neither a party without its queue nor half a playlist."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from errors import Forbidden, ValidationError
from models.party import Party
from models.playlist import Playlist
from models.user import User
from services import parties, party_access, party_queue, party_shapes, playlist_items, playlists
from services.unit_of_work import unit_of_work
from services.validation import clean_text

QUEUE_SUFFIX = " (queue)"


@unit_of_work
def start_party(actor: User, playlist_id: object, fields: Mapping[str, Any]) -> Party:
    """A live party of the playlist, its first video playing and the rest queued (as
    many as a queue holds). `fields`: the party's `title` (the playlist's if empty),
    `visibility`, and the playlist's share `token` for an unlisted one."""
    access = playlists.visible_playlist(actor, playlist_id, fields.get("token"))
    playlist = access.playlist
    ordered = playlist_items.items(playlist.id)
    if not ordered:
        raise ValidationError("This playlist has no videos yet.", field="playlist_id")
    shared = playlist.visibility == "public"
    # A playlist kept from the public stays so: its party is private unless its owner
    # chooses otherwise.
    visibility = fields.get("visibility") or ("public" if shared else "private")
    if not shared and visibility != "private" and not access.is_owner:
        raise Forbidden(
            "Only its owner can open a party of this playlist to more people.", code="not_owner"
        )
    title = fields.get("title") or playlist.title
    party = parties.create(
        actor,
        {
            "title": title,
            "description": f"From the playlist “{playlist.title}”." if shared else "",
            "media_url": ordered[0].video_url,
            "visibility": visibility,
        },
    )
    party_queue.name_opening(party, _cut(ordered[0].title, parties.TITLE_MAX))
    for item in ordered[1 : party_queue.QUEUE_MAX + 1]:
        party_queue.add(actor, party.id, item.video_url, _cut(item.title, parties.TITLE_MAX))
    return party


@unit_of_work
def save_queue(actor: User, party_id: object, title: object = None) -> Playlist:
    """A new private playlist of the actor's: what the party plays now, then its queue."""
    party = party_access.present(actor, party_id).party
    named = _cut(party.title, playlists.TITLE_MAX - len(QUEUE_SUFFIX)) + QUEUE_SUFFIX
    playlist = playlists.create(actor, title or named)
    for url, name in _now_and_next(party):
        playlist_items.add(actor, playlist.id, url, name)
    return playlist


@unit_of_work
def add_playing(actor: User, party_id: object, playlist_id: object) -> dict:
    """The video the party plays now, at the end of one of the actor's playlists."""
    party = party_access.present(actor, party_id).party
    if not party.media_url:
        raise ValidationError("The party plays nothing yet.", field="party_id")
    title = party_shapes.shareable_title(party) or ""
    return playlist_items.add(actor, playlist_id, party.media_url, title)


def _now_and_next(party: Party) -> list[tuple[str, str]]:
    title = party_shapes.shareable_title(party) or ""
    playing = [(party.media_url, title)] if party.media_url else []
    queued = [
        (item.media_url, item.title)
        for item in party_queue.items(party.id)
        if item.status == "queued"
    ]
    return playing + queued


def _cut(title: str | None, limit: int) -> str:
    """At most `limit` characters, without a joiner the cut left dangling."""
    return clean_text((title or "")[:limit], "title", strip=True)
