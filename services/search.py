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

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    Integer,
    Row,
    Select,
    String,
    and_,
    bindparam,
    func,
    or_,
    select,
)

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
from services import search_content, search_engines, search_hits
from services.accounts import normalise_username
from services.relations import unblocked
from services.search_engines import Match
from services.search_hits import Hit, Results, cursor_at, offset_of
from services.search_query import CATEGORISED, KINDS, Query, kind_of, parse

PAGE_SIZE = 20
# Every statement of a search names its searcher by this parameter, never by value.
SEARCHER = bindparam("viewer", type_=Integer)
# Past this many conversations a searcher may read, their messages are matched word first.
KEYED_MOST = 1_000
# On PostgreSQL, kinds whose matches are counted by their page's statement, not by a count
# of their own: the page ranks every match anyway, and matching a common word is most of
# its cost. (SQLite's bm25 ranks only inside its MATCH, which a window takes it out of.)
COUNTED_BY_PAGE = frozenset({"message"})


def search(
    viewer: User, typed: object, kind: object = None, cursor: object = None, category: object = None
) -> Results:
    """A page of what the `typed` query finds for `viewer` (`kind`: only that kind; `category`:
    only rooms and groups of that category, and their messages)."""
    query = parse(typed)
    if kind not in (None, ""):
        wanted = kind_of(str(kind))
        query.kinds = tuple(k for k in query.kinds if k == wanted)
    if category not in (None, ""):
        query.category = _category_of(category)
        query.kinds = tuple(k for k in query.kinds if k in CATEGORISED)
    offset = offset_of(cursor)
    kinds = tuple(k for k in KINDS if k in query.kinds)
    values = _values(viewer, query, kinds)
    form = _form(query, kinds, values)
    by_page = COUNTED_BY_PAGE if form.dialect == "postgresql" else frozenset()
    facets = _counts(form, values, tuple(k for k in kinds if k not in by_page))
    results = Results()
    skip, room = offset, PAGE_SIZE
    for k in kinds:
        facets[k], rows = _take(form, {**values, "skip": skip, "room": room}, k, facets.get(k))
        if not rows:
            skip -= min(skip, facets[k])
            continue
        hits = [SEARCHED[k].hit(row, form.words) for row in rows]
        results.groups.append((k, skip == 0, hits))
        results.hits.extend(hits)
        room -= len(hits)
        skip = 0
    results.facets = {k: facets[k] for k in kinds}
    end = offset + len(results.hits)
    if end < sum(facets.values()):
        results.next_cursor = cursor_at(end)
    return results


def _take(form: _Form, values: dict[str, Any], kind: str, total: int | None) -> tuple[int, list]:
    """A kind's number of matches and its rows on this page (`values["skip"]` of them
    passed, at most `values["room"]`). A kind not counted beforehand (`total` None) is
    counted by its page's own statement, and apart only when that page is empty."""
    skip, room = values["skip"], values["room"]
    if total is None and room:
        rows = list(db.session.execute(_paging(form, kind, counted=True), values))
        if rows:
            return rows[0][-1], [row[:-1] for row in rows]
        if not skip:
            return 0, []
    if total is None:
        total = _counts(form, values, (kind,))[kind]
    if skip >= total or not room:
        return total, []
    return total, list(db.session.execute(_paging(form, kind), values))


def _counts(form: _Form, values: dict[str, Any], kinds: tuple[str, ...]) -> dict[str, int]:
    if not kinds:
        return {}
    return dict(zip(kinds, db.session.execute(_counting(form, kinds), values).one(), strict=True))


class _Form(NamedTuple):
    """What a search's SQL depends on besides its values: one statement is built for
    each, once, and run with the values as parameters."""

    dialect: str
    kinds: tuple[str, ...]
    words: bool
    keyed: str | None  # messages: None (not narrowed), "listed", "rows" or "none" (no place)
    sender: bool
    place: str | None  # "id" or "name"
    after: bool
    before: bool
    category: bool


