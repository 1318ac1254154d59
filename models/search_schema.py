"""The full-text index, kept by the database itself.

Messages are written on the driver's cursor (`models/driver_statements.py`) and changed by
Core `UPDATE`s, past the ORM and its session events, so the index is not kept by Python:
each engine keeps it in the transaction of the change, whatever wrote it.

- SQLite: one FTS5 table per kind (`search_people`, `search_rooms`, `search_messages`,
  `search_posts`, `search_playlists`, `search_clips`, `search_parties`, `search_comments`),
  its rowid the indexed row's id, filled by triggers on insert, on an update of an indexed
  column and on delete. A row that stops qualifying (deleted, emptied) leaves the index.
- PostgreSQL: a GIN index on the `tsvector` of each table's indexed text under the text
  search configuration `tandem` (English stemming, accents folded by `unaccent`); the
  index is the table's own, so it can never lag.

Messages are also indexed by their conversation (`Indexed.key`): on SQLite a column of
tokens in the FTS5 row (the conversation's id, and `public` for a public room's), so a
search reads only the entries of the conversations its searcher may see, however common
the word is on the rest of the site; a trigger on `conversations` re-keys a room's
messages if it stops or starts being public. On PostgreSQL the planner combines the GIN
index with the conversation's own index, and a message's `tsvector` is kept in a stored
column (`Indexed.stored`), so ranking thousands of matches reads it rather than parsing
each body again.

A SQLite batch migration that recreates one of the indexed tables drops its triggers:
`flask --app app search reindex` (`install_sqlite`) puts them back and refills the index.
"""

from __future__ import annotations

from dataclasses import dataclass

TOKENIZER = "porter unicode61 remove_diacritics 2"
PG_CONFIG = "tandem"


@dataclass(frozen=True)
class Key:
    """What a keyed index is narrowed by: its FTS5 column; the indexed row's column (SQL
    over `{row}`) that holds the owner's id; and a token every searcher may read, held by
    the rows whose owner (a row of `owner`) meets `shared_when` (SQL over `{owner}`),
    kept true by a trigger on the owner's `watched` columns."""

    name: str
    column: str
    owner: str
    shared: str
    shared_when: str
    watched: tuple[str, ...]

    def tokens(self, row: str) -> str:
        """What the FTS5 column holds for a row: the owner's id, and the shared token if
        its owner meets the condition now."""
        column, owner = self.column.format(row=row), self.owner
        shares = self.shared_when.format(owner=owner)
        return (
            f"{column} || coalesce((SELECT ' {self.shared}' FROM {owner} "  # noqa: S608
            f"WHERE {owner}.id = {column} AND {shares}), '')"
        )


@dataclass(frozen=True)
class Indexed:
    """One kind's index: its base table, its FTS columns with the SQL (over `{row}`) that
    fills each, which rows qualify, the column (if any) a search narrows it by before it
    reads a word's entries, and the column (if any) PostgreSQL keeps its `tsvector` in."""

    kind: str
    table: str
    index: str
    columns: tuple[tuple[str, str], ...]
    qualifies: str
    watched: tuple[str, ...]
    key: Key | None = None
    stored: str | None = None

    @property
    def fts_columns(self) -> tuple[str, ...]:
        """The FTS5 row's columns: the text, then the key as a column of tokens."""
        names = tuple(name for name, _expression in self.columns)
        return names + ((self.key.name,) if self.key is not None else ())

    def values(self, row: str) -> str:
        values = [expression.format(row=row) for _name, expression in self.columns]
        if self.key is not None:
            values.append(self.key.tokens(row))
        return ", ".join(values)

    def where(self, row: str) -> str:
        return self.qualifies.format(row=row)

    def document(self, row: str) -> str:
        """The whole indexed text of a row, as PostgreSQL's index and headlines read it."""
        return " || ' ' || ".join(expression.format(row=row) for _n, expression in self.columns)


# A row of `models.columns.Retractable` (a post, a comment, a clip) leaves the index once
# it is gone: deleted by its author or removed by a moderator.
_NOT_GONE = "{row}.deleted_at IS NULL AND {row}.removed_at IS NULL"
_GONE_COLUMNS = ("deleted_at", "removed_at")


def _authored_text(kind: str, table: str, index: str) -> Indexed:
    """The index of a table of `models.columns.AuthoredText` (posts, comments): its text,
    while it is neither empty nor gone."""
    return Indexed(
        kind=kind,
        table=table,
        index=index,
        columns=(("body", "{row}.text"),),
        qualifies=_NOT_GONE + " AND {row}.text != ''",
        watched=("text", *_GONE_COLUMNS),
    )


