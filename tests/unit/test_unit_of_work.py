"""The unit of work: a change and its events commit together, then go out in the order
they were published; a rollback announces nothing; a service called by another joins
its caller's work."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from extensions import db
from models.stream import StreamEvent
from models.user import User
from realtime.bus import bus
from realtime.events import ECHO, user_channel
from services.unit_of_work import unit_of_work
from tests.support.events import heard_so_far, listen


def heard(stream) -> list:
    return [(event.name, event.data.get("text")) for event in heard_so_far(stream)]


def stored() -> int:
    return db.session.scalar(select(func.count()).select_from(StreamEvent))


def echo(text: str) -> dict:
    return {"text": text, "sent_at": 0.0}


def test_nothing_goes_out_before_the_commit_and_all_in_order_after_it(app, user_factory):
    ann = user_factory("ann")
    stream = listen(ann.id)
    bus.publish(user_channel(ann.id), ECHO, echo("one"))
    bus.publish(
        user_channel(ann.id), "notification:read", {"ids": None, "all": True, "unread_count": 0}
    )
    bus.publish(user_channel(ann.id), ECHO, echo("two"))
    assert heard(stream) == []
    assert stored() == 0
    db.session.commit()
    assert heard(stream) == [(ECHO, "one"), ("notification:read", None), (ECHO, "two")]
    assert stored() == 2  # the durable ones, written in the same transaction


def test_a_rollback_announces_nothing_and_stores_nothing(app, user_factory):
    ann = user_factory("ann")
    stream = listen(ann.id)
    ann.display_name = "Changed"
    bus.publish(user_channel(ann.id), ECHO, echo("never"))
    db.session.rollback()
    db.session.commit()  # a later commit does not bring it back
    assert heard(stream) == []
    assert stored() == 0
    assert db.session.get(User, ann.id).display_name != "Changed"


@unit_of_work
def rename(user_id: int, name: str) -> None:
    db.session.get(User, user_id).display_name = name
    bus.publish(user_channel(user_id), ECHO, echo(name))


@unit_of_work
def rename_then_fail(user_id: int) -> None:
    rename(user_id, "Inner")  # joins this unit of work: it does not commit
    raise RuntimeError("the caller fails after its callee's work")


def test_a_service_called_by_another_joins_its_work(app, user_factory):
    ann = user_factory("ann")
    stream = listen(ann.id)
    with pytest.raises(RuntimeError):
        rename_then_fail(ann.id)
    assert heard(stream) == []
    assert stored() == 0
    assert db.session.get(User, ann.id).display_name != "Inner"
    rename(ann.id, "Outer")  # called from the outside, it commits
    db.session.rollback()
    assert heard(stream) == [(ECHO, "Outer")]
    assert db.session.get(User, ann.id).display_name == "Outer"


def test_an_action_after_the_commit_runs_only_on_commit(app, user_factory):
    user_factory("ann")
    done = []
    bus.after_commit(lambda: done.append("rolled back"))
    db.session.rollback()
    bus.after_commit(lambda: done.append("committed"))
    db.session.commit()
    assert done == ["committed"]


def test_an_action_after_a_rollback_runs_only_on_rollback(app, user_factory):
    user_factory("ann")
    done = []
    bus.after_rollback(lambda: done.append("committed"))
    db.session.commit()
    bus.after_rollback(lambda: done.append("rolled back"))
    db.session.rollback()
    db.session.commit()  # a later transaction does not run it again
    assert done == ["rolled back"]
