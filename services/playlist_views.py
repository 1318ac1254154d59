"""Playlists as the API shows them to one viewer: a list, or one with its items and
collaborators."""

from __future__ import annotations

from sqlalchemy import or_, select

from errors import NotFound
from extensions import db
from models.playlist import Playlist, PlaylistCollaborator
from models.user import User
from services import accounts, playlist_items, playlist_people, playlists
from services.relations import is_blocked_between


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


def stream_channels(viewer: User, playlist_id: object, token: object = None) -> set[str]:
    """The playlist's channel for the stream of its open page, if the viewer may see it:
    one who neither builds nor follows it hears its changes while the page is open."""
    try:
        access = playlists.visible_playlist(viewer, playlist_id, token)
    except NotFound:
        return set()
    return {playlists.channel(access.playlist.id)}


def mine(viewer: User) -> list[dict]:
    """The viewer's playlists and those they collaborate on."""
    return _dicts(viewer, editable(viewer))


def of_user(viewer: User, username: str) -> list[dict]:
    """Someone's public playlists (all of them for themselves)."""
    return _dicts(viewer, _of_user(viewer, username))


def created(viewer: User, title: object, description: object, visibility: object) -> dict:
    """Create a playlist; it as its owner sees it."""
    playlist = playlists.create(viewer, title, description, visibility)
    return playlists.view_dict(playlists.Access(playlist, viewer.id, True, False))


def edited(viewer: User, playlist_id: object, changes: object) -> dict:
    """Change a playlist; it as its owner sees it."""
    playlist = playlists.edit(viewer, playlist_id, changes)
    return playlists.view_dict(playlists.Access(playlist, viewer.id, True, False))


def on_profile(viewer: User, owner: User) -> list[dict]:
    """What a profile lists: as `of_user`, and nothing between people blocked either way
    (the profile itself stays)."""
    if is_blocked_between(viewer.id, owner.id):
        return []
    return _dicts(viewer, _of_user(viewer, owner.username))


# -- reading ----------------------------------------------------------------------------
def editable(actor: User) -> list[Playlist]:
    """The actor's own playlists and those they help build, the latest changed first."""
    collaborating = select(PlaylistCollaborator.playlist_id).where(
        PlaylistCollaborator.user_id == actor.id
    )
    return list(
        db.session.scalars(
            select(Playlist)
            .where(or_(Playlist.owner_id == actor.id, Playlist.id.in_(collaborating)))
            .order_by(Playlist.updated_at.desc(), Playlist.id.desc())
            .limit(playlists.LIST_MAX)
        )
    )


def _of_user(viewer: User, username: str) -> list[Playlist]:
    """Someone's public playlists; all of them for the person themselves."""
    owner = accounts.get_by_username(username)
    if is_blocked_between(viewer.id, owner.id):
        raise NotFound("No such user.")
    query = select(Playlist).where(Playlist.owner_id == owner.id)
    if owner.id != viewer.id:
        query = query.where(Playlist.visibility == "public")
    return list(
        db.session.scalars(
            query.order_by(Playlist.updated_at.desc(), Playlist.id.desc()).limit(playlists.LIST_MAX)
        )
    )


def _dicts(viewer: User, found: list[Playlist]) -> list[dict]:
    """Each playlist of a list as `view_dict` shows it to the viewer."""
    return [
        playlists.view_dict(
            playlists.Access(
                playlist,
                viewer.id,
                playlist.owner_id == viewer.id,
                playlist.owner_id != viewer.id
                and playlists.is_collaborator(playlist.id, viewer.id),
            )
        )
        for playlist in found
    ]
