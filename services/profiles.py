"""Profiles: what a person shows about themselves, their avatar, and finding people."""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import IO

from sqlalchemy import func, or_, select

from errors import ValidationError
from extensions import db
from models.social import Block
from models.user import DELETED_NAME, User
from realtime.bus import bus
from services import accounts, presence, trust, uploads, voice
from services.relations import is_blocked_between
from services.validation import clean_text, contains_pattern, refuse_longer

DISPLAY_NAME_MAX = 64
BIO_MAX = 280
AVATAR_COLORS = 8
SEARCH_MAX = 50
AVATARS = "avatars"


def update_profile(user: User, display_name: str, bio: str, avatar_color: int) -> User:
    """A new name or bio is read by everyone, so a site-wide mute keeps the old ones (the
    avatar's colour may still change)."""
    for value, field in ((display_name, "display_name"), (bio, "bio")):
        if not isinstance(value, str):
            raise ValidationError(f"'{field}' must be text.", field=field)
    display_name = clean_text(display_name.strip(), "display_name")
    bio = clean_text(bio.strip(), "bio", multiline=True)
    refuse_longer(
        display_name,
        DISPLAY_NAME_MAX,
        "display_name",
        f"Display names are at most {DISPLAY_NAME_MAX} characters.",
    )
    _check_not_someone_else(user, display_name)
    refuse_longer(bio, BIO_MAX, "bio", f"The bio is at most {BIO_MAX} characters.")
    trust.check_links(user, bio, "bio")
    if (
        isinstance(avatar_color, bool)
        or not isinstance(avatar_color, int)
        or not 0 <= avatar_color < AVATAR_COLORS
    ):
        raise ValidationError("Pick one of the avatar colours.", field="avatar_color")
    renamed = display_name != user.display_name
    if renamed or bio != user.bio:
        voice.can_speak(user)
    user.display_name = display_name
    user.bio = bio
    user.avatar_color = avatar_color
    if renamed:
        bus.redact_person(user.to_summary())
    bus.account_changed(user.id)
    db.session.commit()
    return user


def _check_not_someone_else(user: User, display_name: str) -> None:
    """A display name may not read as another person's username ("Bob" or a full-width "@bob"
    for bob), compared after NFKC normalization and case folding, without a leading "@",
    nor as the name the site shows for a deleted account."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", display_name).casefold())
    if folded.strip() == DELETED_NAME.casefold():
        raise ValidationError(
            "That is how the site shows a deleted account; pick a display name of your own.",
            code="name_of_another",
            field="display_name",
        )
    handle = folded.removeprefix("@").strip()
    if not accounts.USERNAME_PATTERN.fullmatch(handle) or handle == user.username:
        return
    if accounts.find_by_username(handle) is not None:
        raise ValidationError(
            f"@{handle} is someone else's username; pick a display name of your own.",
            code="name_of_another",
            field="display_name",
        )


def set_avatar(user: User, stream: IO[bytes]) -> User:
    """Store an uploaded avatar (size and type checked) and drop the previous one; not
    while muted site-wide, since everyone sees it."""
    voice.can_speak(user)
    data, extension = uploads.read_image(stream, "avatar")
    previous, user.avatar_file = user.avatar_file, uploads.store(AVATARS, data, extension)
    bus.account_changed(user.id)
    db.session.commit()
    uploads.discard(AVATARS, previous)
    return user


def remove_avatar(user: User) -> User:
    previous, user.avatar_file = user.avatar_file, None
    bus.account_changed(user.id)
    db.session.commit()
    uploads.discard(AVATARS, previous)
    return user


def avatar_path(name: str) -> Path | None:
    """The stored file for an avatar name, or None (names are ours: hex and extension)."""
    stem, _, extension = name.partition(".")
    if len(stem) != 32 or not all(c in "0123456789abcdef" for c in stem):
        return None
    if extension not in {"png", "jpg", "gif", "webp"}:
        return None
    path = uploads.folder(AVATARS) / name
    return path if path.is_file() else None


def search(viewer: User, query: str, limit: int = 20) -> list[User]:
    """People whose username or display name contains `query`, best matches first;
    people who blocked the viewer are left out."""
    text = query.strip().lower()
    if not text:
        return []
    refuse_longer(text, 64, "q", "Search for at most 64 characters.")
    if not 1 <= limit <= SEARCH_MAX:
        raise ValidationError(f"'limit' must be between 1 and {SEARCH_MAX}.", field="limit")
    pattern = contains_pattern(text)
    blocked_me = select(Block.blocker_id).where(Block.blocked_id == viewer.id)
    statement = (
        select(User)
        .where(
            or_(
                User.username.like(pattern, escape="\\"),
                func.lower(User.display_name).like(pattern, escape="\\"),
            ),
            User.id.not_in(blocked_me),
            User.deleted_at.is_(None),
        )
        .order_by(
            (User.username == text).desc(), User.username.startswith(text).desc(), User.username
        )
        .limit(limit)
    )
    return list(db.session.scalars(statement))


def presence_shown(viewer_id: int, user_ids: list[int]) -> set[int]:
    """Those of `user_ids` whose presence the viewer may see: everyone but people blocked
    either way."""
    wanted = set(user_ids)
    if not wanted:
        return set()
    blocked = set(
        db.session.scalars(
            select(Block.blocked_id).where(
                Block.blocker_id == viewer_id, Block.blocked_id.in_(wanted)
            )
        )
    ) | set(
        db.session.scalars(
            select(Block.blocker_id).where(
                Block.blocked_id == viewer_id, Block.blocker_id.in_(wanted)
            )
        )
    )
    return wanted - blocked


def visible_presence(viewer_id: int | None, user: User) -> dict | None:
    """A person's presence as `viewer_id` may see it: hidden between blocked people."""
    if viewer_id == user.id:
        return presence.own(user.id)
    if user.is_deleted or (viewer_id is not None and is_blocked_between(viewer_id, user.id)):
        return None
    return presence.snapshot(user.id)
