"""Search everything one may see: people, rooms and groups by name, messages by text,
posts, comments, playlists, clips and parties (services/search_content.py).

One query per kind, its permission rule written in SQL beside the match, so a page or a
count never holds what the searcher may not see: people who are not deleted and not
blocked either way; groups and rooms one belongs to, and public rooms; messages of those
same conversations, from nobody blocked either way; posts and their comments by the
post's audience; public playlists and one's own; clips; parties by their visibility.
Results are one list, kind after kind, each best match first and then newest; a cursor
is an offset in that list, and the facets count each kind's matches. A room category
narrows the search to rooms and groups of that category and their messages.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, Row, Select, and_, func, or_, select

from errors import ValidationError
from extensions import db
from models.clip import Clip
from models.comment import PostComment
from models.conversation import CATEGORIES, Conversation, Kind, Membership, Message
from models.party import Party
from models.playlist import Playlist
from models.post import Post
from models.search_schema import (
    CLIPS,
    COMMENTS,
    MESSAGES,
    PARTIES,
    PEOPLE,
    PLAYLISTS,
    POSTS,
    ROOMS,
    Indexed,
)
from models.user import User
from services import search_content, search_engines
from services.accounts import normalise_username
from services.relations import unblocked
from services.search_content import Hit
from services.search_engines import Match, marked, plain
from services.search_query import CATEGORISED, KINDS, Query, kind_of, parse

PAGE_SIZE = 20
# Past this many conversations a searcher may read, their messages are matched word first.
KEYED_MOST = 1_000
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


def search(
    viewer: User,
    raw_query: object,
    kind: object = None,
    cursor: object = None,
    category: object = None,
) -> Results:
    """A page of what `raw_query` finds for `viewer` (`kind`: only that kind; `category`:
    only rooms and groups of that category, and their messages)."""
    query = parse(raw_query)
    if kind not in (None, ""):
        wanted = kind_of(str(kind))
        query.kinds = tuple(k for k in query.kinds if k == wanted)
    if category not in (None, ""):
        query.category = _category_of(category)
        query.kinds = tuple(k for k in query.kinds if k in CATEGORISED)
    offset = offset_of(cursor)
    kinds = [k for k in KINDS if k in query.kinds]
    found = {k: _match(k, viewer, query) for k in kinds}
    facets = _counts(viewer, query, found)
    results = Results(facets=facets)
    skip, room = offset, PAGE_SIZE
    for k in kinds:
        if skip >= facets[k]:
            skip -= facets[k]
            continue
        if room == 0:
            break
        hits = _page(k, viewer, query, found[k], skip, room)
        results.groups.append((k, skip == 0, hits))
        results.hits.extend(hits)
        room -= len(hits)
        skip = 0
    end = offset + len(results.hits)
    if end < sum(facets.values()):
        results.next_cursor = cursor_at(end)
    return results


def _category_of(value: object) -> str:
    if value not in CATEGORIES:
        raise ValidationError(
            f"Pick a category: {', '.join(CATEGORIES)}.", field="category", code="invalid"
        )
    return value


def _counts(viewer: User, query: Query, found: dict[str, Match | None]) -> dict[str, int]:
    """Each kind's number of matches, all counted by one statement."""
    counted = [
        select(func.count())
        .select_from(_statement(k, viewer, query, match, counting=True).subquery())
        .scalar_subquery()
        for k, match in found.items()
    ]
    return dict(zip(found, db.session.execute(select(*counted)).one(), strict=True))


def _visible_conversation(viewer: User) -> ColumnElement:
    mine = select(Membership.conversation_id).where(Membership.user_id == viewer.id)
    public_room = and_(Conversation.kind == Kind.ROOM, Conversation.visibility == "public")
    return and_(Conversation.deleted_at.is_(None), or_(Conversation.id.in_(mine), public_room))


def _match(kind: str, viewer: User, query: Query) -> Match | None:
    if not query.terms:
        return None
    searched = SEARCHED[kind]
    keys = searched.keys(viewer, query) if searched.keys is not None else None
    return search_engines.match(searched.part, searched.newest, query.terms, keys)


def _statement(
    kind: str, viewer: User, query: Query, found: Match | None, counting: bool = False
) -> Select:
    statement = SEARCHED[kind].rows(viewer, query, found, counting)
    return found.apply(statement) if found is not None else statement


def _people(viewer: User, _query: Query, found: Match | None, counting: bool) -> Select:
    columns = (
        [User.id]
        if counting
        else [User.id, User.username, User.display_name, User.created_at, found.snippet]
    )
    return select(*columns).where(User.deleted_at.is_(None), unblocked(User.id, viewer.id))


def _in_category(query: Query) -> list[ColumnElement]:
    if query.category is None:
        return []
    grouped = Conversation.kind.in_((Kind.GROUP, Kind.ROOM))
    return [grouped, Conversation.category == query.category]


def _rooms(viewer: User, query: Query, found: Match | None, counting: bool) -> Select:
    columns = (
        [Conversation.id]
        if counting
        else [Conversation.id, Conversation.name, Conversation.created_at, found.snippet]
    )
    return select(*columns).where(
        Conversation.kind.in_((Kind.GROUP, Kind.ROOM)),
        _visible_conversation(viewer),
        *_in_category(query),
    )


