"""Public parties on everyone's home page stay true live: their lifecycle is told on the
site channel (in every signed-in stream), and each viewer's home redraws the card from it,
whether or not they follow the host. Other parties are never told there."""

from __future__ import annotations

from datetime import timedelta

import pytest

from extensions import db
from models.clock import iso, utcnow
from realtime import store
from realtime.events import SITE_CHANNEL, Envelope
from realtime.fragments import render_fragments
from services import account_data, home, parties, party_membership, party_shapes, social
from tests.conftest import PASSWORD

VIDEO = "https://example.com/film.mp4"


@pytest.fixture
def crew(user_factory):
    return {name: user_factory(name) for name in ("ann", "ben", "cat")}


def soon(hours: float = 3) -> str:
    return iso(utcnow() + timedelta(hours=hours))


def told_to_everyone(after: int = 0) -> list[tuple[int, str]]:
    return [
        (event.data["party_id"], event.data["status"])
        for event in store.read_after(after, [SITE_CHANNEL])
        if event.name == party_shapes.LISTING
    ]


def home_fragments(app, party_id: int, status: str, viewer_id: int) -> dict[str, str]:
    envelope = Envelope(
        SITE_CHANNEL, party_shapes.LISTING, {"party_id": party_id, "status": status}
    )
    with app.test_request_context("/events/html"):
        rendered = render_fragments(envelope, frozenset(), viewer_id)
    return {name: html for name, html in rendered if name.startswith("home-")}


def test_a_public_partys_lifecycle_is_told_to_everyone(app, crew):
    ben = crew["ben"]
    scheduled = parties.create(
        ben, {"title": "Tonight", "media_url": VIDEO, "scheduled_at": soon()}
    )
    live = parties.create(ben, {"title": "Now", "media_url": VIDEO})
    parties.start(ben, scheduled.id)
    parties.end(ben, scheduled.id)
    parties.finish(scheduled)  # ending twice tells once

    assert told_to_everyone() == [
        (scheduled.id, "upcoming"),
        (live.id, "live"),
        (scheduled.id, "live"),
        (scheduled.id, "ended"),
    ]


def test_private_and_friends_parties_are_never_told_on_the_site_channel(app, crew):
    ben = crew["ben"]
    for visibility in ("private", "friends"):
        party = parties.create(
            ben,
            {"title": "Ours", "media_url": VIDEO, "visibility": visibility, "scheduled_at": soon()},
        )
        parties.start(ben, party.id)
        parties.end(ben, party.id)
    assert told_to_everyone() == []


def test_a_page_that_resumes_gets_what_it_missed(app, crew):
    ben = crew["ben"]
    first = parties.create(ben, {"title": "First", "media_url": VIDEO, "scheduled_at": soon()})
    [seen] = store.read_after(0, [SITE_CHANNEL])
    parties.start(ben, first.id)
    second = parties.create(ben, {"title": "Second", "media_url": VIDEO, "scheduled_at": soon()})
    assert told_to_everyone(seen.id) == [(first.id, "live"), (second.id, "upcoming")]


def test_someone_who_does_not_follow_the_host_sees_the_card_come_go_live_and_go(app, crew):
    ann, ben = crew["ann"], crew["ben"]  # ann follows nobody
    party = parties.create(ben, {"title": "Tonight", "media_url": VIDEO, "scheduled_at": soon()})

    upcoming = home_fragments(app, party.id, "upcoming", ann.id)["home-party"]
    assert f'id="home-party-{party.id}"' in upcoming
    assert "Tonight" in upcoming
    assert "starts <time" in upcoming
    assert [p["id"] for p in home.parties_for(ann)] == [party.id]

    parties.start(ben, party.id)
    live = home_fragments(app, party.id, "live", ann.id)["home-party"]
    assert f'id="home-party-{party.id}"' in live
    assert "starts <time" not in live
    assert "Live" in live
    assert [p["id"] for p in home.parties_for(ann)] == [party.id]  # a reload agrees

    parties.end(ben, party.id)
    gone = home_fragments(app, party.id, "ended", ann.id)
    assert gone == {"home-party-gone": f'<li id="home-party-{party.id}" hx-swap-oob="delete"></li>'}
    assert home.parties_for(ann) == []


def test_a_public_party_far_off_or_live_unannounced_stays_off_a_strangers_home(app, crew):
    ann, ben, cat = crew["ann"], crew["ben"], crew["cat"]
    later = parties.create(
        ben, {"title": "Next week", "media_url": VIDEO, "scheduled_at": soon(24 * 6)}
    )
    now = parties.create(ben, {"title": "Right now", "media_url": VIDEO})
    for party, status in ((later, "upcoming"), (now, "live")):
        assert "home-party" not in home_fragments(app, party.id, status, ann.id)
    # Someone who follows ben sees his party that started unannounced, as before.
    social.follow(cat, "ben")
    assert f'id="home-party-{now.id}"' in home_fragments(app, now.id, "live", cat.id)["home-party"]
    assert [p["id"] for p in home.parties_for(cat)] == [now.id]


