"""An open profile in a real Chromium keeps its counts and buttons true: someone else
follows, the person follows the viewer back, the viewer follows from a second tab, and a
block ends a follow; when the person blocks the viewer, his presence and his playlists go
from the page.
So does its presence as it changes between the page's drawing and its stream's opening.
On a desktop and on a phone."""

from __future__ import annotations

import itertools

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import screenshot, sign_up, watch_for_errors
from tests.support.clients import SSEReader, call_api, register

pytestmark = [pytest.mark.browser, pytest.mark.server]

_n = itertools.count(1)
SCREENS = [
    pytest.param({"width": 1280, "height": 800}, id="desktop"),
    pytest.param({"width": 390, "height": 844}, id="phone"),
]


def signed_up_viewer(
    browser: Browser, base: str, screen: dict, prefix: str
) -> tuple[Page, list[str], str]:
    """A new person signed up in a browser of their own: their page, its errors, their name."""
    page = browser.new_context(viewport=screen).new_page()
    errors = watch_for_errors(page)
    viewer = f"{prefix}_{next(_n)}"
    sign_up(page, base, viewer)
    return page, errors, viewer


@pytest.mark.parametrize("screen", SCREENS)
def test_an_open_profile_keeps_its_counts_true(browser: Browser, shared_server, screen):
    base, n = shared_server.url, next(_n)
    context = browser.new_context(viewport=screen)
    here, second_tab = context.new_page(), context.new_page()
    errors = [watch_for_errors(page) for page in (here, second_tab)]
    viewer = f"countwatcher_{n}"
    sign_up(here, base, viewer)
    bob, cat = register(base), register(base)
    call_api(bob, "POST", "/playlists", json={"title": "Bob's picks", "visibility": "public"})
    for page in (here, second_tab):
        page.goto(f"{base}/u/{bob.username}")
        expect(page.locator("html")).to_have_attribute("data-stream", "open")
    relation = here.locator(f"#relation-{bob.id}")
    expect(relation).to_contain_text("0 followers")
    expect(here.get_by_role("link", name="Bob's picks")).to_be_visible()

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
    expect(here.locator("main")).not_to_contain_text("Bob's picks")  # nor his lists
    screenshot(here, f"profile-counts-blocked-{screen['width']}")
    assert errors == [[], []]
    context.close()


@pytest.mark.parametrize("screen", SCREENS)
def test_presence_that_changed_before_the_stream_opened_is_shown_as_it_is(
    browser: Browser, shared_server, screen
):
    """The page is drawn, then its stream is held back while the person comes online
    (or blocks the viewer): once it opens, the slot shows that, not what was drawn."""
    base = shared_server.url
    page, errors, viewer = signed_up_viewer(browser, base, screen, "gapwatcher")
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
    page.context.close()


# Presses the Follow button of the relation block in the same turn of the page's event
# loop that redraws it live, before anything else can run: as fast as a person ever could.
PRESS_AS_REDRAWN = """(relationId) => {
  window.notReloaded = true;
  document.body.addEventListener("htmx:oobAfterSwap", (event) => {
    if (event.detail.target.id !== relationId) return;
    queueMicrotask(() => {
      const button = document.querySelector(`#${relationId} form button`);
      if (button && button.textContent.trim().startsWith("Follow")) button.click();
    });
  }, { once: true });
}"""


@pytest.mark.parametrize("screen", SCREENS)
def test_a_button_redrawn_live_works_at_once(browser: Browser, shared_server, screen):
    """A press right as the live stream redraws the buttons is the page's own (htmx posts
    it and redraws the block), not a plain form post that loads the page again."""
    base = shared_server.url
    page, errors, _viewer = signed_up_viewer(browser, base, screen, "quickpress")
    bob, cat = register(base), register(base)
    page.goto(f"{base}/u/{bob.username}")
    expect(page.locator("html")).to_have_attribute("data-stream", "open")
    page.evaluate(PRESS_AS_REDRAWN, f"relation-{bob.id}")

    call_api(cat, "POST", f"/users/{bob.username}/follow")  # redraws the block live

    relation = page.locator(f"#relation-{bob.id}")
    expect(relation).to_contain_text("2 followers")
    expect(relation.get_by_role("button", name=f"Unfollow {bob.username}")).to_be_visible()
    assert page.evaluate("window.notReloaded === true")
    assert errors == []
    page.context.close()
