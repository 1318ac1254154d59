"""Announcements and invitations as people meet them: an admin posts from the moderation
pages and someone else's open page shows the banner at once, who dismisses it for good;
a host finds a friend from the party page and invites them, and the friend joins in one
click from the notification."""

from __future__ import annotations

import itertools

import pytest
import requests
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import live, screenshot, sign_up, watch_for_errors
from tests.support.clients import PASSWORD, create_party, register

pytestmark = [pytest.mark.browser, pytest.mark.server]

_n = itertools.count(1)
SIZES = [(1280, 800), (390, 844)]
SIZE_IDS = ["laptop", "phone"]


def withdraw_everything(base: str, admin_headers: dict[str, str]) -> None:
    """Other tests share this server: leave no banner behind."""
    current = requests.get(base + "/api/v1/announcements", headers=admin_headers, timeout=10)
    for announcement in current.json()["announcements"]:
        requests.delete(
            f"{base}/api/v1/admin/announcements/{announcement['id']}",
            headers=admin_headers,
            timeout=10,
        )


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_label(f"Signed in as {username}").wait_for(state="attached")


def banner(page: Page, text: str):
    return page.locator("#announcements .announcement", has_text=text)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_an_announcement_reaches_an_open_page_and_is_dismissed(
    browser: Browser, shared_server, size
):
    base = shared_server.url
    width, height = size
    n = next(_n)
    admin_name, reader_name = f"ann_admin_{n}_{width}", f"ann_reader_{n}_{width}"
    text = f"Maintenance tonight at 22:00 UTC ({width})"
    janitor = register(base, f"ann_janitor_{n}_{width}")
    shared_server.set_role(janitor.username, "admin")
    contexts = [browser.new_context(viewport={"width": width, "height": height}) for _ in range(2)]
    admin, reader = (context.new_page() for context in contexts)
    errors = watch_for_errors(reader)
    try:
        sign_up(admin, base, admin_name)
        shared_server.set_role(admin_name, "admin")
        sign_up(reader, base, reader_name)
        reader.goto(base + "/parties")
        live(reader)
        expect(banner(reader, text)).to_have_count(0)

        admin.goto(base + "/admin/announcements")
        admin.get_by_label("Announcement", exact=True).fill(text)
        admin.get_by_label("Show it for").select_option("6")
        screenshot(admin, f"announce-admin-form-{width}")
        admin.get_by_role("button", name="Post announcement").click()
        expect(admin.get_by_role("status").first).to_contain_text("showing on every page")

        # The reader's open page shows it without a reload.
        expect(banner(reader, text)).to_be_visible()
        expect(reader).to_have_url(base + "/parties")
        screenshot(reader, f"announce-banner-{width}")

        # Someone who comes later sees it too (the admin's own next page).
        admin.goto(base + "/")
        expect(banner(admin, text)).to_be_visible()

        reader.get_by_role("button", name="Dismiss the announcement").click()
        expect(banner(reader, text)).to_have_count(0)
        reader.reload()
        live(reader)
        expect(banner(reader, text)).to_have_count(0)
        expect(banner(admin, text)).to_be_visible()  # dismissed for the reader alone
        screenshot(reader, f"announce-dismissed-{width}")

        # Withdrawn from the moderation page: it leaves the admin's other open page live.
        other = contexts[0].new_page()
        other.goto(base + "/")
        live(other)
        expect(banner(other, text)).to_be_visible()
        admin.goto(base + "/admin/announcements")
        admin.once("dialog", lambda dialog: dialog.accept())  # "Withdraw ... from every page?"
        admin.get_by_role("button", name=f"Withdraw the announcement “{text[:40]}”").click()
        expect(admin.get_by_role("status").first).to_contain_text("withdrawn from every page")
        expect(banner(other, text)).to_have_count(0)
        assert errors == []
    finally:
        withdraw_everything(base, janitor.headers)
        for context in contexts:
            context.close()


def test_the_dismiss_button_works_without_javascript(browser: Browser, shared_server):
    base = shared_server.url
    n = next(_n)
    janitor = register(base, f"ann_nojs_admin_{n}")
    shared_server.set_role(janitor.username, "admin")
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        sign_up(page, base, f"ann_nojs_{n}")
        text = f"Read this without scripts {n}"
        posted = requests.post(
            base + "/api/v1/admin/announcements",
            json={"body": text},
            headers=janitor.headers,
            timeout=10,
        )
        assert posted.status_code == 201
        page.goto(base + "/parties?tab=upcoming")
        expect(banner(page, text)).to_be_visible()
        page.get_by_role("button", name="Dismiss the announcement").click()
        expect(page).to_have_url(base + "/parties?tab=upcoming")
        expect(banner(page, text)).to_have_count(0)
    finally:
        withdraw_everything(base, janitor.headers)
        context.close()


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_a_host_invites_a_friend_who_joins_from_the_notification(
    browser: Browser, shared_server, size
):
    base = shared_server.url
    width, height = size
    n = next(_n)
    host_name, friend_name = f"ann_host_{n}_{width}", f"ann_friend_{n}_{width}"
    contexts = [browser.new_context(viewport={"width": width, "height": height}) for _ in range(2)]
    host, friend = (context.new_page() for context in contexts)
    errors = watch_for_errors(friend)
    try:
        # The host's account and party come from the API; the host then signs in.
        host_account = register(base, host_name)
        party = create_party(
            base, host_account, title=f"Friday films {width}", visibility="private"
        )
        log_in(host, base, host_name)
        sign_up(friend, base, friend_name)
        friend.goto(base + "/notifications")
        live(friend)

        host.goto(f"{base}/parties/{party['id']}")
        host.get_by_label("Invite someone by name").fill(friend_name)
        invite = host.get_by_role("button", name=f"Invite {friend_name}")
        expect(invite).to_be_visible()
        screenshot(host, f"invite-search-{width}")
        invite.click()
        expect(host.locator("#invite-results")).to_contain_text(f"{friend_name} is invited")

        # The friend's open notifications page shows the invitation live.
        item = friend.locator(".notification", has_text=f"Friday films {width}")
        expect(item).to_contain_text(f"{host_name} invited you to")
        expect(friend.locator("#notification-count")).to_contain_text("1")
        screenshot(friend, f"invite-notification-{width}")
        item.get_by_role("button", name=f"Join Friday films {width}").click()
        expect(friend).to_have_url(f"{base}/parties/{party['id']}")
        expect(friend.get_by_role("heading", level=1)).to_contain_text(f"Friday films {width}")
        expect(host.locator("#party-people")).to_contain_text(friend_name)
        screenshot(friend, f"invite-joined-{width}")
        assert errors == []
    finally:
        for context in contexts:
            context.close()