PEOPLE = Indexed(
    kind="person",
    table="users",
    index="search_people",
    columns=(("name", "{row}.display_name || ' ' || {row}.username"), ("bio", "{row}.bio")),
    qualifies="{row}.deleted_at IS NULL",
    watched=("username", "display_name", "bio", "deleted_at"),
)
ROOMS = Indexed(
    kind="room",
    table="conversations",
    index="search_rooms",
    columns=(("name", "{row}.name"), ("description", "{row}.description")),
    qualifies="{row}.kind IN ('group', 'room') AND {row}.deleted_at IS NULL",
    watched=("name", "description", "kind", "deleted_at"),
)
MESSAGES = Indexed(
    kind="message",
    table="messages",
    index="search_messages",
    columns=(("body", "{row}.body"),),
    qualifies="{row}.kind = 'text' AND {row}.deleted_at IS NULL AND {row}.body != ''",
    watched=("body", "kind", "deleted_at"),
    key=Key(
        name="conversation",
        column="{row}.conversation_id",
        owner="conversations",
        shared="public",
        shared_when="{owner}.kind = 'room' AND {owner}.visibility = 'public'",
        watched=("kind", "visibility"),
    ),
    stored="search_document",
)
POSTS = _authored_text("post", "posts", "search_posts")
PLAYLISTS = Indexed(
    kind="playlist",
    table="playlists",
    index="search_playlists",
    columns=(("title", "{row}.title"), ("description", "{row}.description")),
    qualifies="{row}.id IS NOT NULL",  # every playlist; a deleted one is a deleted row
    watched=("title", "description"),
)
CLIPS = Indexed(
    kind="clip",
    table="clips",
    index="search_clips",
    columns=(("title", "{row}.title"),),
    qualifies=_NOT_GONE,
    watched=("title", *_GONE_COLUMNS),
)
PARTIES = Indexed(
    kind="party",
    table="parties",
    index="search_parties",
    columns=(("title", "{row}.title"), ("description", "{row}.description")),
    qualifies="{row}.id IS NOT NULL",  # every party, ended ones too
    watched=("title", "description"),
)
COMMENTS = _authored_text("comment", "post_comments", "search_comments")
INDEXED = (PEOPLE, ROOMS, MESSAGES, POSTS, PLAYLISTS, CLIPS, PARTIES, COMMENTS)
FTS_TABLES = frozenset(part.index for part in INDEXED)
STORED_COLUMNS = frozenset(part.stored for part in INDEXED if part.stored is not None)


def is_index_table(name: str) -> bool:
    """An FTS5 table or one of its shadow tables: the database's, not the models'."""
    return any(name == table or name.startswith(f"{table}_") for table in FTS_TABLES)


def _names(part: Indexed) -> str:
    return ", ".join(part.fts_columns)


def _fill(part: Indexed, row: str) -> str:
    names = _names(part)
    return f"INSERT INTO {part.index}(rowid, {names}) SELECT {row}.id, {part.values(row)}"


def sqlite_drop(part: Indexed) -> list[str]:
    triggers = ("insert", "update", "delete", "rekey")
    return [
        *(f"DROP TRIGGER IF EXISTS {part.index}_{when}" for when in triggers),
        f"DROP TABLE IF EXISTS {part.index}",
    ]


def _rekey(part: Indexed) -> list[str]:
    """A keyed index's trigger on the key's owner: when an owner starts or stops sharing,
    its rows are indexed again with their new tokens."""
    key = part.key
    if key is None:
        return []
    was, now = (f"({key.shared_when.format(owner=row)})" for row in ("old", "new"))
    owned = f"{key.column.format(row=part.table)} = new.id"
    return [
        f"CREATE TRIGGER {part.index}_rekey AFTER UPDATE OF {', '.join(key.watched)} "  # noqa: S608
        f"ON {key.owner} WHEN {was} IS NOT {now} BEGIN "
        f"DELETE FROM {part.index} WHERE rowid IN (SELECT id FROM {part.table} WHERE {owned}); "
        f"{_fill(part, part.table)} FROM {part.table} "
        f"WHERE {owned} AND {part.where(part.table)}; END"
    ]


