"""Clips: a titled slice `[start, end]` of a video link, opened at `/c/<code>`.

Anyone signed in may open a clip by its code, except the people its maker blocks or
who block them (to them it does not exist: 404, as for a code nobody has). A clip is at
most `CLIP_MAX_SECONDS` long. A party's people can clip the last seconds of what the
party plays, where the server says playback is now (`from_party`).
"""

from __future__ import annotations

import math
import re
import secrets
import time
from collections.abc import Mapping
from typing import Any

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from errors import Forbidden, NotFound, ValidationError
from extensions import db
from models.clip import Clip, ClipView
from models.clock import iso, utcnow
from models.party import Party
from models.user import User
from services import (
    accounts,
    feed,
    moderation,
    party_access,
    party_media,
    party_shapes,
    trust,
    voice,
)
from services.playback import expected_position
from services.relations import is_blocked_between
from services.unit_of_work import unit_of_work
from services.validation import clock_seconds, is_id, text

TITLE_MAX = 120
DEFAULT_TITLE = "Clip from a watch party"
POSITION_MAX = 7 * 24 * 3600.0
CODE_BYTES = 6  # 8 characters of URL-safe base64: 2**48 codes
LISTED_MAX = 50
LAST_SECONDS = 30.0  # "clip the last 30 seconds"


# -- shapes -----------------------------------------------------------------------------
def to_dict(clip: Clip) -> dict:
    return {
        "id": clip.id,
        "code": clip.code,
        "url": f"/c/{clip.code}",
        "title": clip.title,
        "video_url": clip.video_url,
        "kind": party_media.media_kind(clip.video_url)[0],
        "start": clip.start_seconds,
        "end": clip.end_seconds,
        "owner": clip.owner.to_summary(),
        "views": clip.view_count,
        "created_at": iso(clip.created_at),
    }


# -- who may see ------------------------------------------------------------------------
def _found(code: object) -> Clip | None:
    if not isinstance(code, str) or not 1 <= len(code) <= 16:
        return None
    return db.session.scalar(select(Clip).where(Clip.code == code))


def visible_clip(viewer: User, code: object) -> Clip:
    """The clip if the viewer may open it; NotFound, as for a code nobody has, otherwise."""
    return _seen(viewer, _found(code))


def visible_clip_id(viewer: User, clip_id: object) -> Clip:
    """The same, by the clip's id (a report names it so)."""
    return _seen(viewer, db.session.get(Clip, clip_id) if is_id(clip_id) else None)


def _seen(viewer: User, clip: Clip | None) -> Clip:
    if (
        clip is None
        or clip.gone
        or clip.owner.is_deleted
        or (clip.owner_id != viewer.id and is_blocked_between(viewer.id, clip.owner_id))
    ):
        raise NotFound("No such clip.")
    return clip


def _owned(actor: User, code: object) -> Clip:
    clip = visible_clip(actor, code)
    if clip.owner_id != actor.id:
        raise Forbidden("Only the person who made this clip can change it.")
    return clip


# -- input ------------------------------------------------------------------------------
def _title(value: object) -> str:
    return text(
        value,
        "title",
        max_length=TITLE_MAX,
        required=True,
        too_long=f"Titles are at most {TITLE_MAX} characters.",
    )


def _range(start: object, end: object) -> tuple[float, float]:
    """`[start, end]` in seconds, end after start, at most CLIP_MAX_SECONDS long."""
    first = clock_seconds(start, "start", maximum=POSITION_MAX)
    last = clock_seconds(end, "end", maximum=POSITION_MAX)
    if last <= first:
        raise ValidationError("A clip ends after it starts.", field="end")
    longest = current_app.config["CLIP_MAX_SECONDS"]
    if last - first > longest:
        raise ValidationError(f"A clip is at most {_duration_words(longest)} long.", field="end")
    return first, last


def _duration_words(seconds: float) -> str:
    minutes, rest = divmod(int(seconds), 60)
    if not minutes:
        return f"{rest} seconds"
    unit = "minute" if minutes == 1 else "minutes"
    return f"{minutes} {unit}" + (f" {rest} seconds" if rest else "")


def _video(actor: User, value: object) -> str:
    url = party_media.clean_media(value, "video_url")
    trust.check_links(actor, url, "video_url")
    return url


def _new_code() -> str:
    while True:
        code = secrets.token_urlsafe(CODE_BYTES)
        if _found(code) is None:
            return code


# -- writing ----------------------------------------------------------------------------
@unit_of_work
def create(actor: User, fields: Mapping[str, Any]) -> Clip:
    """A clip of `video_url` from `start` to `end` (seconds), titled `title`."""
    voice.can_speak(actor)
    title = _title(fields.get("title"))
    url = _video(actor, fields.get("video_url"))
    start, end = _range(fields.get("start"), fields.get("end"))
    return _made(actor, title, url, start, end)


def _made(actor: User, title: str, url: str, start: float, end: float) -> Clip:
    clip = Clip(
        code=_new_code(),
        owner_id=actor.id,
        title=title,
        video_url=url,
        start_seconds=start,
        end_seconds=end,
        view_count=0,
    )
    db.session.add(clip)
    db.session.flush()
    return clip


