"""Who gets in, when it is decided at the same moment or after ties changed: a party's
and a room's limit holds when many join at once (on SQLite and on PostgreSQL), and a
request to join a party is not approved once the host blocked its asker or stopped being
their friend."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from errors import Conflict
from extensions import db
from models.conversation import Membership
from models.party import Participant
from models.user import User
from services import (
    accounts,
    conversation_members,
    conversations,
    parties,
    party_membership,
    social,
)
from tests.conftest import PASSWORD
from tests.support.concurrency import race

VIDEO = "https://media.example/film.mp4"
JOINERS = 6


def attempt(join: Callable[[User], object], user_id: int) -> Callable[[], str]:
    def run() -> str:
        try:
            join(db.session.get(User, user_id))
        except Conflict as refused:
            return refused.code
        return "in"

    return run


def newcomers(count: int) -> list[int]:
    return [accounts.register(f"guest{n}", PASSWORD).id for n in range(count)]


def test_a_partys_limit_holds_when_many_join_at_once(engine_app):
    host = accounts.register("host", PASSWORD)
    fields = {"title": "Two", "media_url": VIDEO, "max_participants": 2}
    party = parties.create(host, fields)
    code, party_id = party.code, party.id

    def join(person: User) -> object:
        return party_membership.join_by_code(person, code)

    answers = race(engine_app, *[attempt(join, user_id) for user_id in newcomers(JOINERS)])
    db.session.expire_all()
    active = db.session.scalar(
        select(func.count())
        .select_from(Participant)
        .where(Participant.party_id == party_id, Participant.status == "active")
    )
    assert active == 2, answers
    assert sorted(answers) == ["full"] * (JOINERS - 1) + ["in"]


def test_a_rooms_limit_holds_when_many_join_at_once(engine_app):
    owner = accounts.register("owner", PASSWORD)
    room_id = conversations.create_room(owner, "Tiny", "public", member_limit=2).id

    def join(person: User) -> object:
        return conversation_members.join(person, room_id)

    answers = race(engine_app, *[attempt(join, user_id) for user_id in newcomers(JOINERS)])
    db.session.expire_all()
    members = db.session.scalar(
        select(func.count()).select_from(Membership).where(Membership.conversation_id == room_id)
    )
    assert members == 2, answers
    assert sorted(answers) == ["full"] * (JOINERS - 1) + ["in"]


@pytest.mark.parametrize("tie", ["blocked", "unfriended"])
def test_a_request_is_not_approved_once_the_host_cut_ties(user_factory, tie):
    host, co_host, asker = user_factory("hana"), user_factory("cole"), user_factory("ada")
    for a, b in ((host, "ada"), (asker, "hana"), (host, "cole"), (co_host, "hana")):
        social.follow(a, b)
    fields = {"title": "Gated", "media_url": VIDEO, "requires_approval": True}
    party = parties.create(host, {**fields, "visibility": "friends"})
    party_membership.join_by_code(co_host, party.code)
    party_membership.decide(host, party.id, "cole", approve=True)
    party_membership.set_role(host, party.id, "cole", "co-host")
    party_membership.join_by_code(asker, party.code)
    if tie == "blocked":
        social.block(host, "ada")
    else:
        social.unfollow(host, "ada")

    with pytest.raises(Conflict) as caught:
        party_membership.decide(co_host, party.id, "ada", approve=True)
    assert caught.value.code == "not_welcome"
    participant = db.session.scalar(
        select(Participant).where(Participant.party_id == party.id, Participant.user_id == asker.id)
    )
    assert participant.status == "pending"
    party_membership.decide(co_host, party.id, "ada", approve=False)  # still turned away
    db.session.refresh(participant)
    assert participant.status == "refused"