def _values(viewer: User, query: Query, kinds: tuple[str, ...]) -> dict[str, Any]:
    """The parameters of a search's statements (the searcher's id, the filters, the
    conversations a message is looked for in, each kind's words)."""
    values: dict[str, Any] = {"viewer": viewer.id}
    if query.sender is not None:
        values["sender"] = normalise_username(query.sender)
    if query.place is not None:
        place = query.place
        values["place"] = int(place) if _by_id(place) else place.lower()
    for name in ("after", "before", "category"):
        if getattr(query, name) is not None:
            values[name] = getattr(query, name)
    if not query.terms:
        return values
    postgres = search_engines.is_postgres()
    if "message" in kinds:
        # On SQLite every public room's messages share one key, unless a filter names rooms.
        shared = not postgres and query.category is None and query.place is None
        values["shared"] = shared
        values["keys"] = keys = _message_places(_form(query, kinds, values), values, shared)
        if postgres and keys:
            values["rows_first"] = search_engines.rows_first(MESSAGES, query.terms, keys)
    for k in kinds:
        part = SEARCHED[k].part
        keys, shared = (values.get("keys"), values["shared"]) if part.key else (None, False)
        values[f"words_{k}"] = search_engines.wanted(part, query.terms, keys, shared, postgres)
    return values


def _form(query: Query, kinds: tuple[str, ...], values: dict[str, Any]) -> _Form:
    keys, shared = values.get("keys"), values.get("shared", False)
    return _Form(
        dialect=db.session.get_bind().dialect.name,
        kinds=kinds,
        words=bool(query.terms),
        keyed=None if keys is None else _keyed(bool(keys or shared), values.get("rows_first")),
        sender=query.sender is not None,
        place=None if query.place is None else ("id" if _by_id(query.place) else "name"),
        after=query.after is not None,
        before=query.before is not None,
        category=query.category is not None,
    )


def _keyed(listed: bool, rows_first: bool | None) -> str:
    return "none" if not listed else ("rows" if rows_first else "listed")


def _by_id(place: str) -> bool:
    return place.isdigit() and len(place) < 12


@lru_cache(maxsize=256)
def _counting(form: _Form, kinds: tuple[str, ...]) -> Select:
    """Each of `kinds`' number of matches, all counted by one statement."""
    counted = [
        select(func.count())
        .select_from(_statement(k, form, _match(k, form), counting=True).subquery())
        .scalar_subquery()
        for k in kinds
    ]
    return select(*counted)


@lru_cache(maxsize=256)
def _paging(form: _Form, kind: str, counted: bool = False) -> Select:
    """A page of one kind's matches: the best first, then the newest; `counted`: each row
    ends with the number of all the matches (a window over them, before the page's cut)."""
    found, newest = _match(kind, form), SEARCHED[kind].newest.desc()
    order = [found.order, newest] if found is not None else [newest]
    statement = _statement(kind, form, found).order_by(*order)
    if counted:
        statement = statement.add_columns(func.count().over())
    return statement.offset(bindparam("skip")).limit(bindparam("room"))


def _category_of(value: object) -> str:
    if value not in CATEGORIES:
        raise ValidationError(
            f"Pick a category: {', '.join(CATEGORIES)}.", field="category", code="invalid"
        )
    return value


def _public_room() -> ColumnElement[bool]:
    return and_(Conversation.kind == Kind.ROOM, Conversation.visibility == "public")


def _visible_conversation() -> ColumnElement:
    mine = select(Membership.conversation_id).where(Membership.user_id == SEARCHER)
    return and_(Conversation.deleted_at.is_(None), or_(Conversation.id.in_(mine), _public_room()))


def _match(kind: str, form: _Form) -> Match | None:
    if not form.words:
        return None
    searched = SEARCHED[kind]
    keyed = form.keyed if searched.part.key is not None else None
    words = bindparam(f"words_{kind}")
    postgres = form.dialect == "postgresql"
    return search_engines.match(searched.part, searched.newest, words, keyed, postgres)


def _statement(kind: str, form: _Form, found: Match | None, counting: bool = False) -> Select:
    statement = SEARCHED[kind].rows(form, found, counting)
    return found.apply(statement) if found is not None else statement


def _people(_form: _Form, found: Match | None, counting: bool) -> Select:
    columns = (
        [User.id]
        if counting
        else [User.id, User.username, User.display_name, User.created_at, found.snippet]
    )
    return select(*columns).where(User.deleted_at.is_(None), unblocked(User.id, SEARCHER))


