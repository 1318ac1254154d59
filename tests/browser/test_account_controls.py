"""My account in a real Chromium: a person ends another browser's sign-in from the list
on the settings page and that browser's open page goes to /signed-out; a person deletes
their account and a friend's chat shows their message as "Deleted account", and the
friend's open profile of them says the account was deleted."""

from __future__ import annotations

import itertools
import re
import time

import pytest
import requests
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import live, screenshot, sign_up, watch_for_errors

pytestmark = [pytest.mark.browser, pytest.mark.server]

PASSWORD = "a long password"
SIZES = [(1280, 800), (390, 844)]
_n = itertools.count(1)


def new_name(kind: str) -> str:
    return f"acct_{kind}{next(_n)}_{int(time.time() * 1000) % 100000}"


def tab(browser: Browser, size: tuple[int, int]) -> Page:
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    page.set_default_timeout(10_000)
    return page


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_label(f"Signed in as {username}").wait_for(state="attached")


def api(base: str, token: str, method: str, path: str, body: dict | None = None) -> dict:
    response = requests.request(
        method,
        base + "/api/v1" + path,
        json=body,
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert response.status_code in (200, 201, 204), response.text
    return response.json() if response.content else {}


def token_of(base: str, username: str) -> str:
    response = requests.post(
        base + "/api/v1/auth/token", json={"username": username, "password": PASSWORD}, timeout=10
    )
    assert response.status_code == 200, response.text
    return response.json()["token"]


@pytest.mark.parametrize("size", SIZES)
def test_ending_the_other_browser_from_the_list_signs_it_out(browser: Browser, shared_server, size):
    base = shared_server.url
    name = new_name("r")
    here = tab(browser, size)
    errors = watch_for_errors(here)
    sign_up(here, base, name)
    there = tab(browser, size)
    log_in(there, base, name)
    there.goto(base + "/conversations")
    live(there)

    here.goto(base + "/settings")
    devices = here.locator("#device-list > li")
    expect(devices).to_have_count(2)
    expect(devices.filter(has_text="This browser")).to_have_count(1)
    here.locator("#devices-title").scroll_into_view_if_needed()
    screenshot(here, f"account-settings-{size[0]}")

    other = devices.filter(has_not_text="This browser")
    other.get_by_role("button", name=re.compile("^Sign out")).click()

    there.wait_for_url(re.compile(r"/signed-out$"), timeout=15_000)
    expect(there.get_by_role("heading", level=1)).to_have_text("You are signed out")
    expect(here.locator(".flash")).to_have_text("That browser is signed out.")
    expect(here.locator("#device-list > li")).to_have_count(1)
    assert errors == []
    here.context.close()
    there.context.close()


@pytest.mark.parametrize("size", SIZES)
def test_deleting_the_account_leaves_a_deleted_account_in_the_friends_chat(
    browser: Browser, shared_server, size
):
    base = shared_server.url
    leaver_name, friend_name = new_name("d"), new_name("f")
    leaver = tab(browser, size)
    sign_up(leaver, base, leaver_name)
    friend = tab(browser, size)
    errors = watch_for_errors(friend)
    sign_up(friend, base, friend_name)
    token = token_of(base, leaver_name)
    conversation = api(
        base, token, "POST", "/conversations", {"kind": "direct", "username": friend_name}
    )
    cid = conversation["conversation"]["id"]
    api(base, token, "POST", f"/conversations/{cid}/messages", {"body": "thanks for the film"})
    api(base, token, "POST", "/playlists", {"title": "Films for Friday", "visibility": "public"})

    friend.goto(f"{base}/conversations/{cid}")
    live(friend)
    message = friend.locator(".message").filter(has_text="thanks for the film")
    expect(message.locator(".message-sender")).to_have_text(leaver_name)
    # The friend has the leaver's profile open in a second tab too.
    profile = friend.context.new_page()
    profile_errors = watch_for_errors(profile)
    profile.goto(f"{base}/u/{leaver_name}")
    live(profile)
    expect(profile.get_by_role("button", name=f"Follow {leaver_name}")).to_be_visible()
    expect(profile.get_by_role("link", name="Films for Friday")).to_be_visible()

    leaver.goto(base + "/settings")
    leaver.get_by_label("Your password").fill(PASSWORD)
    leaver.once("dialog", lambda dialog: dialog.accept())
    leaver.get_by_role("button", name="Delete my account").click()
    leaver.wait_for_url(re.compile(r"/signed-out$"))
    expect(leaver.get_by_role("heading", level=1)).to_have_text("Your account was deleted")
    screenshot(leaver, f"account-deleted-{size[0]}")

    # The old credentials no longer sign in.
    refused = requests.post(
        base + "/api/v1/auth/token",
        json={"username": leaver_name, "password": PASSWORD},
        timeout=10,
    )
    assert refused.status_code == 401

    # The open profile says so at once, and offers nothing to do about the account.
    expect(profile.locator(".relation")).to_have_text("This account was deleted.")
    expect(profile.get_by_role("heading", level=1)).to_have_text("Deleted account")
    expect(profile.locator("main")).not_to_contain_text(leaver_name)
    expect(profile.locator(".profile .presence")).to_have_count(0)
    expect(profile.locator("main")).not_to_contain_text("Films for Friday")  # nor its lists
    for verb in ("Follow", "Message", "Block"):
        expect(profile.get_by_role("button", name=f"{verb} {leaver_name}")).to_have_count(0)
    screenshot(profile, f"account-deleted-profile-{size[0]}")
    assert profile_errors == []

    # The friend's open chat says so at once, and so does the page drawn afresh.
    for _ in ("live", "reloaded"):
        message = friend.locator(".message").filter(has_text="thanks for the film")
        expect(message.locator(".message-sender")).to_have_text("Deleted account")
        expect(message.locator("a.message-sender")).to_have_count(0)
        expect(friend.locator("#conversation-title")).to_have_text("Deleted account")
        expect(friend.locator("main")).not_to_contain_text(leaver_name)
        expect(friend.locator("form#compose")).to_have_count(0)
        expect(friend.locator("#compose")).to_have_text(
            "This account was deleted: it cannot receive messages."
        )
        screenshot(friend, f"account-deleted-in-chat-{size[0]}")
        friend.reload()
        live(friend)
    assert errors == []
    leaver.context.close()
    friend.context.close()
