"""Playlists as the API shows them to one viewer: a list, or one with its items and
collaborators."""

from __future__ import annotations

from models.user import User
from services import playlist_items, playlist_people, playlists


def detail(viewer: User, playlist_id: object, token: object = None) -> dict:
    """One playlist the viewer may see (NotFound otherwise), with its items in order and
    its collaborators."""
    access = playlists.visible_playlist(viewer, playlist_id, token)
    playlist = access.playlist
    return {
        **playlists.view_dict(access),
        "items": [playlist_items.to_dict(item) for item in playlist_items.items(playlist.id)],
        "collaborators": [
            person.to_summary()
            for person in playlist_people.collaborators(viewer, playlist.id, token)
        ],
    }


def mine(viewer: User) -> list[dict]:
    """The viewer's playlists and those they collaborate on."""
    return playlists.access_dicts(viewer, playlists.mine(viewer))


def of_user(viewer: User, username: str) -> list[dict]:
    """Someone's public playlists (all of them for themselves)."""
    return playlists.access_dicts(viewer, playlists.of_user(viewer, username))


def created(viewer: User, title: object, description: object, visibility: object) -> dict:
    """Create a playlist; it as its owner sees it."""
    playlist = playlists.create(viewer, title, description, visibility)
    return playlists.view_dict(playlists.Access(playlist, viewer.id, True, False))


def edited(viewer: User, playlist_id: object, changes: object) -> dict:
    """Change a playlist; it as its owner sees it."""
    playlist = playlists.edit(viewer, playlist_id, changes)
    return playlists.view_dict(playlists.Access(playlist, viewer.id, True, False))
