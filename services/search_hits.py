"""How a row found by search reads as a hit: its kind, id, title, snippet and date, and
what its link needs (services/search.py runs the queries; blueprints/search.py links);
a page of hits with its facets, and the cursor of the next page (an offset)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from markupsafe import Markup

from errors import ValidationError
from models.conversation import Kind
from services.search_engines import marked, plain


@dataclass(frozen=True)
class Hit:
    kind: str
    id: int
    title: str
    snippet_html: Markup
    created_at: datetime
    conversation_id: int | None = None
    username: str | None = None
    code: str | None = None
    post_id: int | None = None
    thread_id: int | None = None  # a comment's first comment of its thread (itself or its parent)


def person_hit(row, _matched: bool) -> Hit:
    user_id, username, display_name, created_at, snippet = row
    title = f"{display_name} (@{username})" if display_name else f"@{username}"
    return Hit("person", user_id, title, marked(snippet), created_at, username=username)


def room_hit(row, _matched: bool) -> Hit:
    room_id, name, created_at, snippet = row
    return Hit("room", room_id, name, marked(snippet), created_at, conversation_id=room_id)


def message_hit(row, matched: bool) -> Hit:
    message_id, created_at, conversation_id, name, kind, username, shown, gone, text = row
    sender = "Deleted account" if gone else shown or f"@{username}"
    title = f"{sender} in {name}" if kind != Kind.DIRECT else f"{sender}, in a direct message"
    snippet = marked(text) if matched else plain(text)
    return Hit("message", message_id, title, snippet, created_at, conversation_id=conversation_id)


def post_hit(row, matched: bool) -> Hit:
    post_id, created_at, username, text = row
    snippet = marked(text) if matched else plain(text or "")
    return Hit("post", post_id, f"A post by @{username}", snippet, created_at, username=username)


def playlist_hit(row, _matched: bool) -> Hit:
    playlist_id, created_at, title, username, snippet = row
    shown = f"{title}, a playlist by @{username}"
    return Hit("playlist", playlist_id, shown, marked(snippet), created_at, username=username)


def clip_hit(row, _matched: bool) -> Hit:
    clip_id, created_at, title, code, username, snippet = row
    shown = f"{title}, a clip by @{username}"
    return Hit("clip", clip_id, shown, marked(snippet), created_at, username=username, code=code)


def comment_hit(row, _matched: bool) -> Hit:
    comment_id, created_at, post_id, thread_id, author, post_author, snippet = row
    shown = f"@{author} on a post by @{post_author}"
    quoted = marked(snippet)
    return Hit(
        "comment", comment_id, shown, quoted, created_at, post_id=post_id, thread_id=thread_id
    )


def party_hit(row, _matched: bool) -> Hit:
    party_id, created_at, title, status, host, snippet = row
    when = {"ended": ", ended", "upcoming": ", upcoming"}.get(status, "")
    shown = f"{title}, a party by @{host}{when}"
    return Hit("party", party_id, shown, marked(snippet), created_at, username=host)


_CURSOR = re.compile(r"s([0-9a-z]{1,8})")


@dataclass
class Results:
    hits: list[Hit] = field(default_factory=list)
    facets: dict[str, int] = field(default_factory=dict)
    next_cursor: str | None = None
    # For a page drawn by kind: (kind, whether this page holds its first hit, its hits).
    groups: list[tuple[str, bool, list[Hit]]] = field(default_factory=list)


def offset_of(cursor: object) -> int:
    if cursor in (None, ""):
        return 0
    found = _CURSOR.fullmatch(cursor) if isinstance(cursor, str) else None
    if found is None:
        raise ValidationError("That is not a cursor of this search.", field="cursor")
    return int(found.group(1), 36)


def cursor_at(offset: int) -> str:
    digits = ""
    while True:
        offset, digit = divmod(offset, 36)
        digits = "0123456789abcdefghijklmnopqrstuvwxyz"[digit] + digits
        if not offset:
            return f"s{digits}"
