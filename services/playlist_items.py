"""A playlist's items: its owner and collaborators add, remove and move them.

Positions run from 0 without gaps. Every change first takes the playlist's next version
(`playlists.take_version`), which locks its row until the commit, and only then reads the
order it changes: two changes of one playlist happen one after the other, never
interleaved. A move names the version its client saw; if the playlist has changed since,
it is refused (409 `stale_version`) with the order as it is now, to try again from.
"""

from __future__ import annotations

from sqlalchemy import select

from errors import NotFound, ValidationError
from extensions import db
from models.clock import iso
from models.columns import fields
from models.playlist import Playlist, PlaylistFollow, PlaylistItem
from models.user import User
from services import notifications, party_media, playlist_redaction, playlists, voice
from services.playlist_redaction import ITEM_ADDED
from services.positions import by_position
from services.unit_of_work import unit_of_work
from services.validation import is_id, text

ITEM_MOVED = "playlist:item_moved"
ITEM_REMOVED = "playlist:item_removed"
ITEMS_MAX = 500
ITEM_TITLE_MAX = 200
# A start further in than a day is a mistake.
START_MAX = 24 * 60 * 60


def to_dict(item: PlaylistItem) -> dict:
    return {
        **fields(item, "id", "playlist_id", "video_url", "title", "start_seconds", "position"),
        "added_by": item.adder.to_summary() if item.adder else None,
        "created_at": iso(item.created_at),
    }


def items(playlist_id: int) -> list[PlaylistItem]:
    """The playlist's items in their order."""
    return by_position(PlaylistItem, PlaylistItem.playlist_id == playlist_id)


def listing(viewer: User, playlist_id: object, token: object = None) -> list[PlaylistItem]:
    return items(playlists.visible_playlist(viewer, playlist_id, token).playlist.id)


def _renumber(ordered: list[PlaylistItem]) -> list[int]:
    """Positions 0, 1, 2... in this order; the ids in it."""
    for index, item in enumerate(ordered):
        if item.position != index:
            item.position = index
    return [item.id for item in ordered]


def _start(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= START_MAX:
        raise ValidationError(
            f"'start_seconds' must be a whole number from 0 to {START_MAX}.", field="start_seconds"
        )
    return value


@unit_of_work
def add(
    actor: User, playlist_id: object, video_url: object, title: object = None, start: object = None
) -> dict:
    """A video at the end of the playlist. The owner hears of what others add. Gives
    the item and the playlist's new version."""
    playlist = playlists.editor(actor, playlist_id).playlist
    voice.can_speak(actor)
    item = PlaylistItem(
        playlist_id=playlist.id,
        video_url=party_media.clean_media(video_url, "video_url"),
        title=text(title, "title", max_length=ITEM_TITLE_MAX),
        start_seconds=_start(start),
        added_by=actor.id,
    )
    playlists.take_version(playlist)
    count = len(items(playlist.id))
    if count >= ITEMS_MAX:
        raise ValidationError(
            f"A playlist holds at most {ITEMS_MAX} videos.", field="video_url", code="full"
        )
    item.position = count
    db.session.add(item)
    db.session.flush()
    added = {"item": to_dict(item), "version": playlist.version}
    playlists.publish(playlist, ITEM_ADDED, {"playlist_id": playlist.id, **added})
    _tell_of_addition(actor, playlist)
    return added


def _tell_of_addition(actor: User, playlist: Playlist) -> None:
    """Its owner and its followers hear that someone else added to it."""
    subject = {"type": "playlist", "id": playlist.id, "text": playlist.title}
    if actor.id != playlist.owner_id:
        notifications.notify(
            playlist.owner_id, notifications.PLAYLIST_ITEM, actor=actor, subject=subject
        )
    if playlist.visibility != "public":
        return  # its followers no longer see it (they follow again once it is public)
    followers = select(PlaylistFollow.user_id).where(PlaylistFollow.playlist_id == playlist.id)
    for follower_id in db.session.scalars(followers).all():
        if follower_id not in (actor.id, playlist.owner_id):
            notifications.notify(
                follower_id,
                notifications.PLAYLIST_ITEM,
                actor=actor,
                subject={**subject, "following": True},
            )


def _find(ordered: list[PlaylistItem], item_id: object) -> PlaylistItem:
    found = next((item for item in ordered if is_id(item_id) and item.id == item_id), None)
    if found is None:
        raise NotFound("No such item in this playlist.")
    return found


def _version_seen(value: object) -> int:
    if not is_id(value) or value < 0:
        raise ValidationError(
            "'version' must be the playlist's version you saw (a whole number).", field="version"
        )
    return value


def state(playlist: Playlist, ordered: list[PlaylistItem]) -> dict:
    """The playlist's version and items, as a change leaves them."""
    return {"version": playlist.version, "items": [to_dict(item) for item in ordered]}


@unit_of_work
def move(
    actor: User, playlist_id: object, item_id: object, position: object, version: object
) -> dict:
    """Put one item at `position` (from 0; the others shift), if the playlist is still at
    `version`; else 409 `stale_version` with the current order. Gives the new `state`."""
    playlist = playlists.editor(actor, playlist_id).playlist
    seen = _version_seen(version)
    if isinstance(position, bool) or not isinstance(position, int) or position < 0:
        raise ValidationError("'position' must be a whole number from 0.", field="position")
    if not playlists.take_version(playlist, seen):
        raise playlists.stale(playlist, [to_dict(item) for item in items(playlist.id)])
    ordered = items(playlist.id)
    item = _find(ordered, item_id)
    if position >= len(ordered):
        raise ValidationError(f"'position' must be from 0 to {len(ordered) - 1}.", field="position")
    ordered.remove(item)
    ordered.insert(position, item)
    return _announce_order(playlist, ordered, ITEM_MOVED, item_id=item.id, position=position)


@unit_of_work
def remove(actor: User, playlist_id: object, item_id: object) -> dict:
    """Take an item out; those after it move up one. Gives the new `state`."""
    playlist = playlists.editor(actor, playlist_id).playlist
    playlists.take_version(playlist)
    ordered = items(playlist.id)
    item = _find(ordered, item_id)
    removed_id = item.id
    ordered.remove(item)
    db.session.delete(item)
    playlist_redaction.forget_item(removed_id)
    return _announce_order(playlist, ordered, ITEM_REMOVED, item_id=removed_id)


def _announce_order(
    playlist: Playlist, ordered: list[PlaylistItem], event: str, **change: object
) -> dict:
    """Number `ordered` afresh, announce `event` with the change and the new order, and
    give the new `state`."""
    order = _renumber(ordered)
    db.session.flush()
    payload = {"playlist_id": playlist.id, "version": playlist.version, **change, "order": order}
    playlists.publish(playlist, event, payload)
    return state(playlist, ordered)
