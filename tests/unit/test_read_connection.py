"""models/read_connection.py: a read inside a unit of work goes through its session and
sees its changes; a read outside one opens no session and holds no connection after (one
may be kept out of the pool for the next: models/kept_connections.py); reads inside
`shared_reads` share one connection, taken once and given back before a wait."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.exc import DBAPIError

from extensions import db
from models.read_connection import give_back_shared, reading, shared_reads
from models.user import User
from tests.support.connections import connections_in_use


def test_inside_a_unit_of_work_the_read_sees_what_it_has_not_committed(app, user_factory):
    user_id = user_factory("reader").id
    db.session.remove()
    db.session.get(User, user_id).display_name = "Not committed yet"
    db.session.flush()
    with reading() as connection:
        assert connection is db.session.connection()
        name = connection.scalar(select(User.display_name).where(User.id == user_id))
    assert name == "Not committed yet"
    db.session.rollback()


def test_outside_one_it_opens_no_session_and_gives_its_connection_back(app, user_factory):
    user_id = user_factory("reader").id
    db.session.remove()
    with reading() as connection:
        assert connections_in_use() == 1
        name = connection.scalar(select(User.username).where(User.id == user_id))
    assert name == "reader"
    assert connections_in_use() == 0
    assert not db.session.registry.has()


def test_joining_the_session_begins_its_unit_of_work_for_the_reads_after(app, user_factory):
    user_factory("reader")
    db.session.remove()
    with reading(join_session=True) as connection:
        assert connection is db.session.connection()
    assert db.session().in_transaction()
    db.session.rollback()


def checkouts_during(action) -> int:
    counted: list[int] = []

    def count(*_connection) -> None:
        counted.append(1)

    event.listen(db.engine, "checkout", count)
    try:
        action()
    finally:
        event.remove(db.engine, "checkout", count)
    return len(counted)


def two_reads() -> list[object]:
    used = []
    for _ in range(2):
        with reading() as connection:
            assert connection.execute(text("SELECT 1")).scalar() == 1
            used.append(connection)
    return used


def test_reads_alone_one_after_another_take_the_connection_kept_from_the_first(app):
    db.engine.dispose()
    used: list[object] = []
    assert checkouts_during(lambda: used.extend(two_reads())) == 1
    assert used[0] is used[1]
    assert connections_in_use() == 0


def test_reads_in_a_shared_block_take_one_connection_given_back_at_its_end(app):
    used: list[object] = []

    def block() -> None:
        with shared_reads():
            used.extend(two_reads())
            assert connections_in_use() == 1

    db.engine.dispose()
    assert checkouts_during(block) == 1
    assert used[0] is used[1]
    assert connections_in_use() == 0


def test_a_shared_connection_given_back_early_is_held_by_no_one_meanwhile(app):
    def block() -> None:
        with shared_reads():
            two_reads()
            give_back_shared()
            assert connections_in_use() == 0
            two_reads()
            assert connections_in_use() == 0

    db.engine.dispose()
    assert checkouts_during(block) == 1


def test_a_failed_read_gives_the_shared_connection_back(app):
    with pytest.raises(DBAPIError, match="no_such_column"), shared_reads(), reading() as connection:
        connection.execute(text("SELECT no_such_column FROM users"))
    assert connections_in_use() == 0
