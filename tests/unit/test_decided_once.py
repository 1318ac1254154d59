"""Races decided once: a join request approved and refused at the same moment, and a member
whose role changes as they are removed, in watch parties and in conversations. Exactly
one side takes effect; the other is told 409 or 404, never a 500; and nobody is left
subscribed to a channel they may no longer read."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from errors import Conflict, NotFound
from extensions import db
from models.conversation import Membership
from models.party import Participant
from models.user import User
from realtime.bus import bus
from services import (
    conversation_access,
    conversation_members,
    conversations,
    parties,
    party_membership,
    party_shapes,
)
from tests.support.concurrency import race

ROUNDS = 20
VIDEO = "https://media.example/film.mp4"


class Subscriptions:
    """Who the services subscribed to which channel, in the order they asked."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.lock = threading.Lock()
        self.current: dict[tuple[int, str], bool] = {}
        monkeypatch.setattr(bus, "subscribe_user", self._set(True))
        monkeypatch.setattr(bus, "unsubscribe_user", self._set(False))

    def _set(self, subscribed: bool) -> Callable[[int, str], None]:
        def record(user_id: int, channel: str) -> None:
            with self.lock:
                self.current[(user_id, channel)] = subscribed

        return record

    def holds(self, user_id: int, channel: str) -> bool:
        return self.current.get((user_id, channel), False)


def outcome(call: Callable[[], object]) -> Callable[[], str]:
    """`call` as a racer that reports what a client would have been answered."""

    def run() -> str:
        try:
            call()
        except (Conflict, NotFound) as error:
            return str(error.status)
        return "ok"

    return run


def as_user(user_id: int) -> User:
    return db.session.get(User, user_id)


@pytest.fixture
def subscriptions(monkeypatch):
    return Subscriptions(monkeypatch)


# -- a party's join requests --------------------------------------------------------------
@pytest.fixture
def gated(user_factory):
    host, co_host = user_factory("hana"), user_factory("cole")
    party = parties.create(host, {"title": "Gated", "media_url": VIDEO, "requires_approval": True})
    party_membership.join_by_code(co_host, party.code)
    party_membership.decide(host, party.id, "cole", approve=True)
    party_membership.set_role(host, party.id, "cole", "co-host")
    return {"party_id": party.id, "code": party.code, "host": host.id, "co_host": co_host.id}


def test_a_request_approved_and_refused_at_once_is_decided_once(
    app, user_factory, gated, subscriptions
):
    party_id, channel = gated["party_id"], party_shapes.channel(gated["party_id"])

    def decide(by: int, name: str, approve: bool) -> Callable[[], str]:
        return outcome(lambda: party_membership.decide(as_user(by), party_id, name, approve))

    for n in range(ROUNDS):
        asker = user_factory(f"asker{n}")
        asker_id = asker.id
        party_membership.join_by_code(asker, gated["code"])

        approved, refused = race(
            app,
            decide(gated["host"], f"asker{n}", True),
            decide(gated["co_host"], f"asker{n}", False),
        )

        assert sorted([approved, refused]) in (["404", "ok"], ["409", "ok"]), (approved, refused)
        assert _status(party_id, asker_id) == ("active" if approved == "ok" else "refused")
        assert subscriptions.holds(asker_id, channel) is (approved == "ok")


def _status(party_id: int, user_id: int) -> str:
    db.session.expire_all()
    return db.session.scalar(
        db.select(Participant.status).where(
            Participant.party_id == party_id, Participant.user_id == user_id
        )
    )


def test_refusing_after_approving_is_refused(app, user_factory, gated, subscriptions):
    asker = user_factory("late")
    party_membership.join_by_code(asker, gated["code"])
    party_membership.decide(as_user(gated["host"]), gated["party_id"], "late", approve=True)
    with pytest.raises((Conflict, NotFound)):
        party_membership.decide(as_user(gated["co_host"]), gated["party_id"], "late", approve=False)
    assert subscriptions.holds(asker.id, party_shapes.channel(gated["party_id"]))
    assert _status(gated["party_id"], asker.id) == "active"


