"""models/driver_statements.py: Core statements run on the driver's cursor store and read
what Core's own execution does, and fail the way it fails, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    create_engine,
    exc,
    insert,
    select,
    update,
)

from models.driver_statements import DriverStatement

metadata = MetaData()
probes = Table(
    "probes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(40), unique=True, nullable=False),
    Column("at", DateTime(timezone=True)),
    Column("count", Integer, nullable=False),
)
readings = Table(
    "readings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("value", Float, nullable=False),
)
with_default = Table(
    "with_default",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("count", Integer, default=1),
)

INSERT = DriverStatement(insert(probes).returning(probes.c.id))
BY_NAME = DriverStatement(
    select(probes.c.id, probes.c.at, probes.c.count).where(probes.c.name == bindparam("name"))
)
COUNT_UP = DriverStatement(
    update(probes).where(probes.c.id == bindparam("probe_id")).values(count=probes.c.count + 1)
)
# A round second: Python's own text for it has no fraction, SQLAlchemy's has one.
ON_THE_SECOND = datetime(2026, 12, 1, 10, 30, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'probe.db'}"
    else:
        url = request.getfixturevalue("postgres").create_database()
    engine = create_engine(url)
    metadata.create_all(engine)
    yield engine
    engine.dispose()


def test_a_row_written_through_the_driver_is_stored_as_core_stores_it(engine):
    with engine.begin() as connection:
        core_id = connection.execute(
            insert(probes).returning(probes.c.id), {"name": "core", "at": ON_THE_SECOND, "count": 0}
        ).scalar_one()
        driver_id = INSERT.scalar(connection, {"name": "driver", "at": ON_THE_SECOND, "count": 0})
    assert driver_id == core_id + 1
    with engine.connect() as connection:
        stored = connection.exec_driver_sql("SELECT name, at FROM probes ORDER BY id").all()
        assert stored[0][1] == stored[1][1]  # the database's own value, unconverted
        assert BY_NAME.first(connection, {"name": "driver"}) == (
            driver_id,
            connection.execute(select(probes.c.at).where(probes.c.id == core_id)).scalar_one(),
            0,
        )
        assert BY_NAME.first(connection, {"name": "nobody"}) is None


def test_a_float_is_read_as_core_reads_it(engine):
    """A float's result processor needs the type the driver reports (on PostgreSQL, Core's
    refuses a float column without it)."""
    value_of = DriverStatement(select(readings.c.value).where(readings.c.id == bindparam("id")))
    with engine.begin() as connection:
        connection.execute(insert(readings), [{"id": 1, "value": 1796448137.6307886}])
    with engine.connect() as connection:
        core = connection.execute(select(readings.c.value)).scalar_one()
        assert value_of.first(connection, {"id": 1}) == (core,)
        assert value_of.first(connection, {"id": 1}) == (1796448137.6307886,)
        assert value_of.first(connection, {"id": 2}) is None


def test_an_update_runs_in_the_callers_transaction(engine):
    with engine.connect() as connection:
        with connection.begin():
            probe_id = INSERT.scalar(connection, {"name": "kept", "at": None, "count": 0})
            assert COUNT_UP.rows(connection, {"probe_id": probe_id}) == []
        with connection.begin() as transaction:
            COUNT_UP.rows(connection, {"probe_id": probe_id})
            transaction.rollback()
        assert BY_NAME.first(connection, {"name": "kept"}) == (probe_id, None, 1)


def driver_in_transaction(engine: Engine) -> bool:
    """Whether the pool's connection, checked out again, still has a transaction open."""
    raw = engine.raw_connection()
    try:
        driver = raw.driver_connection
        if engine.dialect.name == "sqlite":
            return driver.in_transaction
        return driver.info.transaction_status != driver.info.transaction_status.IDLE
    finally:
        raw.close()


def test_a_read_begins_no_transaction_and_none_is_left_open_once_given_back(engine):
    with engine.begin() as connection:
        probe_id = INSERT.scalar(connection, {"name": "read", "at": None, "count": 0})
    with engine.connect() as connection:
        assert BY_NAME.first(connection, {"name": "read"}) == (probe_id, None, 0)
        assert not connection.in_transaction()
        COUNT_UP.rows(connection, {"probe_id": probe_id})  # a write still begins one
        assert connection.in_transaction()
        connection.commit()
        assert BY_NAME.first(connection, {"name": "read"})[2] == 1
    assert not driver_in_transaction(engine)
    with engine.begin() as other:  # nothing held by the read holds up a writer
        COUNT_UP.rows(other, {"probe_id": probe_id})
    with engine.connect() as connection:
        assert BY_NAME.first(connection, {"name": "read"})[2] == 2


def test_a_unique_violation_is_sqlalchemys_integrity_error(engine):
    with engine.connect() as connection:
        INSERT.rows(connection, {"name": "twice", "at": None, "count": 0})
        connection.commit()
        with pytest.raises(exc.IntegrityError):
            INSERT.rows(connection, {"name": "twice", "at": None, "count": 0})
        assert connection.in_transaction()  # begun for the statement, as Core begins one
        connection.rollback()
        assert BY_NAME.first(connection, {"name": "twice"})[2] == 0


def test_statements_it_cannot_run_faithfully_are_refused(tmp_path: Path):
    engine = create_engine(f"sqlite:///{tmp_path / 'probe.db'}")
    with_default.create(engine)
    by_names = DriverStatement(
        select(probes.c.id).where(probes.c.name.in_(bindparam("names", expanding=True)))
    )
    defaulted = DriverStatement(insert(with_default))
    with engine.connect() as connection:
        with pytest.raises(ValueError, match="no list parameters"):
            by_names.rows(connection, {"names": ["a", "b"]})
        with pytest.raises(ValueError, match="no column defaults"):
            defaulted.rows(connection, {"id": 1})
        with pytest.raises(ValueError, match="required for probe_id"):
            COUNT_UP.rows(connection, {})  # Core refuses a missing value; so does this
