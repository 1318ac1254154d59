"""A playlist built by two people at once: its owner drags videos into place while a
collaborator moves them with the buttons (from the keyboard, the focus staying on the
moved video). Each page follows the other's moves live, a move from an order that has
changed since is refused and the page shows the order as it is now, and in the end both
pages show the server's order, every video exactly once; on a laptop and on a phone."""

from __future__ import annotations

import itertools

import pytest
import requests
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import live, screenshot, watch_for_errors
from tests.browser.test_announce_invite_flow import log_in
from tests.support.clients import Account, register

pytestmark = [pytest.mark.browser, pytest.mark.server]

_n = itertools.count(1)
SIZES = [(1280, 800), (390, 844)]
SIZE_IDS = ["laptop", "phone"]
TITLES = [f"Video {n}" for n in range(1, 6)]


def make_playlist(base: str, owner: Account, helper: Account) -> int:
    made = requests.post(
        base + "/api/v1/playlists",
        json={"title": "Built together", "visibility": "private"},
        headers=owner.headers,
        timeout=10,
    )
    assert made.status_code == 201, made.text
    playlist_id = made.json()["playlist"]["id"]
    for title in TITLES:
        added = requests.post(
            f"{base}/api/v1/playlists/{playlist_id}/items",
            json={"video_url": f"https://media.example/{title[-1]}.mp4", "title": title},
            headers=owner.headers,
            timeout=10,
        )
        assert added.status_code == 201, added.text
    invited = requests.post(
        f"{base}/api/v1/playlists/{playlist_id}/collaborators/{helper.username}",
        headers=owner.headers,
        timeout=10,
    )
    assert invited.status_code == 200, invited.text
    return playlist_id


def server_state(base: str, owner: Account, playlist_id: int) -> tuple[int, list[str]]:
    shown = requests.get(
        f"{base}/api/v1/playlists/{playlist_id}", headers=owner.headers, timeout=10
    ).json()["playlist"]
    return shown["version"], [item["title"] for item in shown["items"]]


def item(page: Page, title: str):
    return page.locator(".playlist-item", has=page.locator(".playlist-item-title", has_text=title))


def drag(page: Page, title: str, onto: str) -> None:
    """Drag a video by its title onto another's place, as a pointer does, with the list
    on screen (a drag that scrolls the page is lost)."""
    page.evaluate("document.getElementById('playlist-items').scrollIntoView({block: 'start'})")
    target = page.locator(".playlist-item-title", has_text=onto)
    page.locator(".playlist-item-title", has_text=title).drag_to(target)


def shown_titles(page: Page):
    return page.locator("#playlist-items .playlist-item-title")


