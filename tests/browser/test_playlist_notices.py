"""Playlist notifications as people read them: an invitation to build a playlist reaches
the invited person's open notifications page live, and the owner reads who added videos
to their playlist, on a laptop and on a phone."""

from __future__ import annotations

import itertools

import pytest
import requests
from playwright.sync_api import Browser, expect

from tests.browser.conftest import live, screenshot, watch_for_errors
from tests.browser.test_announce_invite_flow import log_in
from tests.support.clients import register

pytestmark = [pytest.mark.browser, pytest.mark.server]

_n = itertools.count(1)
SIZES = [(1280, 800), (390, 844)]
SIZE_IDS = ["laptop", "phone"]


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_playlist_notices_read_in_words(browser: Browser, shared_server, size):
    n = next(_n)
    owner = register(shared_server.url, f"plown{n}_{size[0]}")
    helper = register(shared_server.url, f"plhelp{n}_{size[0]}")
    made = requests.post(
        shared_server.url + "/api/v1/playlists",
        json={"title": "Rainy day films"},
        headers=owner.headers,
        timeout=10,
    )
    assert made.status_code == 201, made.text
    playlist_id = made.json()["playlist"]["id"]

    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    errors = watch_for_errors(page)
    try:
        log_in(page, shared_server.url, helper.username)
        page.goto(shared_server.url + "/notifications")
        live(page)
        invited = requests.post(
            f"{shared_server.url}/api/v1/playlists/{playlist_id}/collaborators/{helper.username}",
            headers=owner.headers,
            timeout=10,
        )
        assert invited.status_code == 200, invited.text
        expect(page.locator(".notification", has_text="invited you to build")).to_contain_text(
            "“Rainy day films”"
        )
        screenshot(page, f"playlist-invite-{SIZE_IDS[SIZES.index(size)]}")

        for url in ("https://media.example/a.mp4", "https://media.example/b.mp4"):
            added = requests.post(
                f"{shared_server.url}/api/v1/playlists/{playlist_id}/items",
                json={"video_url": url},
                headers=helper.headers,
                timeout=10,
            )
            assert added.status_code == 201, added.text
        context.clear_cookies()
        log_in(page, shared_server.url, owner.username)
        page.goto(shared_server.url + "/notifications")
        expect(page.locator(".notification").first).to_contain_text(
            "added 2 videos to your playlist “Rainy day films”"
        )
        screenshot(page, f"playlist-added-{SIZE_IDS[SIZES.index(size)]}")
        assert errors == []
    finally:
        context.close()
