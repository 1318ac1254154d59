"""Rebuilding the full-text index from the rows it indexes (`flask --app app search reindex`).

The index keeps itself in step inside every write's transaction (`models/search_schema.py`);
a rebuild is for repairs: after a SQLite batch migration recreated an indexed table (and
dropped its triggers), or after restoring a copy of the tables without the index.
"""

from __future__ import annotations

from sqlalchemy import text

from extensions import db
from models import search_schema


def rebuild() -> dict[str, int]:
    """Drop and build the index again in one transaction; the number of entries by kind."""
    if db.session.get_bind().dialect.name == "sqlite":
        statements = search_schema.install_sqlite()
    else:
        statements = search_schema.drop_postgres() + search_schema.install_postgres()
    for statement in statements:
        db.session.execute(text(statement))
    counts = {part.kind: _count(part) for part in search_schema.INDEXED}
    db.session.commit()
    return counts


def _count(part: search_schema.Indexed) -> int:
    statement = f"SELECT count(*) FROM {part.table} WHERE {part.where(part.table)}"  # noqa: S608
    return db.session.scalar(text(statement)) or 0
