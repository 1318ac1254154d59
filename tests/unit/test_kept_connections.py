"""models/kept_connections.py: a connection given back is taken again without the pool,
as the pool would have left it (rolled back); no more than KEEP are kept; one whose block
raised, or of another process or PostgreSQL, goes back to the pool; a disposed engine's
new pool keeps nothing of the old one's."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import event, select, text, update

from extensions import db
from models.kept_connections import KEEP, give_back, kept_connection, kept_count, take
from models.user import User


@pytest.fixture
def fresh(app):
    """The app's engine with nothing checked out and nothing kept."""
    db.session.remove()
    db.engine.dispose()
    return db.engine


def test_a_connection_given_back_is_taken_again_rolled_back_and_without_the_pool(
    fresh, user_factory
):
    user_id = user_factory("ann").id
    db.session.remove()
    first = take(fresh)
    first.execute(update(User).where(User.id == user_id).values(display_name="Not kept"))
    give_back(fresh, first)
    assert (kept_count(fresh), fresh.pool.checkedout()) == (1, 1)
    checked_out: list[int] = []
    event.listen(fresh, "checkout", lambda *_: checked_out.append(1))
    again = take(fresh)
    name = again.scalar(select(User.display_name).where(User.id == user_id))
    give_back(fresh, again)
    assert again is first
    assert checked_out == []
    assert name != "Not kept"
    assert not again.in_transaction()


def test_no_more_than_keep_are_kept_the_rest_go_back_to_the_pool(fresh):
    taken = [take(fresh) for _ in range(KEEP + 2)]
    for connection in taken:
        give_back(fresh, connection)
    assert kept_count(fresh) == KEEP
    assert fresh.pool.checkedout() == KEEP
    assert sum(connection.closed for connection in taken) == 2


def failing_block(engine) -> object:
    """The connection a block that raised was given."""
    try:
        with kept_connection(engine) as connection:
            connection.execute(text("SELECT 1"))
            raise ZeroDivisionError
    except ZeroDivisionError:
        return connection
    raise AssertionError("the block did not raise")


def test_a_connection_whose_block_raised_goes_back_to_the_pool(fresh):
    with kept_connection(fresh) as kept:
        pass
    assert kept_count(fresh) == 1
    failed = failing_block(fresh)
    assert failed is kept
    assert failed.closed
    assert (kept_count(fresh), fresh.pool.checkedout()) == (0, 0)


def test_a_disposed_engine_takes_nothing_its_old_pool_kept(fresh):
    with kept_connection(fresh) as kept:
        pass
    fresh.dispose()
    assert kept_count(fresh) == 0
    with kept_connection(fresh) as new:
        assert new is not kept
    assert kept_count(fresh) == 1


def test_a_forked_process_never_takes_what_its_parent_kept(fresh):
    with kept_connection(fresh) as parents:
        pass
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # the child: report what it would take, and leave at once
        with kept_connection(fresh) as childs:
            os.write(write, b"theirs" if childs is parents else b"its own")
        os._exit(0)
    os.close(write)
    _, status = os.waitpid(child, 0)
    assert os.read(read, 16) == b"its own"
    assert os.WEXITSTATUS(status) == 0
    assert not parents.closed
    assert kept_count(fresh) == 1


def test_only_sqlite_keeps_postgresql_s_pool_checks_each_connection_first(engine_app):
    engine = db.engine
    db.session.remove()
    with kept_connection(engine) as connection:
        pass
    if engine.dialect.name == "sqlite":
        assert (kept_count(engine), connection.closed) == (1, False)
    else:
        assert (kept_count(engine), connection.closed) == (0, True)
