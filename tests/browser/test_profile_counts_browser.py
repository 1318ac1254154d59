"""An open profile in a real Chromium keeps its counts and buttons true: someone else
follows, the person follows the viewer back, the viewer follows from a second tab, and a
block ends a follow; when the person blocks the viewer, his presence goes from the page.
So does its presence as it changes between the page's drawing and its stream's opening.
On a desktop and on a phone."""

from __future__ import annotations

import itertools

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import screenshot, sign_up, watch_for_errors
from tests.support.clients import SSEReader, call_api, register

pytestmark = [pytest.mark.browser, pytest.mark.server]

_n = itertools.count(1)
SCREENS = [
    pytest.param({"width": 1280, "height": 800}, id="desktop"),
    pytest.param({"width": 390, "height": 844}, id="phone"),
]


@pytest.mark.parametrize("screen", SCREENS)
def test_an_open_profile_keeps_its_counts_true(browser: Browser, shared_server, screen):
    base, n = shared_server.url, next(_n)
    context = browser.new_context(viewport=screen)
    here, second_tab = context.new_page(), context.new_page()
    errors = [watch_for_errors(page) for page in (here, second_tab)]
    viewer = f"countwatcher_{n}"
    sign_up(here, base, viewer)
    bob, cat = register(base), register(base)
    for page in (here, second_tab):
        page.goto(f"{base}/u/{bob.username}")
        expect(page.locator("html")).to_have_attribute("data-stream", "open")
    relation = here.locator(f"#relation-{bob.id}")
    expect(relation).to_contain_text("0 followers")

    call_api(cat, "POST", f"/users/{bob.username}/follow")
    expect(relation).to_contain_text("1 follower")
    call_api(bob, "POST", f"/users/{viewer}/follow")
    expect(relation).to_contain_text("Follows you")

    second_tab.get_by_role("button", name=f"Follow {bob.username}").click()
    expect(relation).to_contain_text("2 followers")
    expect(here.get_by_role("button", name=f"Unfollow {bob.username}")).to_be_visible()
    screenshot(here, f"profile-counts-{screen['width']}")

    call_api(bob, "POST", f"/users/{cat.username}/block")
    expect(relation).to_contain_text("1 follower")
    here.get_by_role("button", name=f"Unfollow {bob.username}").focus()
    here.keyboard.press("Enter")  # the buttons work after a live redraw, by keyboard too
    expect(relation).to_contain_text("0 followers")
    expect(second_tab.get_by_role("button", name=f"Follow {bob.username}")).to_be_visible()

    slot = here.locator(f"[sse-swap='presence-{bob.id}']")
    expect(slot).to_contain_text("Offline")
    call_api(bob, "POST", f"/users/{viewer}/block")  # his presence is no longer shown
    expect(slot.locator(".presence")).to_have_count(0)
    # Nor does the page offer to follow or write to someone who blocked the viewer.
    expect(relation.get_by_role("button", name=f"Follow {bob.username}")).to_have_count(0)
    expect(relation.get_by_role("button", name=f"Message {bob.username}")).to_have_count(0)
    expect(relation.get_by_role("button", name=f"Block {bob.username}")).to_be_visible()
    screenshot(here, f"profile-counts-blocked-{screen['width']}")
    assert errors == [[], []]
    context.close()


@pytest.mark.parametrize("screen", SCREENS)
def test_presence_that_changed_before_the_stream_opened_is_shown_as_it_is(
    browser: Browser, shared_server, screen
):
    """The page is drawn, then its stream is held back while the person comes online
    (or blocks the viewer): once it opens, the slot shows that, not what was drawn."""
    base, n = shared_server.url, next(_n)
    context = browser.new_context(viewport=screen)
    page = context.new_page()
    errors = watch_for_errors(page)
    viewer = f"gapwatcher_{n}"
    sign_up(page, base, viewer)
    bob = register(base)
    held_back: list[SSEReader] = []

    def comes_online_first(route):
        held_back.append(SSEReader(base + "/api/v1/events/stream", bob.headers))
        call_api(bob, "POST", "/me/presence", json={"status": "busy", "text": "on set"})
        route.continue_()

    page.route("**/events/html?*", comes_online_first)
    page.goto(f"{base}/u/{bob.username}")
    slot = page.locator(f"[sse-swap='presence-{bob.id}']")
    expect(slot).to_contain_text("Busy")
    expect(slot).to_contain_text("on set")
    page.unroute("**/events/html?*")

    def blocks_first(route):
        call_api(bob, "POST", f"/users/{viewer}/block")
        route.continue_()

    page.route("**/events/html?*", blocks_first)
    page.goto(f"{base}/u/{bob.username}")
    expect(page.locator("html")).to_have_attribute("data-stream", "open")
    expect(slot.locator(".presence")).to_have_count(0)
    relation = page.locator(f"#relation-{bob.id}")
    expect(relation.get_by_role("button", name=f"Follow {bob.username}")).to_have_count(0)
    expect(relation.get_by_role("button", name=f"Block {bob.username}")).to_be_visible()
    screenshot(page, f"profile-presence-gap-{screen['width']}")
    held_back[0].close()
    assert errors == []
    context.close()