def settle(pages: list[Page], base: str, owner: Account, playlist_id: int) -> list[str]:
    """Wait until every page shows the server's latest version, the server's version
    staying put meanwhile (moves still on their way change it); its order."""
    for _ in range(20):
        version, titles = server_state(base, owner, playlist_id)
        try:
            for page in pages:
                expect(page.locator("#playlist-items")).to_have_attribute(
                    "data-version", str(version), timeout=5_000
                )
        except AssertionError:
            continue  # a move still on its way landed after the read: read again
        if server_state(base, owner, playlist_id)[0] == version:
            return titles
    raise AssertionError("the playlist never stopped changing")


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_owner_drags_while_collaborator_moves_with_buttons(browser: Browser, shared_server, size):
    base = shared_server.url
    n = next(_n)
    owner = register(base, f"plpgown{n}_{size[0]}")
    helper = register(base, f"plpghelp{n}_{size[0]}")
    playlist_id = make_playlist(base, owner, helper)
    viewport = {"width": size[0], "height": size[1]}
    contexts = [browser.new_context(viewport=viewport) for _ in range(2)]
    mine, theirs = (context.new_page() for context in contexts)
    errors_mine, errors_theirs = watch_for_errors(mine), watch_for_errors(theirs)
    try:
        for page, person in ((mine, owner), (theirs, helper)):
            log_in(page, base, person.username)
            page.goto(f"{base}/playlists/{playlist_id}")
            live(page)
            expect(page.locator("#playlist-hint")).to_contain_text("drag them into place")
            expect(shown_titles(page)).to_have_text(TITLES)

        # The collaborator, from the keyboard: the focus stays on the moved video.
        item(theirs, "Video 1").get_by_role("button", name="Move down").focus()
        theirs.keyboard.press("Enter")
        order = ["Video 2", "Video 1", "Video 3", "Video 4", "Video 5"]
        expect(shown_titles(theirs)).to_have_text(order)
        expect(item(theirs, "Video 1").get_by_role("button", name="Move down")).to_be_focused()
        expect(theirs.locator("#playlist-status")).to_contain_text("Moved “Video 1” to place 2")
        expect(shown_titles(mine)).to_have_text(order)  # live, on the owner's page

        # The owner drags the last video to the top.
        drag(mine, "Video 5", "Video 2")
        order = ["Video 5", "Video 2", "Video 1", "Video 3", "Video 4"]
        expect(shown_titles(mine)).to_have_text(order)
        expect(shown_titles(theirs)).to_have_text(order)

        # Both at once: drags on one page, button presses on the other, none waiting.
        for _ in range(3):
            drag(mine, "Video 4", "Video 5")
            item(theirs, "Video 1").locator(".move-form button").first.click(no_wait_after=True)
            drag(mine, "Video 2", "Video 3")
            item(theirs, "Video 3").locator(".move-form button").last.click(no_wait_after=True)
        final = settle([mine, theirs], base, owner, playlist_id)
        assert sorted(final) == TITLES
        for page in (mine, theirs):
            expect(shown_titles(page)).to_have_text(final)
        screenshot(mine, f"playlist-owner-{SIZE_IDS[SIZES.index(size)]}")
        screenshot(theirs, f"playlist-helper-{SIZE_IDS[SIZES.index(size)]}")

        # A move from an order that changed meanwhile: the current order, said in words.
        theirs.evaluate(
            "document.getElementById('playlist-items').setAttribute('data-version', '0')"
        )
        theirs.locator("#playlist-items .move-form button").first.click()
        expect(theirs.locator("#playlist-status")).to_contain_text(
            "The list changed while you were moving; here is the current order."
        )
        expect(shown_titles(theirs)).to_have_text(final)
        # The owner's list of playlists names it, with its count and who may see it.
        mine.goto(f"{base}/playlists")
        expect(mine.locator(".playlist-card")).to_contain_text("5 videos · Private · yours")
        screenshot(mine, f"playlists-mine-{SIZE_IDS[SIZES.index(size)]}")
        assert errors_mine == []
        assert errors_theirs == []
    finally:
        for context in contexts:
            context.close()


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_a_collaborators_party_of_a_private_playlist_is_private(
    browser: Browser, shared_server, size
):
    """ "Start a watch party" on a private playlist opens a private party: its page says
    so, names the first video as playing, and nobody else finds it among the live
    parties."""
    base = shared_server.url
    owner, helper, stranger = (register(base) for _ in range(3))
    playlist_id = make_playlist(base, owner, helper)
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    errors = watch_for_errors(page)
    log_in(page, base, helper.username)
    page.goto(f"{base}/playlists/{playlist_id}")
    page.get_by_role("button", name="Start a watch party").click()
    page.wait_for_url(f"{base}/parties/**")
    expect(page.get_by_role("main")).to_contain_text("Private")
    # What plays first is named by its own title, not the party's.
    expect(page.locator("#now-playing")).to_have_text(TITLES[0])
    screenshot(page, f"private-playlist-party-{size[0]}")
    live_parties = requests.get(
        base + "/api/v1/parties", params={"status": "live"}, headers=stranger.headers, timeout=10
    ).json()["parties"]
    assert "Built together" not in [party["title"] for party in live_parties]
    assert errors == []
    context.close()
