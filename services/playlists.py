"""Playlists: lists of videos their owner keeps, alone or with collaborators.

Who sees one: its owner and collaborators always; anyone when it is public; when it is
unlisted, whoever has its share token (its link). Everyone else, and anyone blocked by
the owner or blocking them, is told it does not exist. Its changes go out on its own
channel, held by the owner, the collaborators and, while it is public, its followers.

Every change takes the playlist's next `version` with one conditional UPDATE of its row
(`take_version`), which also serializes changes of one playlist: two moves that saw the
same version cannot both win, and positions stay dense and unique. Items are in
playlist_items, collaborators and followers in playlist_people.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import bindparam, func, select, union, update
from sqlalchemy.orm.attributes import set_committed_value

from errors import Conflict, NotFound, ValidationError, granted
from extensions import db
from models.clock import iso, utcnow
from models.columns import fields
from models.driver_statements import DriverStatement
from models.playlist import Playlist, PlaylistCollaborator, PlaylistFollow, PlaylistItem
from models.user import User
from realtime.bus import bus
from realtime.channels import provider
from realtime.events import playlist_channel
from services import moderation, notifications, playlist_redaction, voice
from services.playlist_redaction import UPDATED
from services.relations import is_blocked_between
from services.unit_of_work import unit_of_work
from services.validation import is_id, one_of, text

VISIBILITIES = ("public", "unlisted", "private")
TITLE_MAX = 100
DESCRIPTION_MAX = 500
OWNED_MAX = 200
LIST_MAX = 200


def channel(playlist_id: int) -> str:
    return playlist_channel(playlist_id)


# Whose streams hold which playlist's channel: the owner's, the collaborators', and the
# followers' while it is public. Built once, run on the driver's cursor
# (models/driver_statements.py): every first handshake of a user asks it.
_HELD_BY = DriverStatement(
    union(
        select(Playlist.id).where(Playlist.owner_id == bindparam("user_id")),
        select(PlaylistCollaborator.playlist_id).where(
            PlaylistCollaborator.user_id == bindparam("user_id")
        ),
        select(PlaylistFollow.playlist_id)
        .join(Playlist, Playlist.id == PlaylistFollow.playlist_id)
        .where(PlaylistFollow.user_id == bindparam("user_id"), Playlist.visibility == "public"),
    )
)


@provider
def _playlist_channels(user_id: int) -> list[str]:
    rows = _HELD_BY.rows(db.session.connection(), {"user_id": user_id})
    return [channel(playlist_id) for (playlist_id,) in rows]


def holds(user_id: int, playlist: Playlist) -> bool:
    """Whether the person's stream carries this playlist's channel (as the provider says)."""
    if playlist.owner_id == user_id or is_collaborator(playlist.id, user_id):
        return True
    return playlist.visibility == "public" and follows(playlist.id, user_id)


def is_collaborator(playlist_id: int, user_id: int) -> bool:
    return db.session.get(PlaylistCollaborator, (playlist_id, user_id)) is not None


def follows(playlist_id: int, user_id: int) -> bool:
    return db.session.get(PlaylistFollow, (playlist_id, user_id)) is not None


# -- who may do what --------------------------------------------------------------------
@dataclass(frozen=True)
class Access:
    """A playlist as one person may see it, and what they may do with it."""

    playlist: Playlist
    viewer_id: int
    is_owner: bool
    is_collaborator: bool

    @property
    def can_edit_items(self) -> bool:
        return self.is_owner or self.is_collaborator

    @property
    def role(self) -> str:
        if self.is_owner:
            return "owner"
        return "collaborator" if self.is_collaborator else "viewer"


def _token_opens(playlist: Playlist, token: object) -> bool:
    if playlist.visibility != "unlisted" or not isinstance(token, str) or len(token) > 64:
        return False
    return hmac.compare_digest(token.encode(), playlist.share_token.encode())


def visible_playlist(viewer: User, playlist_id: object, token: object = None) -> Access:
    """The playlist if `viewer` may see it; NotFound otherwise (private to strangers,
    unlisted without its token, anything of someone blocked either way)."""
    playlist = db.session.get(Playlist, playlist_id) if is_id(playlist_id) else None
    if playlist is None or is_blocked_between(viewer.id, playlist.owner_id):
        raise NotFound("No such playlist.")
    owner = playlist.owner_id == viewer.id
    collaborator = not owner and is_collaborator(playlist.id, viewer.id)
    seen = playlist.visibility == "public" or _token_opens(playlist, token)
    if not (owner or collaborator or seen):
        raise NotFound("No such playlist.")
    return Access(playlist, viewer.id, owner, collaborator)


def editor(actor: User, playlist_id: object) -> Access:
    """The owner or a collaborator: they change its items."""
    access = visible_playlist(actor, playlist_id)
    refusal = "Only its owner and collaborators change this playlist."
    return granted(access, access.can_edit_items, refusal)


def owned(actor: User, playlist_id: object) -> Access:
    access = visible_playlist(actor, playlist_id)
    return granted(access, access.is_owner, "Only its owner may do that.")


# -- versions ---------------------------------------------------------------------------
def take_version(playlist: Playlist, seen: int | None = None) -> bool:
    """Move the playlist to its next version, in this unit of work; with `seen`, only if
    it is still at that version (False when it is not). The row stays locked until the
    commit, so the order read after this is the one every later change starts from."""
    statement = update(Playlist).where(Playlist.id == playlist.id)
    if seen is not None:
        statement = statement.where(Playlist.version == seen)
    now = utcnow()
    found = db.session.execute(
        statement.values(version=Playlist.version + 1, updated_at=now)
        .returning(Playlist.version)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    if found is None:
        return False
    set_committed_value(playlist, "version", found)
    set_committed_value(playlist, "updated_at", now)
    return True


def current_version(playlist_id: int) -> int:
    return db.session.scalar(select(Playlist.version).where(Playlist.id == playlist_id))


def stale(playlist: Playlist, items: list[dict]) -> Conflict:
    """The refusal of a change made from an older version, with the order as it is now."""
    return Conflict(
        "This playlist changed since you saw it. Here it is as it is now.",
        code="stale_version",
        details={"current": {"version": current_version(playlist.id), "items": items}},
    )


# -- shapes -----------------------------------------------------------------------------
def item_count(playlist_id: int) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(PlaylistItem)
        .where(PlaylistItem.playlist_id == playlist_id)
    )


def to_dict(playlist: Playlist) -> dict:
    """What anyone who sees the playlist may read (events carry this too)."""
    return {
        **fields(playlist, "id", "title", "description", "visibility", "version"),
        "owner": playlist.owner.to_summary(),
        "item_count": item_count(playlist.id),
        "created_at": iso(playlist.created_at),
        "updated_at": iso(playlist.updated_at),
    }


def view_dict(access: Access) -> dict:
    """The playlist for one viewer: their role, whether they follow it, and for its
    owner and collaborators its share token."""
    data = {
        **to_dict(access.playlist),
        "role": access.role,
        "following": follows(access.playlist.id, access.viewer_id),
    }
    if access.can_edit_items:
        data["share_token"] = access.playlist.share_token
    return data


def announce(playlist: Playlist) -> None:
    publish(
        playlist,
        UPDATED,
        {"playlist_id": playlist.id, "version": playlist.version, "playlist": to_dict(playlist)},
    )


def publish(playlist: Playlist, name: str, data: dict) -> None:
    """One of the playlist's events. While it is private, the event is its owner's and
    collaborators' alone, for good: made public later, the playlist does not replay what
    it was before to anyone else. While it is unlisted, its link's holders hear it too,
    but not its followers, then or on a resume once it is public again."""
    only_for = _people(playlist) if playlist.visibility == "private" else None
    hidden = frozenset(_followers(playlist)) if playlist.visibility == "unlisted" else frozenset()
    bus.publish(channel(playlist.id), name, data, hidden_from=hidden, only_for=only_for)


# -- input ------------------------------------------------------------------------------
def _title(value: object) -> str:
    title = " ".join(text(value, "title", max_length=TITLE_MAX, required=True).split())
    if not title:
        raise ValidationError("Give the playlist a title.", field="title")
    return title


def _description(value: object) -> str:
    return text(value, "description", max_length=DESCRIPTION_MAX, multiline=True)


# -- creating, changing, deleting -------------------------------------------------------
@unit_of_work
def create(
    actor: User, title: object, description: object = "", visibility: object = None
) -> Playlist:
    """A new playlist of the actor's (private unless they say otherwise)."""
    voice.can_speak(actor)
    owned_now = db.session.scalar(
        select(func.count()).select_from(Playlist).where(Playlist.owner_id == actor.id)
    )
    if owned_now >= OWNED_MAX:
        raise ValidationError(f"You can keep at most {OWNED_MAX} playlists.", field="title")
    playlist = Playlist(
        owner_id=actor.id,
        title=_title(title),
        description=_description(description),
        visibility=one_of(visibility or "private", "visibility", VISIBILITIES),
        share_token=secrets.token_urlsafe(24),
        version=0,
    )
    db.session.add(playlist)
    db.session.flush()
    bus.subscribe_user(actor.id, channel(playlist.id))
    return playlist