def _messages(viewer: User, query: Query, found: Match | None, counting: bool) -> Select:
    columns = (
        [Message.id]
        if counting
        else [
            Message.id,
            Message.created_at,
            Message.conversation_id,
            Conversation.name,
            Conversation.kind,
            User.username,
            User.display_name,
            User.deleted_at,
            found.snippet if found is not None else Message.body,
        ]
    )
    statement = (
        select(*columns)
        .select_from(Message)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .join(User, User.id == Message.sender_id)
        .where(
            Message.kind == "text",
            Message.deleted_at.is_(None),
            _visible_conversation(viewer),
            unblocked(Message.sender_id, viewer.id),
        )
    )
    return statement.where(*_message_filters(query))


def _message_places(viewer: User, query: Query) -> list[int] | None:
    """The conversations whose messages the searcher may find, narrowed by the query's
    category, `in:` and `from:`: the keys a message's index entries are read under. None
    when there are too many to list (the match then reads every entry of its words)."""
    statement = (
        select(Conversation.id)
        .where(_visible_conversation(viewer), *_in_category(query), *_in_place(query))
        .limit(KEYED_MOST + 1)
    )
    if query.sender is not None:
        sender = select(User.id).where(User.username == normalise_username(query.sender))
        spoken = select(Message.conversation_id).where(
            Message.sender_id == sender.scalar_subquery()
        )
        statement = statement.where(Conversation.id.in_(spoken))
    places = list(db.session.scalars(statement))
    return places if len(places) <= KEYED_MOST else None


def _in_place(query: Query) -> list[ColumnElement]:
    place = query.place
    if place is None:
        return []
    if place.isdigit() and len(place) < 12:
        return [Conversation.id == int(place)]
    return [func.lower(Conversation.name) == place.lower()]


def _message_filters(query: Query) -> list[ColumnElement]:
    conditions = _in_category(query) + _in_place(query)
    if query.sender is not None:
        conditions.append(User.username == normalise_username(query.sender))
    if query.after is not None:
        conditions.append(Message.created_at >= query.after)
    if query.before is not None:
        conditions.append(Message.created_at < query.before)
    return conditions


def _page(
    kind: str, viewer: User, query: Query, found: Match | None, skip: int, limit: int
) -> list[Hit]:
    searched = SEARCHED[kind]
    newest = searched.newest.desc()
    order = [found.order, newest] if found is not None else [newest]
    statement = _statement(kind, viewer, query, found).order_by(*order)
    statement = statement.offset(skip).limit(limit)
    rows = db.session.execute(statement).all()
    return [searched.hit(row, found is not None) for row in rows]


def _person_hit(row, _matched: bool) -> Hit:
    user_id, username, display_name, created_at, snippet = row
    title = f"{display_name} (@{username})" if display_name else f"@{username}"
    return Hit("person", user_id, title, marked(snippet), created_at, username=username)


def _room_hit(row, _matched: bool) -> Hit:
    room_id, name, created_at, snippet = row
    return Hit("room", room_id, name, marked(snippet), created_at, conversation_id=room_id)


def _message_hit(row, matched: bool) -> Hit:
    message_id, created_at, conversation_id, name, kind, username, shown, gone, text = row
    sender = "Deleted account" if gone else shown or f"@{username}"
    title = f"{sender} in {name}" if kind != Kind.DIRECT else f"{sender}, in a direct message"
    snippet = marked(text) if matched else plain(text)
    return Hit("message", message_id, title, snippet, created_at, conversation_id=conversation_id)


@dataclass(frozen=True)
class Searched:
    """One kind: its index, its id (newest first among equally good matches), the query of
    what the searcher may see of it, how a row of that query reads as a hit, and (a kind
    indexed by a key) the keys its searcher's matches are read under."""

    part: Indexed
    newest: ColumnElement
    rows: Callable[[User, Query, Match | None, bool], Select]
    hit: Callable[[Row, bool], Hit]
    keys: Callable[[User, Query], list[int] | None] | None = None


def _content(rows: Callable[[User, Match | None, bool], Select]):
    """A kind of services/search_content.py: its query takes no filter of the search's."""
    return lambda viewer, _query, found, counting: rows(viewer, found, counting)


SEARCHED: dict[str, Searched] = {
    "person": Searched(PEOPLE, User.id, _people, _person_hit),
    "room": Searched(ROOMS, Conversation.id, _rooms, _room_hit),
    "message": Searched(MESSAGES, Message.id, _messages, _message_hit, _message_places),
    "post": Searched(POSTS, Post.id, _content(search_content.posts), search_content.post_hit),
    "comment": Searched(
        COMMENTS, PostComment.id, _content(search_content.comments), search_content.comment_hit
    ),
    "playlist": Searched(
        PLAYLISTS, Playlist.id, _content(search_content.playlists), search_content.playlist_hit
    ),
    "clip": Searched(CLIPS, Clip.id, _content(search_content.clips), search_content.clip_hit),
    "party": Searched(
        PARTIES, Party.id, _content(search_content.parties), search_content.party_hit
    ),
}
