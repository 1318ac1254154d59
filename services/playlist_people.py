"""Who builds a playlist with its owner, and who follows it.

The owner invites collaborators among the people they may message (as conversations
decide it: not themselves, nobody blocked either way) and removes them; a collaborator
may leave. Anyone who sees a public playlist may follow it. Each change gives or takes
the playlist's channel (`bus.subscribe_user` / `unsubscribe_user`), so live connections
and the cached channel sets follow at once; a block between two people ends these ties
between them (`cut_ties`).
"""

from __future__ import annotations

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.exc import IntegrityError

from errors import Forbidden, NotFound, ValidationError
from extensions import db
from models.playlist import Playlist, PlaylistCollaborator, PlaylistFollow
from models.user import User
from realtime.bus import bus
from services import accounts, conversations, notifications, playlists, tallies
from services.unit_of_work import unit_of_work

COLLABORATORS_MAX = 50


def collaborators(viewer: User, playlist_id: object, token: object = None) -> list[User]:
    playlist = playlists.visible_playlist(viewer, playlist_id, token).playlist
    return list(
        db.session.scalars(
            select(User)
            .join(PlaylistCollaborator, PlaylistCollaborator.user_id == User.id)
            .where(PlaylistCollaborator.playlist_id == playlist.id)
            .order_by(PlaylistCollaborator.created_at, User.id)
        )
    )


def _gain(
    user_id: int, playlist: Playlist, tie: type[PlaylistCollaborator | PlaylistFollow]
) -> bool:
    """Add the person's `tie` to the playlist and give them its channel unless they had it;
    False, with nothing changed, when another request made the same tie a moment ago."""
    held = playlists.holds(user_id, playlist)
    db.session.add(tie(playlist_id=playlist.id, user_id=user_id))
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return False
    if not held:
        bus.subscribe_user(user_id, playlists.channel(playlist.id))
    return True


def _lose_unless_held(user_id: int, playlist: Playlist) -> None:
    """Out of their stream, unless they hold it otherwise; a page open on the playlist
    keeps hearing it while they may still see it without its link (it is public)."""
    if not playlists.holds(user_id, playlist):
        still_seen = playlists.sees(user_id, playlist)
        bus.unsubscribe_user(user_id, playlists.channel(playlist.id), keep_pages=still_seen)


@unit_of_work
def invite(actor: User, playlist_id: object, username: str) -> User:
    """The owner makes someone a collaborator (again: nothing changes); they are told."""
    playlist = playlists.owned(actor, playlist_id).playlist
    person = accounts.get_by_username(username)
    if person.id == actor.id:
        raise ValidationError("You own this playlist already.", field="username")
    if not conversations.may_message(actor.id, person.id):
        raise Forbidden("You cannot invite this person.")
    if playlists.is_collaborator(playlist.id, person.id):
        return person
    if tallies.count_of(PlaylistCollaborator.playlist_id, playlist.id) >= COLLABORATORS_MAX:
        raise ValidationError(
            f"A playlist has at most {COLLABORATORS_MAX} collaborators.", field="username"
        )
    if not _gain(person.id, playlist, PlaylistCollaborator):  # invited a moment ago
        return person
    notifications.notify(
        person.id,
        notifications.PLAYLIST_INVITE,
        actor=actor,
        subject={"type": "playlist", "id": playlist.id, "text": playlist.title},
    )
    return person


@unit_of_work
def remove(actor: User, playlist_id: object, username: str) -> User:
    """The owner removes a collaborator, or a collaborator leaves."""
    access = playlists.visible_playlist(actor, playlist_id)
    person = accounts.get_by_username(username)
    if not (access.is_owner or (access.is_collaborator and person.id == actor.id)):
        raise Forbidden("Only its owner removes collaborators.")
    playlist = access.playlist
    removed = db.session.execute(
        delete(PlaylistCollaborator).where(
            PlaylistCollaborator.playlist_id == playlist.id,
            PlaylistCollaborator.user_id == person.id,
        )
    ).rowcount
    if not removed:
        raise NotFound("They are not a collaborator of this playlist.")
    _lose_unless_held(person.id, playlist)
    return person


@unit_of_work
def follow(actor: User, playlist_id: object) -> Playlist:
    """Follow a public playlist (again: nothing changes): its changes reach the actor."""
    access = playlists.visible_playlist(actor, playlist_id)
    playlist = access.playlist
    if access.is_owner:
        raise ValidationError("You cannot follow your own playlist.", code="cannot_follow_self")
    if playlist.visibility != "public":
        raise Forbidden("Only public playlists can be followed.")
    if playlists.follows(playlist.id, actor.id):
        return playlist
    _gain(actor.id, playlist, PlaylistFollow)
    return playlist


@unit_of_work
def unfollow(actor: User, playlist_id: object) -> Playlist:
    playlist = playlists.visible_playlist(actor, playlist_id).playlist
    db.session.execute(
        delete(PlaylistFollow).where(
            PlaylistFollow.playlist_id == playlist.id, PlaylistFollow.user_id == actor.id
        )
    )
    _lose_unless_held(actor.id, playlist)
    return playlist


def cut_ties(a: int, b: int) -> None:
    """A block between `a` and `b`: neither stays a collaborator or a follower of the
    other's playlists, nor hears one of them from a page left open. Part of the caller's
    unit of work."""
    for owner, other in ((a, b), (b, a)):
        for playlist_id in db.session.scalars(
            select(Playlist.id).where(Playlist.owner_id == owner)
        ):
            bus.unsubscribe_user(other, playlists.channel(playlist_id))
    for table in (PlaylistCollaborator, PlaylistFollow):
        pairs = db.session.execute(
            select(table.playlist_id, table.user_id)
            .join(Playlist, Playlist.id == table.playlist_id)
            .where(
                or_(
                    and_(Playlist.owner_id == a, table.user_id == b),
                    and_(Playlist.owner_id == b, table.user_id == a),
                )
            )
        ).all()
        for playlist_id, user_id in pairs:
            db.session.execute(
                delete(table).where(table.playlist_id == playlist_id, table.user_id == user_id)
            )
            _lose_unless_held(user_id, db.session.get(Playlist, playlist_id))


def withdraw(person: User) -> None:
    """A deleted account's playlists go, and it leaves those it helped with or followed.
    Part of the caller's unit of work."""
    owned = db.session.scalars(select(Playlist).where(Playlist.owner_id == person.id)).all()
    for playlist in owned:
        playlists.erase(playlist)
    for table in (PlaylistCollaborator, PlaylistFollow):
        held = list(db.session.scalars(select(table.playlist_id).where(table.user_id == person.id)))
        db.session.execute(delete(table).where(table.user_id == person.id))
        for playlist_id in held:
            _lose_unless_held(person.id, db.session.get(Playlist, playlist_id))