@unit_of_work
def edit(actor: User, playlist_id: object, changes: object) -> Playlist:
    """The owner changes any of title, description and visibility. Followers stop (or
    start again) hearing of it as it leaves (or becomes) public."""
    if not isinstance(changes, dict):
        raise ValidationError("The body must be a JSON object.", field="body")
    unknown = set(changes) - {"title", "description", "visibility"}
    if unknown:
        raise ValidationError(
            f"'{sorted(unknown)[0]}' cannot be changed.", field=sorted(unknown)[0]
        )
    playlist = owned(actor, playlist_id).playlist
    voice.can_speak(actor)
    was_public, was = playlist.visibility == "public", playlist.visibility
    if "title" in changes:
        playlist.title = _title(changes["title"])
    if "description" in changes:
        playlist.description = _description(changes["description"])
    if "visibility" in changes:
        playlist.visibility = one_of(changes["visibility"], "visibility", VISIBILITIES)
    db.session.flush()
    if "title" in changes or "description" in changes:
        _redact(playlist)
    take_version(playlist)
    if was_public != (playlist.visibility == "public"):
        _followers_hear(playlist, playlist.visibility == "public")
    if playlist.visibility != was and playlist.visibility != "public":
        _only_its_people_hear(playlist)
    announce(playlist)
    return playlist


