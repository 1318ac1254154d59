"""One's own home, live: a friend's party appears as it starts and an unread count rises
as messages arrive; and a public room read before joining it."""

from __future__ import annotations

import itertools

import pytest
import requests
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import live, screenshot, watch_for_errors
from tests.support.clients import PASSWORD, Account, create_party, register

pytestmark = [pytest.mark.browser, pytest.mark.server]

SIZES = pytest.mark.parametrize("size", [(1280, 800), (390, 844)], ids=["laptop", "phone"])
_n = itertools.count(1)


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_label(f"Signed in as {username}").wait_for(state="attached")


def api(account: Account, method: str, path: str, **kwargs) -> dict:
    response = requests.request(
        method, account.base + "/api/v1" + path, headers=account.headers, timeout=10, **kwargs
    )
    assert response.status_code < 400, response.text
    return response.json() if response.content else {}


@SIZES
def test_home_shows_a_friends_party_and_unread_messages_live(browser: Browser, shared_server, size):
    base = shared_server.url
    width, height = size
    n = next(_n)
    me, friend = register(base, f"hm_me_{n}"), register(base, f"hm_friend_{n}")
    api(me, "POST", f"/users/{friend.username}/follow")
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    errors = watch_for_errors(page)
    page.goto(base + "/")  # signed out: the site in three lines
    expect(page.locator(".about-lines > li")).to_have_count(3)
    screenshot(page, f"home-signed-out-{width}")
    log_in(page, base, me.username)
    page.goto(base + "/")
    live(page)
    expect(page.get_by_role("main")).not_to_contain_text("Welcome back")
    parties = page.locator("#home-parties")
    expect(parties).to_contain_text("No party of people you follow is on")

    party = create_party(base, friend, title=f"Film night {n}")
    row = parties.locator(f"#home-party-{party['id']}")
    expect(row).to_contain_text(f"Film night {n}")
    expect(row).to_contain_text(friend.username)
    expect(parties.locator(".empty")).to_be_hidden()

    dm = api(friend, "POST", "/conversations", json={"kind": "direct", "username": me.username})
    dm_id = dm["conversation"]["id"]
    unread = page.locator(f"#home-unread-{dm_id}")
    api(friend, "POST", f"/conversations/{dm_id}/messages", json={"body": "are you in?"})
    expect(unread.locator(".badge")).to_have_text("1 unread")
    api(friend, "POST", f"/conversations/{dm_id}/messages", json={"body": "starting now"})
    expect(unread.locator(".badge")).to_have_text("2 unread")
    expect(unread).to_contain_text("starting now")
    expect(page.locator("#home-notifications")).to_contain_text("A watch party has started")
    screenshot(page, f"home-live-{width}")

    # Read elsewhere (the conversation page): the row leaves the home's unread list.
    other = context.new_page()
    other.goto(f"{base}/conversations/{dm_id}")
    expect(other.get_by_role("log")).to_contain_text("starting now")
    expect(unread).to_have_count(0)
    other.close()
    assert errors == []
    context.close()


@SIZES
def test_a_public_room_is_read_before_joining(browser: Browser, shared_server, size):
    base = shared_server.url
    width, height = size
    n = next(_n)
    owner, reader = register(base, f"hm_owner_{n}"), register(base, f"hm_reader_{n}")
    room = api(
        owner,
        "POST",
        "/conversations",
        json={"kind": "room", "name": f"Soup club {n}", "visibility": "public"},
    )["conversation"]["id"]
    for body in ("leek and potato tonight", "bring bread"):
        api(owner, "POST", f"/conversations/{room}/messages", json={"body": body})
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    errors = watch_for_errors(page)
    log_in(page, base, reader.username)
    page.goto(f"{base}/conversations/{room}")
    main = page.get_by_role("main")
    expect(main).to_contain_text("leek and potato tonight")
    expect(main).to_contain_text("bring bread")
    expect(page.get_by_role("textbox", name="Message")).to_have_count(0)
    screenshot(page, f"room-preview-{width}")

    page.get_by_role("button", name=f"Join Soup club {n}").click()
    expect(page).to_have_url(f"{base}/conversations/{room}")
    compose = page.get_by_role("textbox", name="Message")
    expect(compose).to_be_visible()
    live(page)
    compose.fill("count me in")
    compose.press("Enter")
    expect(page.get_by_role("log")).to_contain_text("count me in")
    assert errors == []
    # Last: a screenshot with the message box focused injects a caret-hiding style,
    # which the Content-Security-Policy refuses (and the browser logs).
    screenshot(page, f"room-joined-{width}")
    context.close()
