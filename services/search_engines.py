"""The two engines behind the search: how a kind's rows are matched, ranked and quoted.

SQLite reads the FTS5 tables the triggers keep (`models/search_schema.py`), ranked by
bm25; PostgreSQL reads each table's own GIN index of its `tsvector`, ranked by
`ts_rank`. Either marks the matched words of a snippet with two control characters that
no stored text holds (`clean_text` drops them); `marked` escapes the rest as HTML and
turns the marks into `<mark>`.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape
from sqlalchemy import ColumnElement, Select, column, func, literal, literal_column, table

from extensions import db
from models.search_schema import PG_CONFIG, Indexed, postgres_document, postgres_text

OPEN, CLOSE = "\x02", "\x03"
LESS_THAN = "\x04"  # how PostgreSQL's index reads "<" (`search_schema.postgres_text`)
SNIPPET_WORDS = 32


@dataclass(frozen=True)
class Match:
    """What a kind's query needs from the engine: a way to join and filter the matching
    rows, their order (best first) and their snippet."""

    join: object
    condition: ColumnElement | None
    order: ColumnElement
    snippet: ColumnElement

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


def match(part: Indexed, base_id: ColumnElement, terms: list[str]) -> Match:
    if is_postgres():
        return _postgres(part, terms)
    return _sqlite(part, base_id, terms)


def _sqlite(part: Indexed, base_id: ColumnElement, terms: list[str]) -> Match:
    index = table(part.index, column("rowid"))
    name = literal_column(part.index)
    condition = name.op("MATCH")(phrase_query(terms))
    # The first column (a name, a body) weighs more than a description or a bio.
    weights = [literal(10.0), *[literal(1.0)] * (len(part.columns) - 1)]
    return Match(
        join=(index, index.c.rowid == base_id),
        condition=condition,
        order=func.bm25(name, *weights),
        snippet=func.snippet(name, -1, OPEN, CLOSE, "…", SNIPPET_WORDS),
    )


def _postgres(part: Indexed, terms: list[str]) -> Match:
    document = literal_column(postgres_document(part, part.table))
    wanted = func.websearch_to_tsquery(literal_column(f"'{PG_CONFIG}'"), phrase_query(terms))
    options = (
        f"StartSel={OPEN}, StopSel={CLOSE}, MaxWords={SNIPPET_WORDS}, MinWords=8, "
        'MaxFragments=2, FragmentDelimiter=" … "'
    )
    return Match(
        join=None,
        condition=document.op("@@")(wanted),
        order=func.ts_rank(document, wanted).desc(),
        snippet=func.ts_headline(
            literal_column(f"'{PG_CONFIG}'"),
            literal_column(postgres_text(part, part.table)),
            wanted,
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
