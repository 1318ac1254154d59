"""Gaps in the event log on PostgreSQL, where ids are taken before commits and two
writers can commit out of id order: settling a gap waits for a writer still holding one
of its ids and yields to it, and takes an id nobody will commit for good."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from extensions import db
from models.clock import utcnow
from models.stream import StreamEvent
from realtime import store
from tests.conftest import make_app


@pytest.fixture
def pg_app(tmp_path, postgres):
    app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=postgres.create_database())
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def event_row(**values):
    row = {"channel": "user:1", "name": "stream:echo", "payload": "{}", "created_at": utcnow()}
    return insert(StreamEvent.__table__).values(**{**row, **values}).returning(StreamEvent.id)


def test_settling_waits_for_the_writer_holding_an_id_and_keeps_its_event(pg_app):
    writer = db.engine.connect()
    transaction = writer.begin()
    held = writer.execute(event_row()).scalar_one()
    settled = threading.Event()

    def settle():
        with pg_app.app_context():
            store.settle([held])
            db.session.remove()
        settled.set()

    thread = threading.Thread(target=settle)
    thread.start()
    assert not settled.wait(0.5)  # still waiting for the writer's transaction
    transaction.commit()
    writer.close()
    assert settled.wait(10)
    thread.join(10)
    row = db.session.scalar(select(StreamEvent).where(StreamEvent.id == held))
    assert (row.channel, row.name) == ("user:1", "stream:echo")


def test_settling_an_id_nobody_committed_takes_it_for_good(pg_app):
    writer = db.engine.connect()
    transaction = writer.begin()
    lost = writer.execute(event_row()).scalar_one()
    transaction.rollback()
    store.settle([lost])
    row = db.session.scalar(select(StreamEvent).where(StreamEvent.id == lost))
    assert (row.channel, row.name) == (store.GAP, store.GAP)
    # A transaction that took the id and commits only now cannot slip in behind readers.
    with db.engine.connect() as late, pytest.raises(IntegrityError):
        late.execute(event_row(id=lost))
    # Readers of the log pass over placeholders; clients never see them.
    assert store.read_after(lost - 1, ["user:1"]) == []