def _in_category(form: _Form) -> list[ColumnElement]:
    if not form.category:
        return []
    grouped = Conversation.kind.in_((Kind.GROUP, Kind.ROOM))
    return [grouped, Conversation.category == bindparam("category")]


def _rooms(form: _Form, found: Match | None, counting: bool) -> Select:
    columns = (
        [Conversation.id]
        if counting
        else [Conversation.id, Conversation.name, Conversation.created_at, found.snippet]
    )
    return select(*columns).where(
        Conversation.kind.in_((Kind.GROUP, Kind.ROOM)), _visible_conversation(), *_in_category(form)
    )


def _messages(form: _Form, found: Match | None, counting: bool) -> Select:
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
            _visible_conversation(),
            unblocked(Message.sender_id, SEARCHER),
        )
    )
    return statement.where(*_message_filters(form))


def _message_places(form: _Form, values: dict[str, Any], shared: bool) -> list[int] | None:
    """The conversations whose messages the searcher may find, narrowed by the query's
    category, `in:` and `from:`: the keys a message's index entries are read under (with
    `shared`, public rooms are left out: their shared key stands for them all). None when
    there are too many to list (the match then reads every entry of its words)."""
    listed = _places(form, shared)
    places = list(db.session.scalars(listed, {**values, "most": KEYED_MOST + 1}))
    return places if len(places) <= KEYED_MOST else None


@lru_cache(maxsize=64)
def _places(form: _Form, shared: bool) -> Select:
    statement = (
        select(Conversation.id)
        .where(_visible_conversation(), *_in_category(form), *_in_place(form))
        .limit(bindparam("most"))
    )
    if shared:
        statement = statement.where(~_public_room())
    if form.sender:
        sender = select(User.id).where(User.username == bindparam("sender"))
        spoken = select(Message.conversation_id).where(
            Message.sender_id == sender.scalar_subquery()
        )
        statement = statement.where(Conversation.id.in_(spoken))
    return statement


def _in_place(form: _Form) -> list[ColumnElement]:
    if form.place == "id":
        return [Conversation.id == bindparam("place", type_=Integer)]
    if form.place == "name":
        return [func.lower(Conversation.name) == bindparam("place", type_=String)]
    return []


def _message_filters(form: _Form) -> list[ColumnElement]:
    conditions = _in_category(form) + _in_place(form)
    if form.sender:
        conditions.append(User.username == bindparam("sender"))
    if form.after:
        conditions.append(Message.created_at >= bindparam("after", type_=Message.created_at.type))
    if form.before:
        conditions.append(Message.created_at < bindparam("before", type_=Message.created_at.type))
    return conditions


@dataclass(frozen=True)
class Searched:
    """One kind: its index, its id (newest first among equally good matches), the query of
    what the searcher may see of it, and how a row of that query reads as a hit."""

    part: Indexed
    newest: ColumnElement
    rows: Callable[[_Form, Match | None, bool], Select]
    hit: Callable[[Row, bool], Hit]


def _content(rows: Callable[[ColumnElement[int], Match | None, bool], Select]):
    """A kind of services/search_content.py: its query takes no filter of the search's."""
    return lambda _form, found, counting: rows(SEARCHER, found, counting)


SEARCHED: dict[str, Searched] = {
    "person": Searched(PEOPLE, User.id, _people, search_hits.person_hit),
    "room": Searched(ROOMS, Conversation.id, _rooms, search_hits.room_hit),
    "message": Searched(MESSAGES, Message.id, _messages, search_hits.message_hit),
    "post": Searched(POSTS, Post.id, _content(search_content.posts), search_hits.post_hit),
    "comment": Searched(
        COMMENTS, PostComment.id, _content(search_content.comments), search_hits.comment_hit
    ),
    "playlist": Searched(
        PLAYLISTS, Playlist.id, _content(search_content.playlists), search_hits.playlist_hit
    ),
    "clip": Searched(CLIPS, Clip.id, _content(search_content.clips), search_hits.clip_hit),
    "party": Searched(PARTIES, Party.id, _content(search_content.parties), search_hits.party_hit),
}