@unit_of_work
def from_party(actor: User, party_id: object, seconds: float = LAST_SECONDS) -> Clip:
    """The last `seconds` of what the party plays, up to where it is now, for someone in
    the party; titled after the video."""
    access = party_access.present(actor, party_id)
    voice.can_speak(actor)
    party = access.party
    if not party.media_url:
        raise ValidationError("The party plays nothing yet.", field="party_id")
    trust.check_links(actor, party.media_url, "video_url")  # a clip shares its link anew
    now = expected_position(party_shapes.state(party), time.time())
    if now < 1:
        raise ValidationError("Nothing has played yet: clip once the video has run.")
    start = max(0.0, round(now - seconds, 1))
    return _made(actor, _named_after(party)[:TITLE_MAX], party.media_url, start, round(now, 1))


def _named_after(party: Party) -> str:
    """A party's clip is titled after its video (`party_shapes.shareable_title`); its
    maker may retitle it."""
    return party_shapes.shareable_title(party) or DEFAULT_TITLE


@unit_of_work
def edit(actor: User, code: object, changes: Mapping[str, Any]) -> Clip:
    """Its maker changes the title or the range (`changes` names what changes)."""
    clip = _owned(actor, code)
    voice.can_speak(actor)
    if "title" in changes:
        clip.title = _title(changes["title"])
    if "start" in changes or "end" in changes:
        clip.start_seconds, clip.end_seconds = _range(
            changes.get("start", clip.start_seconds), changes.get("end", clip.end_seconds)
        )
    return clip


@unit_of_work
def delete(actor: User, code: object) -> None:
    clip = _owned(actor, code)
    clip.deleted_at = utcnow()
    clip.video_url = ""


@unit_of_work
def remove(actor: User, clip_id: object, reason: object = "") -> None:
    """Moderators take any clip down; it is gone for everyone, its maker included."""
    clip = moderation.takedown(actor, Clip, clip_id, "clip", reason, owner="owner_id")
    if clip is not None:
        clip.removed_at, clip.video_url = utcnow(), ""


def withdraw(person: User) -> None:
    """A deleted account's clips go with it. Part of the caller's unit of work."""
    db.session.execute(
        update(Clip)
        .where(Clip.owner_id == person.id, Clip.deleted_at.is_(None))
        .values(deleted_at=utcnow(), video_url="")
        .execution_options(synchronize_session=False)
    )


@unit_of_work
def opened(viewer: User, code: object) -> Clip:
    """The clip, opened: a person other than its maker counts as a view, once."""
    clip = visible_clip(viewer, code)
    if clip.owner_id == viewer.id or db.session.get(ClipView, (clip.id, viewer.id)):
        return clip
    try:
        with db.session.begin_nested():
            db.session.add(ClipView(clip_id=clip.id, user_id=viewer.id))
    except IntegrityError:  # the same person's other tab counted it a moment ago
        return clip
    db.session.execute(
        update(Clip).where(Clip.id == clip.id).values(view_count=Clip.view_count + 1)
    )
    db.session.refresh(clip, ["view_count"])
    return clip


# -- clips in what people write ---------------------------------------------------------
LINKED = re.compile(r"(?<![\w/])(?:https?://[^\s/]+)?/c/([A-Za-z0-9_-]{8})(?![\w-])")
LINKED_MAX = 3


def linked(viewer_id: int, text: str | None) -> list[dict]:
    """The clips a message or post links to (`/c/<code>`), that its reader may open,
    to show each as a player beside the words; at most LINKED_MAX."""
    codes = list(dict.fromkeys(LINKED.findall(text or "")))[:LINKED_MAX]
    if not codes:
        return []
    found = {c.code: c for c in db.session.scalars(select(Clip).where(Clip.code.in_(codes)))}
    shown = []
    for code in codes:
        clip = found.get(code)
        if clip is None or clip.gone or clip.owner.is_deleted:
            continue
        if clip.owner_id != viewer_id and is_blocked_between(viewer_id, clip.owner_id):
            continue
        shown.append({**to_dict(clip), "embed": _embed(clip)})
    return shown


def _embed(clip: Clip) -> str | None:
    """Where an inline player loads the range: YouTube's embed with start and end, or an
    https file with a media fragment (the browser plays just the range). None for a
    plain-http file, which only the clip's own page may play."""
    kind, ref = party_media.media_kind(clip.video_url)
    start, end = int(clip.start_seconds), math.ceil(clip.end_seconds)
    if kind == "youtube":
        return f"https://www.youtube-nocookie.com/embed/{ref}?start={start}&end={end}"
    if clip.video_url.startswith("https://"):
        return f"{clip.video_url}#t={clip.start_seconds},{clip.end_seconds}"
    return None


# -- lists ------------------------------------------------------------------------------
def made_by(viewer: User, username: str, cursor: object = None) -> tuple[list[Clip], str | None]:
    """A person's clips, newest first, `LISTED_MAX` a page, and the cursor of the next
    page (None on the last); none for someone blocked either way."""
    owner = accounts.get_by_username(username)
    before = feed.decode_cursor(cursor)
    if owner.id != viewer.id and is_blocked_between(viewer.id, owner.id):
        return [], None
    query = select(Clip).where(
        Clip.owner_id == owner.id, Clip.deleted_at.is_(None), Clip.removed_at.is_(None)
    )
    if before is not None:
        query = query.where(Clip.id < before)
    found = list(db.session.scalars(query.order_by(Clip.id.desc()).limit(LISTED_MAX + 1)))
    shown = found[:LISTED_MAX]
    return shown, feed.encode_cursor(shown[-1].id) if len(found) > LISTED_MAX else None
