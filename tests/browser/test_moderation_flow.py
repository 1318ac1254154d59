"""Moderation in real browsers: a report reaches the moderator's badge live, deciding it
reaches the reporter's, and a ban signs the banned person out of their open page."""

from __future__ import annotations

import itertools
import re

import pytest
import requests
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import live, screenshot, sign_up, watch_for_errors

pytestmark = [pytest.mark.browser, pytest.mark.server]

PASSWORD = "a long password"
_n = itertools.count(1)


def register(base: str, username: str) -> tuple[dict[str, str], int]:
    """A new account through the JSON API; gives its bearer header and its id."""
    response = requests.post(
        base + "/api/v1/auth/register",
        json={"username": username, "password": PASSWORD},
        timeout=10,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    return {"Authorization": f"Bearer {body['token']}"}, body["user"]["id"]


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_label(f"Signed in as {username}").wait_for(state="attached")


def test_report_resolve_and_ban_reach_open_pages(browser: Browser, shared_server):
    base = shared_server.url
    n = next(_n)
    mod_name, reporter_name, troll_name = f"modo_{n}", f"reporter_{n}", f"troll_{n}"
    contexts = [browser.new_context() for _ in range(3)]
    mod, reporter, troll = (context.new_page() for context in contexts)
    errors = watch_for_errors(mod)

    sign_up(mod, base, mod_name)
    shared_server.set_role(mod_name, "moderator")
    reporter_auth, _ = register(base, reporter_name)
    troll_auth, _ = register(base, troll_name)
    log_in(reporter, base, reporter_name)
    log_in(troll, base, troll_name)

    # The troll writes to the reporter over the JSON API.
    conversation = requests.post(
        base + "/api/v1/conversations",
        json={"kind": "direct", "username": reporter_name},
        headers=troll_auth,
        timeout=10,
    ).json()["conversation"]
    message = requests.post(
        f"{base}/api/v1/conversations/{conversation['id']}/messages",
        json={"body": f"nasty words {n}"},
        headers=troll_auth,
        timeout=10,
    ).json()["message"]

    mod.goto(base + "/admin")
    expect(mod.get_by_role("heading", name="Moderation", level=1)).to_be_visible()
    nav_badge = mod.locator("#reports-count .badge")
    before = int(mod.locator("[sse-swap=reports-open]").inner_text())
    reporter.goto(base + "/")
    reporter_badge = reporter.locator("#notification-count .badge")
    expect(reporter_badge).to_have_class("badge badge-empty")
    live(mod)
    live(reporter)

    created = requests.post(
        base + "/api/v1/reports",
        json={"subject_type": "message", "subject_id": message["id"], "reason": "insults"},
        headers=reporter_auth,
        timeout=10,
    )
    assert created.status_code == 201, created.text
    report_id = created.json()["report"]["id"]
    expect(nav_badge).to_have_text(re.compile(rf"^{before + 1}\s*open report"))
    expect(mod.locator("[sse-swap=reports-open]")).to_have_text(str(before + 1))
    screenshot(mod, "moderation-badge-live")

    # The queue, open before the next report: it says so, and shows it when asked.
    mod.get_by_role("navigation", name="Moderation").get_by_role("link", name="Reports").click()
    live(mod)
    again = requests.post(
        base + "/api/v1/reports",
        json={"subject_type": "user", "subject_id": f"@{troll_name}", "reason": "spam"},
        headers=reporter_auth,
        timeout=10,
    )
    assert again.status_code == 201, again.text
    open_tab = mod.get_by_role("navigation", name="Report status").get_by_role("link", name="Open")
    expect(open_tab).to_have_text(f"Open ({before + 2})")
    expect(mod.locator("#reports-changed")).to_contain_text(f"{before + 2} open now")
    screenshot(mod, "moderation-queue-changed")
    mod.get_by_role("link", name="Show the latest").click()
    expect(mod.locator(f"#report-{again.json()['report']['id']}")).to_contain_text(troll_name)
    card = mod.locator(f"#report-{report_id}")
    expect(card).to_contain_text("insults")
    expect(card).to_contain_text(f"nasty words {n}")
    card.get_by_label("Decision").select_option("remove")
    card.get_by_label("Note").fill("not welcome here")
    screenshot(mod, "moderation-queue")
    card.get_by_role("button", name=f"Resolve report #{report_id}").click()
    expect(mod.get_by_role("status")).to_contain_text(f"Report #{report_id} is resolved: removed.")
    expect(mod.locator(f"#report-{report_id}")).to_have_count(0)

    expect(reporter_badge).to_have_text("1 unread", timeout=10_000)
    reporter.get_by_role("navigation").get_by_role("link", name="Notifications").click()
    expect(reporter.get_by_role("main")).to_contain_text("your report was handled")

    troll.goto(base + "/settings")
    expect(troll.get_by_label(f"Signed in as {troll_name}")).to_be_visible()
    mod.goto(f"{base}/admin/users/{troll_name}")
    mod.get_by_label("Reason").fill("harassment")
    mod.once("dialog", lambda dialog: dialog.accept())
    mod.get_by_role("button", name=f"Ban {troll_name}").click()
    expect(mod.get_by_role("status")).to_contain_text(f"{troll_name} is banned")
    expect(mod.get_by_role("main")).to_contain_text("harassment")
    screenshot(mod, "moderation-user")

    # The troll's open page learns of the ban by itself and says what happened.
    expect(troll).to_have_url(re.compile(r"/signed-out$"))
    expect(troll.get_by_role("heading", level=1)).to_have_text("Your account is banned")
    expect(troll.locator(".ban-reason")).to_have_text("harassment")
    expect(
        troll.get_by_role("navigation", name="Main").get_by_role("link", name="Log in")
    ).to_be_visible()
    expect(troll.get_by_label(f"Signed in as {troll_name}")).to_have_count(0)
    assert errors == []
    for context in contexts:
        context.close()


def test_admin_pages_fit_a_phone(browser: Browser, shared_server):
    base = shared_server.url
    name = f"phone_mod_{next(_n)}"
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    page = context.new_page()
    sign_up(page, base, name)
    shared_server.set_role(name, "moderator")
    other = f"phone_user_{next(_n)}"
    auth, other_id = register(base, other)
    long_reason = "This person keeps posting the same advert in every room. " * 3
    requests.post(
        base + "/api/v1/reports",
        json={"subject_type": "user", "subject_id": other_id, "reason": long_reason},
        headers=auth,
        timeout=10,
    ).raise_for_status()
    for path in (
        "/admin",
        "/admin/reports",
        "/admin/reports?status=resolved",
        "/admin/users",
        f"/admin/users/{other}",
        "/admin/content",
        "/admin/audit",
    ):
        page.goto(base + path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px on a phone"
    page.goto(f"{base}/admin/users/{other}")
    screenshot(page, "phone-moderation-user")
    page.goto(base + "/admin")
    screenshot(page, "phone-moderation-overview")
    page.goto(base + "/admin/reports")
    screenshot(page, "phone-moderation-queue")
    context.close()
