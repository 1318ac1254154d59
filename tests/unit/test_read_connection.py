"""models/read_connection.py: a read inside a unit of work goes through its session and
sees its changes; a read outside one opens no session and holds no connection after."""

from __future__ import annotations

from sqlalchemy import select

from extensions import db
from models.read_connection import reading
from models.user import User


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
    pool = db.engine.pool
    before = pool.checkedout()
    with reading() as connection:
        assert pool.checkedout() == before + 1
        name = connection.scalar(select(User.username).where(User.id == user_id))
    assert name == "reader"
    assert pool.checkedout() == before
    assert not db.session.registry.has()


def test_joining_the_session_begins_its_unit_of_work_for_the_reads_after(app, user_factory):
    user_factory("reader")
    db.session.remove()
    with reading(join_session=True) as connection:
        assert connection is db.session.connection()
    assert db.session().in_transaction()
    db.session.rollback()
