"""Likes of one post at the same moment on PostgreSQL: each announces a count that
includes the like committed before it."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import insert

from extensions import db
from models.post import PostLike
from models.user import User
from services import accounts, posts
from tests.conftest import PASSWORD, make_app


@pytest.fixture
def pg_app(tmp_path, postgres):
    app = make_app(
        tmp_path,
        SQLALCHEMY_DATABASE_URI=postgres.create_database(),
        NEW_ACCOUNT_LINK_HOLD_SECONDS=0,
    )
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def test_a_like_waits_for_one_in_flight_and_counts_it(pg_app):
    author, first, second = (accounts.register(name, PASSWORD) for name in ("poe", "fay", "sid"))
    post_id = posts.create(author, "a public thought", audience="public")["id"]
    ids = (first.id, second.id)
    db.session.remove()

    # The first like is in flight: written, not yet committed.
    other = db.engine.connect()
    transaction = other.begin()
    other.execute(insert(PostLike).values(post_id=post_id, user_id=ids[0]))
    answers: list[dict] = []

    def like_too():
        with pg_app.app_context():
            answers.append(posts.like(db.session.get(User, ids[1]), post_id))
            db.session.remove()

    thread = threading.Thread(target=like_too)
    thread.start()
    thread.join(0.5)
    assert not answers  # waiting for the first to commit
    transaction.commit()
    other.close()
    thread.join(10)
    assert answers, "the second like never finished"
    assert answers[0]["likes"] == 2