# -- a party's roles and removals ---------------------------------------------------------
def test_a_party_role_change_racing_a_removal_never_fails_or_leaves_them_in(
    app, user_factory, subscriptions
):
    host_id = user_factory("hana").id
    party_id = parties.create(as_user(host_id), {"title": "Night", "media_url": VIDEO}).id
    channels = (party_shapes.channel(party_id), party_shapes.drivers_channel(party_id))

    def promote(name: str) -> Callable[[], str]:
        return outcome(
            lambda: party_membership.set_role(as_user(host_id), party_id, name, "co-host")
        )

    def remove(name: str) -> Callable[[], str]:
        return outcome(lambda: party_membership.remove(as_user(host_id), party_id, name))

    for n in range(ROUNDS):
        viewer = user_factory(f"viewer{n}")
        viewer_id = viewer.id
        party_membership.enter(viewer, party_id)

        promoted, removed = race(app, promote(f"viewer{n}"), remove(f"viewer{n}"))

        # The removal always stands; the promotion came before it, or is a 404.
        assert removed == "ok"
        assert promoted in ("ok", "404")
        assert _status(party_id, viewer_id) == "removed"
        for channel in channels:
            assert not subscriptions.holds(viewer_id, channel), (promoted, channel)


def test_a_role_change_after_a_removal_is_404(app, user_factory, subscriptions):
    host, viewer = user_factory("hana"), user_factory("vic")
    party_id = parties.create(host, {"title": "Night", "media_url": VIDEO}).id
    party_membership.enter(viewer, party_id)
    party_membership.remove(host, party_id, "vic")
    with pytest.raises(NotFound):
        party_membership.set_role(host, party_id, "vic", "co-host")
    with pytest.raises(NotFound):
        party_membership.remove(host, party_id, "vic")
    assert not subscriptions.holds(viewer.id, party_shapes.drivers_channel(party_id))


# -- a conversation's members -------------------------------------------------------------
def _set_admin(owner: User, conversation_id: int, name: str) -> object:
    return conversation_members.set_role(owner, conversation_id, name, "admin")


def _mute(owner: User, conversation_id: int, name: str) -> object:
    return conversation_members.mute(owner, conversation_id, name, 5)


@pytest.mark.parametrize("change", [_set_admin, _mute], ids=["role", "mute"])
def test_a_member_changed_and_removed_at_once_is_404_never_500(
    app, user_factory, subscriptions, change
):
    owner_id = user_factory("olga").id
    members = [(user.id, user.username) for user in (user_factory() for _ in range(ROUNDS))]
    conversation_id = conversations.create_group(
        as_user(owner_id), "Crew", [name for _id, name in members]
    ).id
    channel = conversation_access.channel(conversation_id)

    def changing(name: str) -> Callable[[], str]:
        return outcome(lambda: change(as_user(owner_id), conversation_id, name))

    def removing(name: str) -> Callable[[], str]:
        return outcome(
            lambda: conversation_members.remove_member(as_user(owner_id), conversation_id, name)
        )

    for member_id, name in members:
        changed, removed = race(app, changing(name), removing(name))

        assert removed == "ok"
        assert changed in ("ok", "404")
        assert _membership(conversation_id, member_id) is None
        assert not subscriptions.holds(member_id, channel)


def _membership(conversation_id: int, user_id: int) -> Membership | None:
    db.session.expire_all()
    return db.session.scalar(
        db.select(Membership).where(
            Membership.conversation_id == conversation_id, Membership.user_id == user_id
        )
    )


def test_changing_or_removing_a_member_who_was_removed_is_404(app, user_factory):
    owner = user_factory("olga")
    user_factory("mia")
    conversation_id = conversations.create_group(owner, "Crew", ["mia"]).id
    conversation_members.remove_member(owner, conversation_id, "mia")
    with pytest.raises(NotFound):
        conversation_members.set_role(owner, conversation_id, "mia", "admin")
    with pytest.raises(NotFound):
        conversation_members.mute(owner, conversation_id, "mia", 5)
    with pytest.raises(NotFound):
        conversation_members.remove_member(owner, conversation_id, "mia")
