"""Statements run on the database driver's own cursor, for the hottest writes of the site.

SQLAlchemy's execution path (an execution context, parameter and result processing,
events, a result object) costs about 17 µs a statement here: over ten times what SQLite
spends on one of a chat message's single-row statements. A `DriverStatement` is a Core
statement compiled once per dialect and set of parameters, with its columns' own bind and
result processors, and run on the cursor of the transaction's connection: the same SQL,
the same stored values, the same exceptions (SQLAlchemy's, from its own wrapper), none of
the per-call machinery. Engine events (`before_cursor_execute`) do not see these
statements. Only for statements built once, with plain bound parameters (no lists).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exc
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.sql.dml import UpdateBase
from sqlalchemy.sql.selectable import Select
from sqlalchemy.types import TypeEngine

Processor = Callable[[Any], Any] | None


@dataclass(slots=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]
    positional: bool
    binds: tuple[Processor, ...]
    columns: tuple[TypeEngine, ...]  # the dialect's types of the columns it returns
    constants: dict[str, Any]  # values the statement holds itself (the 1 of `count + 1`)
    # The columns' result processors, taken at the first run: some need the type the
    # driver reports (PostgreSQL's floats and numerics), as Core's do.
    results: tuple[Processor, ...] | None = None

    def parameters(self, values: Mapping[str, Any]) -> tuple | dict:
        if self.constants:
            values = {**self.constants, **values}
        bound = [
            value if process is None else process(value)
            for process, value in zip(self.binds, map(values.__getitem__, self.names), strict=True)
        ]
        return tuple(bound) if self.positional else dict(zip(self.names, bound, strict=True))

    def take_results(self, dialect: Dialect, description: Sequence[Sequence[Any]]) -> None:
        self.results = tuple(
            column.result_processor(dialect, reported[1])
            for column, reported in zip(self.columns, description, strict=True)
        )

    def row(self, row: tuple) -> tuple:
        return tuple(
            value if process is None or value is None else process(value)
            for process, value in zip(self.results, row, strict=True)
        )


class DriverStatement:
    """A Core `Select`, `Insert` or `Update` to run on the driver's cursor."""

    def __init__(self, statement: Select | UpdateBase) -> None:
        self._statement = statement
        self._writes = isinstance(statement, UpdateBase)
        self._compiled: dict[tuple[str, frozenset[str]], _Compiled] = {}

    def rows(self, connection: Connection, values: Mapping[str, Any]) -> list[tuple]:
        """Run in `connection`'s transaction, if one is open; the rows it returns, if any.
        A write begins Core's transaction if need be, as Core's execution does. A read
        does not: Core's begin emits nothing on SQLite's driver (a SELECT opens no
        transaction there) nor on psycopg (which opens one at any first statement), and
        a connection it did not begin is rolled back by the pool when given back, so a
        read outside a unit of work (a long-poll's) skips the bookkeeping of a begin and
        of a rollback."""
        if self._writes and not connection.in_transaction():
            connection.begin()
        compiled = self._compile(connection.dialect, values)
        parameters = compiled.parameters(values)
        cursor = connection.connection.dbapi_connection.cursor()
        try:
            cursor.execute(compiled.sql, parameters)
            found = []
            if cursor.description is not None:
                found = cursor.fetchall()
                if compiled.results is None:
                    compiled.take_results(connection.dialect, cursor.description)
        except connection.dialect.loaded_dbapi.Error as error:
            raise _wrapped(connection, compiled.sql, parameters, error) from error
        finally:
            cursor.close()
        return [compiled.row(row) for row in found]

    def first(self, connection: Connection, values: Mapping[str, Any]) -> tuple | None:
        found = self.rows(connection, values)
        return found[0] if found else None

    def scalar(self, connection: Connection, values: Mapping[str, Any]) -> Any:
        """The first column of the one row it returns."""
        (row,) = self.rows(connection, values)
        return row[0]

    def _compile(self, dialect: Dialect, values: Mapping[str, Any]) -> _Compiled:
        key = (dialect.name, frozenset(values))
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compiled[key] = _compiled(self._statement, dialect, list(values))
        return compiled


def _compiled(statement: Select | UpdateBase, dialect: Dialect, keys: list[str]) -> _Compiled:
    # An insert without .values() takes its columns from the parameters' keys, as a
    # Core execution does.
    compiled = statement.compile(dialect=dialect, column_keys=keys)
    by_name = {name: bind for bind, name in compiled.bind_names.items()}
    if any(bind.expanding for bind in by_name.values()):
        raise ValueError("A DriverStatement takes no list parameters.")
    if compiled.insert_prefetch or compiled.update_prefetch:
        raise ValueError("A DriverStatement computes no column defaults: pass every value.")
    names = tuple(compiled.positiontup) if compiled.positional else tuple(by_name)
    missing = [name for name in names if name not in keys and by_name[name].required]
    if missing:
        raise ValueError(f"A value is required for {', '.join(missing)}.")
    return _Compiled(
        sql=str(compiled),
        names=names,
        positional=compiled.positional,
        binds=tuple(
            by_name[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names
        ),
        constants={name: by_name[name].effective_value for name in names if name not in keys},
        columns=tuple(
            column.type.dialect_impl(dialect)
            for column in statement.exported_columns  # a select's, or what DML returns
        ),
    )


def _wrapped(
    connection: Connection, sql: str, parameters: tuple | dict, error: Exception
) -> exc.DBAPIError:
    """The driver's error as SQLAlchemy raises it (an IntegrityError for a unique
    violation, say); a connection the error shows is gone is invalidated, as SQLAlchemy
    does, so the pool does not hand it out again."""
    dialect = connection.dialect
    dbapi_connection = connection.connection.dbapi_connection
    disconnected = dialect.is_disconnect(error, dbapi_connection, None)
    if disconnected:
        connection.invalidate(error)
    return exc.DBAPIError.instance(
        sql,
        parameters,
        error,
        dialect.loaded_dbapi.Error,
        dialect=dialect,
        connection_invalidated=disconnected,
    )