def _redact(playlist: Playlist) -> None:
    """Its stored events and the notifications about it carry its title and description
    as they are now; those who no longer see it are not told the new title."""
    playlist_redaction.describe(
        playlist, {"title": playlist.title, "description": playlist.description}
    )
    notifications.retext(f"playlist:{playlist.id}", playlist.title, lambda uid: sees(uid, playlist))


def sees(user_id: int, playlist: Playlist) -> bool:
    """Whether the person may see it without its link: its people, anyone while it is
    public, except someone blocked either way with its owner (as `visible_playlist`)."""
    if holds(user_id, playlist):
        return True
    return playlist.visibility == "public" and not is_blocked_between(user_id, playlist.owner_id)


def _followers_hear(playlist: Playlist, hear: bool) -> None:
    """Followers who are not also its people gain or lose the playlist's channel."""
    for follower_id in _followers(playlist):
        if hear:
            bus.subscribe_user(follower_id, channel(playlist.id))
        else:
            bus.unsubscribe_user(follower_id, channel(playlist.id))


def _followers(playlist: Playlist) -> list[int]:
    """Its followers who are not also its people."""
    people = select(PlaylistCollaborator.user_id).where(
        PlaylistCollaborator.playlist_id == playlist.id
    )
    return list(
        db.session.scalars(
            select(PlaylistFollow.user_id).where(
                PlaylistFollow.playlist_id == playlist.id,
                PlaylistFollow.user_id != playlist.owner_id,
                PlaylistFollow.user_id.not_in(people),
            )
        )
    )


def _only_its_people_hear(playlist: Playlist) -> None:
    """It was shared more widely than now: pages of it left open by anyone but its owner
    and collaborators hear nothing more of it (not even this change)."""
    bus.narrow(channel(playlist.id), _people(playlist))


def _people(playlist: Playlist) -> frozenset[int]:
    """Its owner and collaborators."""
    people = db.session.scalars(
        select(PlaylistCollaborator.user_id).where(PlaylistCollaborator.playlist_id == playlist.id)
    )
    return frozenset({playlist.owner_id, *people})


@unit_of_work
def delete(actor: User, playlist_id: object) -> None:
    """The owner deletes it."""
    erase(owned(actor, playlist_id).playlist)


@unit_of_work
def remove(actor: User, playlist_id: object, reason: object = "") -> None:
    """Moderators take any playlist down, logged; it is deleted for everyone."""
    erase(moderation.takedown(actor, Playlist, playlist_id, "playlist", reason, owner="owner_id"))


def erase(playlist: Playlist) -> None:
    """Delete it, in the caller's unit of work: everyone holding it hears so (`playlist`
    null), then loses its channel."""
    take_version(playlist)
    holders = set(
        db.session.scalars(
            select(PlaylistCollaborator.user_id).where(
                PlaylistCollaborator.playlist_id == playlist.id
            )
        )
    )
    if playlist.visibility == "public":
        holders.update(
            db.session.scalars(
                select(PlaylistFollow.user_id).where(PlaylistFollow.playlist_id == playlist.id)
            )
        )
    holders.add(playlist.owner_id)
    publish(
        playlist,
        UPDATED,
        {"playlist_id": playlist.id, "version": playlist.version, "playlist": None},
    )
    for user_id in sorted(holders):
        bus.unsubscribe_user(user_id, channel(playlist.id))
    playlist_redaction.forget(playlist)
    db.session.delete(playlist)
