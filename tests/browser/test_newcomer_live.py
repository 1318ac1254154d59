"""What stays true on pages a person keeps open: the home page drops a party that ends, a
banner leaves when it expires and when it is dismissed in another tab, and a party page
whose host deleted their account names the new host."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import live, watch_for_errors
from tests.support.clients import PASSWORD, Account, call_api, create_party, register

pytestmark = [pytest.mark.browser, pytest.mark.server]

_n = itertools.count(1)
JOINED = """() => !["Connecting…", "Joining…", "Reconnecting…"].includes(
  document.getElementById("sync-status").textContent)"""


def log_in(page: Page, base: str, username: str, next_path: str = "/") -> None:
    page.goto(f"{base}/login?next={next_path}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_label(f"Signed in as {username}").wait_for(state="attached")


def phone_signed_in(browser: Browser, base: str, account: Account, next_path: str = "/"):
    """A phone-sized page signed in as `account` on `next_path`, and its script errors."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    errors = watch_for_errors(page)
    log_in(page, base, account.username, next_path)
    return context, page, errors


def test_a_party_that_ends_leaves_an_open_home_page(browser: Browser, shared_server):
    base, n = shared_server.url, next(_n)
    me, host = register(base, f"nw_fan_{n}"), register(base, f"nw_host_{n}")
    call_api(me, "POST", f"/users/{host.username}/follow")
    party = create_party(base, host, title=f"Short film {n}")
    context, page, errors = phone_signed_in(browser, base, me)
    live(page)
    card = page.locator(f"#home-party-{party['id']}")
    expect(card).to_contain_text(f"Short film {n}")

    call_api(host, "POST", f"/parties/{party['id']}/end")
    expect(card).to_have_count(0)
    expect(page.locator("#home-parties .empty")).to_be_visible()
    page.reload()
    expect(page.locator(f"#home-party-{party['id']}")).to_have_count(0)
    context.close()
    assert errors == []


def test_a_banner_leaves_at_expiry_and_when_dismissed_in_another_tab(
    browser: Browser, shared_server
):
    base, n = shared_server.url, next(_n)
    admin, reader = register(base, f"nw_admin_{n}"), register(base, f"nw_reader_{n}")
    shared_server.set_role(admin.username, "admin")
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    first = context.new_page()
    errors = watch_for_errors(first)
    log_in(first, base, reader.username)
    second = context.new_page()
    second.goto(base + "/people")
    for tab in (first, second):
        live(tab)

    soon = (datetime.now(UTC) + timedelta(seconds=4)).isoformat()
    brief = call_api(
        admin, "POST", "/admin/announcements", json={"body": f"Brief {n}", "expires_at": soon}
    ).json()["announcement"]
    lasting = call_api(
        admin, "POST", "/admin/announcements", json={"body": f"Lasting {n}", "hours": 1}
    ).json()["announcement"]
    try:
        for tab in (first, second):
            expect(tab.locator(f"#announcement-{brief['id']}")).to_be_visible()
            expect(tab.locator(f"#announcement-{lasting['id']}")).to_be_visible()
        # It expires: both open pages drop it by themselves, and no later page shows it.
        for tab in (first, second):
            expect(tab.locator(f"#announcement-{brief['id']}")).to_have_count(0, timeout=10_000)
        # Dismissed in one tab: the other drops it live.
        banner = first.locator(f"#announcement-{lasting['id']}")
        banner.get_by_role("button", name="Dismiss the announcement").click()
        expect(banner).to_have_count(0)
        expect(second.locator(f"#announcement-{lasting['id']}")).to_have_count(0)
        second.reload()
        expect(second.locator(f"#announcement-{brief['id']}")).to_have_count(0)
        expect(second.locator(f"#announcement-{lasting['id']}")).to_have_count(0)
    finally:  # other tests share this server: leave no banner behind
        call_api(admin, "DELETE", f"/admin/announcements/{lasting['id']}")
        context.close()
    assert errors == []


def test_a_host_who_deletes_their_account_hands_the_open_party_over(
    browser: Browser, shared_server
):
    base, n = shared_server.url, next(_n)
    host, guest = register(base, f"nw_leaver_{n}"), register(base, f"nw_stayer_{n}")
    party = create_party(base, host, title=f"Handed over {n}")
    call_api(guest, "POST", "/parties/join", json={"code": party["code"]})
    context, page, errors = phone_signed_in(browser, base, guest, f"/parties/{party['id']}")
    page.wait_for_function(JOINED)
    expect(page.locator("#party-host")).to_contain_text(host.username)

    call_api(host, "DELETE", "/me", json={"password": PASSWORD})
    expect(page.locator("#party-host")).to_have_text(guest.username)
    expect(page.locator("#party-page")).to_contain_text("You are the host now")
    expect(page.get_by_role("button", name="End the party")).to_be_visible()
    expect(page.locator("#party-page")).not_to_contain_text(host.username)
    page.reload()
    expect(page.locator("#party-host")).to_have_text(guest.username)
    context.close()
    assert errors == []


def test_an_invitation_to_a_party_that_ended_says_so(browser: Browser, shared_server):
    base, n = shared_server.url, next(_n)
    host, friend = register(base, f"nw_inviter_{n}"), register(base, f"nw_invited_{n}")
    call_api(friend, "POST", f"/users/{host.username}/follow")
    party = create_party(base, host, title=f"Over soon {n}")
    call_api(host, "POST", f"/parties/{party['id']}/invites", json={"username": friend.username})
    context, page, errors = phone_signed_in(browser, base, friend)
    live(page)
    item = page.locator("#home-notifications .notification", has_text="invited you to")
    join = item.get_by_role("button", name=f"Join Over soon {n}")
    expect(join).to_be_visible()

    call_api(host, "POST", f"/parties/{party['id']}/end")
    expect(item).to_contain_text("It has ended.")  # the open page, live
    expect(join).to_have_count(0)
    expect(page.locator(f"#home-party-{party['id']}")).to_have_count(0)
    page.goto(base + "/notifications")
    item = page.locator("#notification-list .notification", has_text="invited you to")
    expect(item).to_contain_text("It has ended.")
    expect(item.get_by_role("button", name=f"Join Over soon {n}")).to_have_count(0)
    context.close()
    assert errors == []
