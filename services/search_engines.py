"""The two engines behind the search: how a kind's rows are matched, ranked and quoted.

SQLite reads the FTS5 tables the triggers keep (`models/search_schema.py`), ranked by
bm25; PostgreSQL reads each table's own GIN index of its `tsvector`, ranked by
`ts_rank`. A kind indexed by a key (messages, by conversation) is matched within the
keys it is given, on either engine, so the index yields only the entries of those.
Either marks the matched words of a snippet with two control characters that no stored
text holds (`clean_text` drops them); `marked` escapes the rest as HTML and turns the
marks into `<mark>`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from markupsafe import Markup, escape
from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Select,
    bindparam,
    column,
    false,
    func,
    literal,
    literal_column,
    table,
    text,
)

from extensions import db
from models.search_schema import PG_CONFIG, Indexed, postgres_document, postgres_text

# Past this many of its words' index entries for each row of the listed keys, a keyed kind
# is matched from those rows on PostgreSQL (`rows_first`).
ENTRIES_PER_KEYED_ROW = 8
STATISTICS_TTL = 600.0  # seconds
_STATISTICS: dict[tuple[str, str], tuple[float, _Statistics | None]] = {}
_READ_STATISTICS = text(
    "SELECT c.reltuples AS rows, k.n_distinct AS spread, "
    "k.most_common_vals::text::text[] AS busy_keys, k.most_common_freqs AS busy_shares, "
    "d.most_common_elems::text::text[] AS words, d.most_common_elem_freqs AS shares "
    "FROM pg_class c "
    "LEFT JOIN pg_stats k ON k.schemaname = current_schema() AND k.tablename = :table "
    "AND k.attname = :key "
    "LEFT JOIN pg_stats d ON d.schemaname = current_schema() AND d.tablename = :table "
    "AND d.attname = :document "
    "WHERE c.oid = CAST(:table AS regclass)"
)
OPEN, CLOSE = "\x02", "\x03"
LESS_THAN = "\x04"  # how PostgreSQL's index reads "<" (`search_schema.postgres_text`)
SNIPPET_WORDS = 32


@dataclass(frozen=True)
class Match:
    """What a kind's query needs from the engine: a way to join and filter the matching
    rows, their order (best first) and their snippet. The last two are built when a page
    asks for them (a count needs neither)."""

    join: object
    condition: ColumnElement | None
    ranked: Callable[[], ColumnElement]
    quoted: Callable[[], ColumnElement]

    @property
    def order(self) -> ColumnElement:
        return self.ranked()

    @property
    def snippet(self) -> ColumnElement:
        return self.quoted()

    def apply(self, statement: Select) -> Select:
        if self.join is not None:
            statement = statement.join(*self.join)
        if self.condition is not None:
            statement = statement.where(self.condition)
        return statement


def is_postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def phrase_query(terms: list[str]) -> str:
    """Every term as a quoted phrase, all required: the same text for both engines, so no
    operator typed in the box is read as one."""
    return " ".join('"' + term.replace('"', " ") + '"' for term in terms)


def wanted(
    part: Indexed, terms: list[str], keys: list[int] | None, shared: bool, postgres: bool
) -> str:
    """The value of a match's `words`: the terms, and on SQLite a keyed kind's keys (and
    its shared token, which stands for every public room)."""
    if postgres or part.key is None or keys is None or (not keys and not shared):
        return phrase_query(terms)
    texts = " ".join(name for name, _expression in part.columns)
    tokens = [f'"{int(key)}"' for key in keys] + ([f'"{part.key.shared}"'] if shared else [])
    # A number typed in the box is matched in the text columns, never as a key.
    return f"{{{texts}}} : ({phrase_query(terms)}) AND {part.key.name} : ({' OR '.join(tokens)})"


@dataclass(frozen=True)
class _Statistics:
    """What ANALYZE last found of a keyed table: its rows, the share of them under each of
    its busiest keys and under any other key, and the share holding each commonest word."""

    rows: float
    busy: dict[int, float]
    other_key: float
    words: dict[str, float]

    def under(self, keys: list[int]) -> float:
        return self.rows * sum(self.busy.get(key, self.other_key) for key in keys)


def rows_first(part: Indexed, terms: list[str], keys: list[int]) -> bool:
    """On PostgreSQL, whether a keyed kind is matched by reading the rows of its listed
    keys and testing each, rather than from its words' index entries: when even the
    rarest of the words is in so many rows site-wide (by the planner's own statistics)
    that its entries outnumber the keys' rows by far. Left to itself, the planner ANDs
    the word's whole bitmap with the keys' rows, which costs more as the word is commoner
    however few of its rows the searcher may see."""
    statistics = _statistics(part)
    if statistics is None or not keys:
        return False
    lexemes = db.session.scalar(
        text("SELECT tsvector_to_array(to_tsvector(CAST(:config AS regconfig), :words))"),
        {"config": PG_CONFIG, "words": " ".join(terms)},
    )
    if not lexemes:
        return False
    entries = min(statistics.words.get(lexeme, 0.0) for lexeme in lexemes) * statistics.rows
    return entries > ENTRIES_PER_KEYED_ROW * statistics.under(keys)


def _statistics(part: Indexed) -> _Statistics | None:
    """The keyed table's statistics, read once in a while per database (None before its
    first ANALYZE)."""
    cached = _STATISTICS.get((str(db.engine.url), part.table))
    if cached is not None and cached[0] > time.monotonic():
        return cached[1]
    column = part.key.column.format(row=part.table).rsplit(".", 1)[-1]
    found = db.session.execute(
        _READ_STATISTICS, {"table": part.table, "key": column, "document": part.stored}
    ).one_or_none()
    statistics = None
    if found is not None and found.rows > 0 and found.spread and found.words:
        distinct = found.spread if found.spread > 0 else -found.spread * found.rows
        busy = dict(zip(map(int, found.busy_keys or ()), found.busy_shares or (), strict=True))
        others = max(distinct - len(busy), 1.0)
        other_key = max(1.0 - sum(busy.values()), 0.0) / others
        words = dict(zip(found.words, found.shares, strict=False))
        statistics = _Statistics(found.rows, busy, other_key, words)
    _STATISTICS[(str(db.engine.url), part.table)] = (time.monotonic() + STATISTICS_TTL, statistics)
    return statistics


def match(
    part: Indexed, base_id: ColumnElement, words: BindParameter, keyed: str | None, postgres: bool
) -> Match:
    """The rows of `part` holding every term of `words` (`wanted`); for a keyed kind,
    `keyed` says whether only those under the listed keys (`"listed"`: SQLite reads them
    from `words`, PostgreSQL from the parameter `keys`; `"rows"`: the same, read from the
    keys' rows on PostgreSQL, `rows_first`) or none (`"none"`)."""
    if postgres:
        return _postgres(part, words, keyed)
    return _sqlite(part, base_id, words, keyed)


def _sqlite(
    part: Indexed, base_id: ColumnElement, words: BindParameter, keyed: str | None
) -> Match:
    index = table(part.index, column("rowid"))
    name = literal_column(part.index)
    condition = false() if keyed == "none" else name.op("MATCH")(words)
    # The first column (a name, a body) weighs more than a description or a bio; a key
    # column weighs nothing.
    weights = [literal(10.0), *[literal(1.0)] * (len(part.columns) - 1)]
    weights += [literal(0.0)] * (len(part.fts_columns) - len(part.columns))
    shown = 0 if len(part.columns) == 1 else -1  # -1: the column that matched best
    return Match(
        join=(index, index.c.rowid == base_id),
        condition=condition,
        ranked=lambda: func.bm25(name, *weights),
        quoted=lambda: func.snippet(name, shown, OPEN, CLOSE, "…", SNIPPET_WORDS),
    )


def _postgres(part: Indexed, words: BindParameter, keyed: str | None) -> Match:
    document = literal_column(postgres_document(part, part.table))
    query = func.websearch_to_tsquery(literal_column(f"'{PG_CONFIG}'"), words)
    options = (
        f"StartSel={OPEN}, StopSel={CLOSE}, MaxWords={SNIPPET_WORDS}, MinWords=8, "
        'MaxFragments=2, FragmentDelimiter=" … "'
    )
    condition = document.op("@@")(query)
    if keyed in ("listed", "rows"):
        # "rows": the keys' rows are read and each one tested, by the operator's function,
        # which the planner does not match with the words' index.
        if keyed == "rows":
            condition = func.ts_match_vq(document, query)
        key = literal_column(part.key.column.format(row=part.table))
        condition = condition & key.in_(bindparam("keys", expanding=True))
    elif keyed == "none":
        condition = false()
    return Match(
        join=None,
        condition=condition,
        ranked=lambda: func.ts_rank(document, query).desc(),
        quoted=lambda: func.ts_headline(
            literal_column(f"'{PG_CONFIG}'"),
            literal_column(postgres_text(part, part.table)),
            query,
            options,
        ),
    )


def marked(raw: str | None) -> Markup:
    """A snippet as safe HTML: its text escaped, its matches in `<mark>`."""
    text = str(escape((raw or "").replace(LESS_THAN, "<")))
    return Markup(text.replace(OPEN, "<mark>").replace(CLOSE, "</mark>"))  # noqa: S704  (escaped)


def plain(text: str, length: int = 200) -> Markup:
    """The start of a text as safe HTML, for a hit found by its filters alone."""
    cut = text if len(text) <= length else text[: length - 1].rstrip() + "…"
    return escape(cut)
