"""The home page's regions stay true on open pages: a party that ends leaves the parties of
everyone its start was announced to, and the fragment that removes it."""

from __future__ import annotations

import pytest

from realtime import store
from realtime.events import Envelope, user_channel
from realtime.fragments import render_fragment, render_fragments
from services import invites, notifications, parties, party_membership, social

VIDEO = "https://example.com/film.mp4"


@pytest.fixture
def crew(user_factory):
    return {name: user_factory(name) for name in ("ann", "ben", "cat", "dan")}


def ended_on(user_id: int) -> list[dict]:
    return [
        event.data
        for event in store.read_after(0, [user_channel(user_id)])
        if event.name == parties.ENDED
    ]


def test_the_end_reaches_the_followers_told_of_the_start(app, crew):
    ann, ben, cat, dan = crew["ann"], crew["ben"], crew["cat"], crew["dan"]
    for follower in (ann, cat, dan):
        social.follow(follower, "ben")
    social.follow(ben, "cat")  # ben and cat are friends; ann and dan only follow ben
    public = parties.create(ben, {"title": "Open", "media_url": VIDEO})
    party_membership.join_by_code(
        dan, public.code
    )  # in it: hears of the end on the party's channel
    friends = parties.create(ben, {"title": "Friends", "media_url": VIDEO, "visibility": "friends"})
    private = parties.create(ben, {"title": "Secret", "media_url": VIDEO, "visibility": "private"})

    for party in (public, friends, private):
        parties.end(ben, party.id)

    assert ended_on(ann.id) == [{"party_id": public.id}]
    assert ended_on(cat.id) == [{"party_id": public.id}, {"party_id": friends.id}]
    assert ended_on(dan.id) == []  # a participant: not twice
    assert ended_on(ben.id) == []
    ended_on_party = store.read_after(0, [parties.channel(public.id)])
    assert [e.name for e in ended_on_party].count(parties.ENDED) == 1


def test_the_end_reaches_people_invited_who_do_not_follow_the_host(app, crew):
    ann, ben, cat = crew["ann"], crew["ben"], crew["cat"]
    private = parties.create(ben, {"title": "Secret", "media_url": VIDEO, "visibility": "private"})
    invites.invite_to_party(ben, private.id, "ann")  # ann follows nobody

    parties.end(ben, private.id)

    assert ended_on(ann.id) == [{"party_id": private.id}]
    assert ended_on(cat.id) == []  # neither invited nor following: not told


def test_ending_twice_tells_once(app, crew):
    ann, ben = crew["ann"], crew["ben"]
    social.follow(ann, "ben")
    party = parties.create(ben, {"title": "Once", "media_url": VIDEO})
    parties.end(ben, party.id)
    parties.finish(party)
    assert ended_on(ann.id) == [{"party_id": party.id}]


def test_the_home_page_drops_the_ended_party(app, crew):
    ann = crew["ann"]
    envelope = Envelope(user_channel(ann.id), parties.ENDED, {"party_id": 41})
    with app.test_request_context("/events/html"):
        rendered = dict(render_fragments(envelope, frozenset(), ann.id))
    assert rendered["home-party-gone"] == '<li id="home-party-41" hx-swap-oob="delete"></li>'


def test_an_invitation_to_a_party_that_ended_offers_no_way_in(app, crew):
    ann, ben = crew["ann"], crew["ben"]
    social.follow(ann, "ben")
    party = parties.create(ben, {"title": "Soon over", "media_url": VIDEO})
    invites.invite_to_party(ben, party.id, "ann")
    shown = {n.kind: notifications.to_dict(n) for n in notifications.listing(ann.id)}
    assert shown["party_invite"]["subject"]["code"] == party.code
    assert "ended" not in shown["party_started"]["subject"]

    parties.end(ben, party.id)

    shown = {n.kind: notifications.to_dict(n) for n in notifications.listing(ann.id)}
    invite = shown["party_invite"]["subject"]
    assert "code" not in invite
    assert invite["ended"] is True
    assert shown["party_started"]["subject"]["ended"] is True
    with app.test_request_context("/"):
        html = render_fragment("partials/notification_item.html", n=shown["party_invite"])
    assert "It has ended." in html
    assert "/join/" not in html
    assert ">Join<" not in html