def sqlite_create(part: Indexed) -> list[str]:
    """The FTS5 table and its triggers (insert, update, delete, and for a keyed index the
    owner's re-keying), then the rows that qualify today, merged into one segment (a bulk
    fill leaves dozens, and every query reads them all)."""
    names = _names(part)
    watched = ", ".join(part.watched)
    return [
        f"CREATE VIRTUAL TABLE {part.index} USING fts5({names}, tokenize='{TOKENIZER}')",
        f"CREATE TRIGGER {part.index}_insert AFTER INSERT ON {part.table} "
        f"WHEN {part.where('new')} BEGIN {_fill(part, 'new')}; END",
        # Every name and condition here is this module's own constant.
        f"CREATE TRIGGER {part.index}_update AFTER UPDATE OF {watched} ON {part.table} BEGIN "  # noqa: S608
        f"DELETE FROM {part.index} WHERE rowid = old.id; "
        f"{_fill(part, 'new')} WHERE {part.where('new')}; END",
        f"CREATE TRIGGER {part.index}_delete AFTER DELETE ON {part.table} BEGIN "  # noqa: S608
        f"DELETE FROM {part.index} WHERE rowid = old.id; END",
        *_rekey(part),
        f"{_fill(part, part.table)} FROM {part.table} WHERE {part.where(part.table)}",
        f"INSERT INTO {part.index}({part.index}) VALUES ('optimize')",  # noqa: S608
    ]


def install_sqlite(parts: tuple[Indexed, ...] = INDEXED) -> list[str]:
    """Every statement that (re)builds the SQLite index of `parts` from nothing."""
    return [statement for part in parts for statement in sqlite_drop(part) + sqlite_create(part)]


def postgres_text(part: Indexed, row: str) -> str:
    """The text PostgreSQL indexes and quotes: its parser reads `<...>` as markup and
    skips it (a message about `<script>` would not be found by that word), so `<` is
    read as chr(4), a control character no stored text holds, turned back when quoting."""
    return f"replace({part.document(row)}, '<', chr(4))"


def postgres_document(part: Indexed, row: str) -> str:
    if part.stored is not None:
        return f"{row}.{part.stored}"
    return _parsed(part, row)


def _parsed(part: Indexed, row: str) -> str:
    return f"to_tsvector('{PG_CONFIG}', {postgres_text(part, row)})"


def install_postgres(parts: tuple[Indexed, ...] = INDEXED) -> list[str]:
    """The text search configuration, then the GIN index of each of `parts`."""
    statements = [
        "CREATE EXTENSION IF NOT EXISTS unaccent",
        f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {PG_CONFIG} CASCADE",
        f"CREATE TEXT SEARCH CONFIGURATION {PG_CONFIG} (COPY = english)",
        f"ALTER TEXT SEARCH CONFIGURATION {PG_CONFIG} ALTER MAPPING FOR "
        "hword, hword_part, word WITH unaccent, english_stem",
    ]
    return statements + postgres_indexes(parts)


def postgres_indexes(parts: tuple[Indexed, ...]) -> list[str]:
    """The stored `tsvector` column (if any) and the GIN index of each of `parts`, under
    the configuration already there."""
    statements = []
    for part in parts:
        if part.stored is not None:
            statements.append(
                f"ALTER TABLE {part.table} ADD COLUMN IF NOT EXISTS {part.stored} tsvector "
                f"GENERATED ALWAYS AS ({_parsed(part, part.table)}) STORED"
            )
        statements.append(
            f"CREATE INDEX IF NOT EXISTS ix_{part.index} ON {part.table} "
            f"USING gin (({postgres_document(part, part.table)}))"
        )
    return statements


def drop_postgres_indexes(parts: tuple[Indexed, ...]) -> list[str]:
    statements = [f"DROP INDEX IF EXISTS ix_{part.index}" for part in parts]
    return statements + [
        f"ALTER TABLE {part.table} DROP COLUMN IF EXISTS {part.stored}"
        for part in parts
        if part.stored is not None
    ]


def drop_postgres() -> list[str]:
    configuration = f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {PG_CONFIG} CASCADE"
    return [*drop_postgres_indexes(INDEXED), configuration]


def include_name(name: str | None, type_: str, _parent_names: object) -> bool:
    """For Alembic's comparisons: the index is built by hand, not from the models."""
    if type_ == "table" and name:
        return not is_index_table(name)
    if type_ == "index" and name:
        return not name.startswith("ix_search_")
    if type_ == "column" and name:
        return name not in STORED_COLUMNS
    return True
