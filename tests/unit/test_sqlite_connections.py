"""A pooled SQLite connection is kept after ordinary writes and retired after a bulk one
(models/sqlite_connections.py)."""

from __future__ import annotations

from extensions import db
from models.sqlite_connections import BULK_ROWS


def _write_rows(connection, count: int) -> None:
    connection.exec_driver_sql("CREATE TEMP TABLE IF NOT EXISTS scratch (n INTEGER)")
    connection.exec_driver_sql(
        "INSERT INTO scratch WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c "
        f"WHERE n < {count}) SELECT n FROM c"
    )
    connection.commit()


def _checked_out_driver_connection():
    with db.engine.connect() as connection:
        return connection.connection.dbapi_connection


def test_a_connection_that_wrote_a_few_rows_is_kept(app) -> None:
    db.engine.dispose()  # one connection in the pool from here on
    with db.engine.connect() as connection:
        first = connection.connection.dbapi_connection
        _write_rows(connection, 100)
    assert _checked_out_driver_connection() is first


def test_a_connection_that_wrote_in_bulk_is_retired(app) -> None:
    db.engine.dispose()
    with db.engine.connect() as connection:
        first = connection.connection.dbapi_connection
        _write_rows(connection, BULK_ROWS + 1)
    replacement = _checked_out_driver_connection()
    assert replacement is not first
    # The new connection is set up as every other one.
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
