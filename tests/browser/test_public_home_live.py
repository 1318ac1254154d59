"""Two people keep their home pages open: a public party scheduled by someone neither
follows appears as starting soon on both, goes live and leaves when it ends; and a follow
notification forgets a follower who deleted their account, then goes with the last one."""

from __future__ import annotations

import itertools
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import ARTIFACTS, live, watch_for_errors
from tests.support.clients import PASSWORD, Account, call_api, create_party, register

pytestmark = [pytest.mark.browser, pytest.mark.server]

_n = itertools.count(1)
# Where the screenshots go, for people to look at.
SHOTS = Path(os.environ.get("TANDEM_SHOTS", str(ARTIFACTS / "public-home")))
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login?next=/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_label(f"Signed in as {username}").wait_for(state="attached")


def home_open(browser: Browser, base: str, account: Account, viewport: dict):
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    errors = watch_for_errors(page)
    log_in(page, base, account.username)
    live(page)
    return context, page, errors


def shot(page: Page, name: str, region: str | None = None) -> None:
    """The viewport, scrolled to `region` (a selector) when given."""
    if region:
        page.locator(region).scroll_into_view_if_needed()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def test_a_strangers_public_party_comes_goes_live_and_leaves_open_home_pages(
    browser: Browser, shared_server
):
    base, n = shared_server.url, next(_n)
    host = register(base, f"pl_host_{n}")
    stranger, fan = register(base, f"pl_stranger_{n}"), register(base, f"pl_fan_{n}")
    call_api(fan, "POST", f"/users/{host.username}/follow")  # one follows, one does not
    opened: list[tuple[BrowserContext, Page, list[str]]] = [
        home_open(browser, base, stranger, DESKTOP),
        home_open(browser, base, fan, PHONE),
    ]
    soon = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    secret = create_party(base, host, title=f"Secret {n}", visibility="private", scheduled_at=soon)
    party = create_party(base, host, title=f"Premiere {n}", scheduled_at=soon)
    cards = [page.locator(f"#home-party-{party['id']}") for _, page, _ in opened]
    for card in cards:
        expect(card).to_contain_text(f"Premiere {n}")
        expect(card).to_contain_text("Upcoming")
        expect(card).to_contain_text("starts")
        expect(card.get_by_role("link", name=f"Join Premiere {n}")).to_be_visible()
    shot(opened[0][1], "public-party-soon-1280", "#home-parties")
    shot(opened[1][1], "public-party-soon-390", "#home-parties")

    call_api(host, "POST", f"/parties/{party['id']}/start")
    for card in cards:
        expect(card).to_contain_text("Live")
        expect(card).not_to_contain_text("starts")
    shot(opened[0][1], "public-party-live-1280", "#home-parties")
    shot(opened[1][1], "public-party-live-390", "#home-parties")

    call_api(host, "POST", f"/parties/{party['id']}/end")
    for card in cards:
        expect(card).to_have_count(0)
    for context, page, errors in opened:
        # The private one never showed, live or after a reload.
        expect(page.locator(f"#home-party-{secret['id']}")).to_have_count(0)
        page.reload()
        expect(page.locator(f"#home-party-{party['id']}")).to_have_count(0)
        expect(page.get_by_text(f"Secret {n}")).to_have_count(0)
        context.close()
        assert errors == []
    call_api(host, "POST", f"/parties/{secret['id']}/end")


def test_a_follow_notification_forgets_a_follower_who_deleted_their_account(
    browser: Browser, shared_server
):
    base, n = shared_server.url, next(_n)
    owner = register(base, f"pl_owner_{n}")
    first, second = register(base, f"pl_first_{n}"), register(base, f"pl_second_{n}")
    home = home_open(browser, base, owner, PHONE)
    listing = home_open(browser, base, owner, DESKTOP)
    listing[1].goto(base + "/notifications")
    live(listing[1])
    call_api(first, "POST", f"/users/{owner.username}/follow")
    call_api(second, "POST", f"/users/{owner.username}/follow")
    items = [
        home[1].locator("#home-notifications .notification", has_text="followed you"),
        listing[1].locator("#notification-list .notification", has_text="followed you"),
    ]
    for item in items:
        expect(item).to_contain_text(f"{second.username} and 1 other followed you.")
    expect(home[1].locator("#notification-count")).to_contain_text("1")
    expect(listing[1].locator("#no-notifications")).to_be_hidden()

    call_api(second, "DELETE", "/me", json={"password": PASSWORD})
    for item in items:
        expect(item).to_contain_text(f"{first.username} followed you.")
        expect(item).not_to_contain_text("other")
        expect(item).not_to_contain_text("Deleted account")
    shot(home[1], "follow-forgets-deleted-390", "#home-notifications")
    shot(listing[1], "follow-forgets-deleted-1280")

    call_api(first, "DELETE", "/me", json={"password": PASSWORD})
    for item in items:
        expect(item).to_have_count(0)
    expect(home[1].locator("#notification-count .badge")).to_have_class("badge badge-empty")
    expect(home[1].locator("#home-notifications .empty")).to_be_visible()
    expect(listing[1].locator("#no-notifications")).to_be_visible()
    shot(home[1], "follow-gone-390", "#home-notifications")
    shot(listing[1], "follow-gone-1280")
    for context, page, errors in (home, listing):
        page.reload()
        expect(page.get_by_text("followed you")).to_have_count(0)
        context.close()
        assert errors == []


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_an_open_page_of_an_upcoming_party_turns_live_when_it_starts(
    browser: Browser, shared_server, viewport
):
    """A private party, so nothing on the site channel says it started: the party's own
    state does, and the guest's page is drawn again as live, without "starts" or the
    host's "Start now"."""
    base, n = shared_server.url, next(_n)
    host, guest = register(base, f"up_host_{n}"), register(base, f"up_guest_{n}")
    later = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    party = create_party(base, host, title=f"Later {n}", visibility="private", scheduled_at=later)
    call_api(guest, "POST", "/parties/join", json={"code": party["code"]})
    context, page, errors = home_open(browser, base, guest, viewport)
    page.goto(f"{base}/parties/{party['id']}")
    about = page.locator(".party-about")
    expect(about).to_contain_text("Upcoming")
    expect(about).to_contain_text("starts")
    page.wait_for_function("() => window.TandemParty && window.TandemParty.state()")

    call_api(host, "POST", f"/parties/{party['id']}/start")
    expect(about).to_contain_text("Live")
    expect(about).not_to_contain_text("starts")
    shot(page, f"upcoming-party-started-{viewport['width']}")
    context.close()
    assert errors == []
    call_api(host, "POST", f"/parties/{party['id']}/end")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_parties_page_redraws_a_card_when_its_party_ends(
    browser: Browser, shared_server, viewport
):
    base, n = shared_server.url, next(_n)
    host, viewer = register(base, f"card_host_{n}"), register(base, f"card_viewer_{n}")
    party = create_party(base, host, title=f"Card {n}")
    context, page, errors = home_open(browser, base, viewer, viewport)
    page.goto(f"{base}/parties?tab=live")
    live(page)
    card = page.locator(f"#party-card-{party['id']}")
    expect(card).to_contain_text("Live")
    expect(card.get_by_role("link", name=f"Join Card {n}")).to_be_visible()

    call_api(host, "POST", f"/parties/{party['id']}/end")
    expect(card).to_contain_text("Ended")
    expect(card.get_by_role("link", name=f"View Card {n}")).to_be_visible()
    shot(page, f"party-card-ended-{viewport['width']}")
    context.close()
    assert errors == []
