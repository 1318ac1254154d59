"""The home page of someone who follows nobody: public parties starting soon, and a
follow notification that forgets a deleted follower."""

from __future__ import annotations

from datetime import timedelta

import pytest

from models.clock import iso, utcnow
from services import account_data, parties, social
from tests.conftest import PASSWORD

VIDEO = "https://example.com/film.mp4"


@pytest.fixture
def ben(user_factory):
    return user_factory("ben")


def test_a_strangers_public_party_starting_soon_then_live_then_gone(logged_in_client, ben):
    party = parties.create(
        ben,
        {
            "title": "Ben's premiere",
            "media_url": VIDEO,
            "scheduled_at": iso(utcnow() + timedelta(hours=2)),
        },
    )
    secret = parties.create(
        ben,
        {
            "title": "Ben's secret",
            "media_url": VIDEO,
            "visibility": "private",
            "scheduled_at": iso(utcnow() + timedelta(hours=1)),
        },
    )
    page = logged_in_client.get("/").get_data(as_text=True)
    assert f'id="home-party-{party.id}"' in page
    assert "Ben&#39;s premiere" in page
    assert "starts <time" in page
    assert "Ben&#39;s secret" not in page
    assert f'id="home-party-{secret.id}"' not in page

    parties.start(ben, party.id)
    page = logged_in_client.get("/").get_data(as_text=True)
    assert f'id="home-party-{party.id}"' in page
    assert "starts <time" not in page

    parties.end(ben, party.id)
    page = logged_in_client.get("/").get_data(as_text=True)
    assert f'id="home-party-{party.id}"' not in page


def test_the_home_and_notifications_pages_forget_a_deleted_follower(
    logged_in_client, ben, user_factory
):
    cat = user_factory("cat")
    social.follow(cat, "alice")
    social.follow(ben, "alice")
    page = logged_in_client.get("/").get_data(as_text=True)
    assert "and 1 other followed you" in page
    assert 'sse-swap="notification-changed"' in page  # the region redraws in place

    account_data.delete_account(ben, PASSWORD)
    for path in ("/", "/notifications"):
        page = logged_in_client.get(path).get_data(as_text=True)
        assert "Deleted account" not in page
        assert "other followed you" not in page
        assert 'href="/u/cat">cat</a>' in page
        assert "followed you." in page

    account_data.delete_account(cat, PASSWORD)
    for path in ("/", "/notifications"):
        page = logged_in_client.get(path).get_data(as_text=True)
        assert "followed you" not in page
