"""Invitations: who may invite whom to a watch party, the notification it sends (live,
collapsing, muteable, with the code to join by), and whom a group's managers may add."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from errors import Conflict, Forbidden, NotFound, ValidationError
from extensions import db
from models.social import Notification
from services import conversations, invites, notifications, parties, party_membership, social

VIDEO = "https://media.example/film.mp4"


@pytest.fixture
def cast(user_factory):
    return {name: user_factory(name) for name in ("hana", "cole", "vic", "otto", "bram", "ivy")}


def party_of(host, visibility="public", **extra):
    return parties.create(
        host, {"title": "Movie night", "media_url": VIDEO, "visibility": visibility, **extra}
    )


def invitations(user) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification).where(
                Notification.user_id == user.id, Notification.kind == notifications.PARTY_INVITE
            )
        )
    )


def test_a_participant_invites_and_the_notification_carries_the_way_in(cast):
    party = party_of(cast["hana"], "private")
    invited = invites.invite_to_party(cast["hana"], party.id, "@Vic")

    assert invited.id == cast["vic"].id
    [item] = invitations(cast["vic"])
    shown = notifications.to_dict(item)
    assert shown["actor"]["username"] == "hana"
    assert shown["subject"] == {
        "type": "party",
        "id": party.id,
        "text": "Movie night",
        "code": party.code,
    }
    # The code lets them in although the party is private.
    _party, participant = party_membership.join_by_code(cast["vic"], shown["subject"]["code"])
    assert participant.status == "active"


def test_invitations_to_one_party_collapse_into_one_unread(cast):
    party = party_of(cast["hana"])
    party_membership.enter(cast["cole"], party.id)
    invites.invite_to_party(cast["hana"], party.id, "vic")
    invites.invite_to_party(cast["cole"], party.id, "vic")
    [item] = invitations(cast["vic"])
    assert item.count == 2
    assert item.actor_id == cast["cole"].id


def test_a_muted_kind_is_not_sent_and_the_inviter_is_not_told(cast):
    party = party_of(cast["hana"])
    notifications.set_muted_kinds(cast["vic"].id, [notifications.PARTY_INVITE])
    invites.invite_to_party(cast["hana"], party.id, "vic")
    assert invitations(cast["vic"]) == []


def test_only_people_in_the_party_invite(cast):
    private = party_of(cast["hana"], "private")
    public = party_of(cast["hana"])
    with pytest.raises(NotFound):  # a private party does not exist for outsiders
        invites.invite_to_party(cast["otto"], private.id, "vic")
    with pytest.raises(Forbidden):
        invites.invite_to_party(cast["otto"], public.id, "vic")
    parties.end(cast["hana"], public.id)
    with pytest.raises(Forbidden):
        invites.invite_to_party(cast["hana"], public.id, "vic")
    assert invitations(cast["vic"]) == []


def test_who_cannot_be_invited(cast):
    party = party_of(cast["hana"])
    party_membership.enter(cast["cole"], party.id)
    social.block(cast["bram"], "hana")
    social.block(cast["cole"], "ivy")
    with pytest.raises(Conflict):  # already there
        invites.invite_to_party(cast["hana"], party.id, "cole")
    with pytest.raises(Forbidden):  # blocked either way with the inviter
        invites.invite_to_party(cast["hana"], party.id, "bram")
    with pytest.raises(Forbidden):
        invites.invite_to_party(cast["cole"], party.id, "ivy")
    with pytest.raises(ValidationError):
        invites.invite_to_party(cast["hana"], party.id, "hana")
    with pytest.raises(ValidationError):
        invites.invite_to_party(cast["hana"], party.id, {"username": "vic"})
    with pytest.raises(NotFound):
        invites.invite_to_party(cast["hana"], party.id, "nobody_at_all")
    party_membership.remove(cast["hana"], party.id, "cole")
    with pytest.raises(Conflict):  # removed people cannot come back
        invites.invite_to_party(cast["hana"], party.id, "cole")
    total = db.session.scalar(
        select(func.count()).select_from(Notification).where(Notification.kind == "party_invite")
    )
    assert total == 0


def test_a_friends_only_party_invites_only_the_hosts_friends(cast):
    party = party_of(cast["hana"], "friends")
    social.follow(cast["hana"], "vic")
    social.follow(cast["vic"], "hana")
    with pytest.raises(Conflict):
        invites.invite_to_party(cast["hana"], party.id, "otto")
    invites.invite_to_party(cast["hana"], party.id, "vic")
    assert len(invitations(cast["vic"])) == 1


def test_the_search_offers_only_whom_one_may_invite(cast):
    party = party_of(cast["hana"])
    party_membership.enter(cast["cole"], party.id)
    social.block(cast["vic"], "hana")  # vic blocked the host
    social.block(cast["hana"], "otto")  # the host blocked otto
    # "o": cole is there already, otto is blocked; "i": vic blocked the host, ivy may come.
    assert invites.party_candidates(cast["hana"], party.id, "o") == []
    assert [p.username for p in invites.party_candidates(cast["hana"], party.id, "i")] == ["ivy"]
    assert invites.party_candidates(cast["hana"], party.id, "") == []
    with pytest.raises(ValidationError):
        invites.party_candidates(cast["hana"], party.id, "x" * 65)


def test_the_member_search_leaves_out_members_and_blocked_people(cast):
    group = conversations.create_group(cast["hana"], "Crew", ["cole"])
    social.block(cast["ivy"], "hana")
    found = {p.username for p in invites.member_candidates(cast["hana"], group.id, "")}
    assert found == set()
    every = {p.username for p in invites.member_candidates(cast["hana"], group.id, "a")}
    assert every == {"bram"}  # hana: self, cole: member; ivy blocked hana
    with pytest.raises(Forbidden):
        invites.member_candidates(cast["cole"], group.id, "a")