def test_a_private_party_never_shows_to_someone_outside_it(app, crew):
    ann, ben = crew["ann"], crew["ben"]
    social.follow(ann, "ben")
    secret = parties.create(
        ben,
        {"title": "Secret", "media_url": VIDEO, "visibility": "private", "scheduled_at": soon()},
    )
    # Even an event naming it (a forged or mistaken one) renders nothing of it.
    for status in ("upcoming", "live"):
        rendered = home_fragments(app, secret.id, status, ann.id)
        assert "home-party" not in rendered
        assert "Secret" not in "".join(rendered.values())
        envelope = Envelope(
            SITE_CHANNEL, party_shapes.LISTING, {"party_id": secret.id, "status": status}
        )
        with app.test_request_context("/events/html"):
            cards = [n for n, _ in render_fragments(envelope, frozenset(), ann.id)]
        assert "party-card" not in cards  # no card on the parties page either
    parties.start(ben, secret.id)
    assert "home-party" not in home_fragments(app, secret.id, "live", ann.id)


def test_a_host_who_deletes_their_account_takes_their_upcoming_party_off_every_home(app, crew):
    ann, ben = crew["ann"], crew["ben"]
    party = parties.create(ben, {"title": "Tonight", "media_url": VIDEO, "scheduled_at": soon()})
    account_data.delete_account(ben, PASSWORD)
    assert told_to_everyone() == [(party.id, "upcoming"), (party.id, "ended")]
    assert home.parties_for(ann) == []


def test_a_new_host_redraws_the_card_on_every_home(app, crew):
    ann, ben, cat = crew["ann"], crew["ben"], crew["cat"]
    party = parties.create(ben, {"title": "Tonight", "media_url": VIDEO, "scheduled_at": soon()})
    parties.start(ben, party.id)
    party_membership.enter(cat, party.id)
    since = store.latest_id()

    party_membership.leave(ben, party.id)  # the host leaves: cat takes over

    assert told_to_everyone(since) == [(party.id, "live")]
    card = home_fragments(app, party.id, "live", ann.id)["home-party"]
    assert "cat" in card


def test_a_far_off_public_party_is_told_to_everyone_once_when_it_comes_within_a_day(app, crew):
    ben = crew["ben"]
    far = parties.create(ben, {"title": "Far", "media_url": VIDEO, "scheduled_at": soon(72)})
    parties.create(ben, {"title": "Near", "media_url": VIDEO, "scheduled_at": soon()})
    parties.create(
        ben,
        {"title": "Secret", "media_url": VIDEO, "visibility": "private", "scheduled_at": soon(72)},
    )
    since = store.latest_id()

    assert party_shapes.tell_starting_soon(utcnow()) == 0  # "Near" was told when made
    two_days_on = utcnow() + timedelta(hours=49)
    assert party_shapes.tell_starting_soon(two_days_on) == 1
    db.session.commit()
    assert party_shapes.tell_starting_soon(two_days_on) == 0  # once, whichever worker sweeps
    db.session.commit()

    assert told_to_everyone(since) == [(far.id, "upcoming")]


def test_the_sweep_puts_a_party_that_now_starts_soon_on_a_strangers_open_home(app, crew):
    ann, ben = crew["ann"], crew["ben"]
    party = parties.create(ben, {"title": "Later", "media_url": VIDEO, "scheduled_at": soon(30)})
    assert "home-party" not in home_fragments(app, party.id, "upcoming", ann.id)
    party.scheduled_at = utcnow() + timedelta(hours=23)  # the hours pass
    db.session.commit()
    since = store.latest_id()

    parties.sweep(60, 60, lambda _party: (), lambda _party, _user: None)

    assert told_to_everyone(since) == [(party.id, "upcoming")]
    card = home_fragments(app, party.id, "upcoming", ann.id)["home-party"]
    assert "Later" in card
    assert [p["id"] for p in home.parties_for(ann)] == [party.id]


@pytest.mark.parametrize("who_blocks", ["host", "viewer"])
def test_a_party_of_someone_blocked_either_way_is_on_no_home(app, crew, who_blocks):
    ann, ben = crew["ann"], crew["ben"]
    upcoming = parties.create(
        ann, {"title": "Gnu gathering", "media_url": VIDEO, "scheduled_at": soon()}
    )
    announced = parties.create(
        ann, {"title": "Gnu marathon", "media_url": VIDEO, "scheduled_at": soon(2)}
    )
    parties.start(ann, announced.id)
    if who_blocks == "host":
        social.block(ann, "ben")
    else:
        social.block(ben, "ann")
    assert {card["id"] for card in home.parties_for(ben)}.isdisjoint({upcoming.id, announced.id})
    assert home.party_on_home(ben, upcoming.id) is None
    assert home.party_on_home(ben, announced.id) is None
    cat_sees = {card["id"] for card in home.parties_for(crew["cat"])}
    assert {upcoming.id, announced.id} <= cat_sees
    assert parties.hosted_by(ben, ann) == []  # nor on the host's profile
    assert {party.id for party in parties.hosted_by(crew["cat"], ann)} == cat_sees
