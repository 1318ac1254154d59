"""One's status from the navigation: someone sets busy with a text, and a person looking at
their profile sees it change in place; without JavaScript the form posts and comes back;
an idle page sets away by itself and activity undoes it, but never a status chosen by hand."""

from __future__ import annotations

import itertools

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import live, screenshot, sign_up, watch_for_errors

pytestmark = [pytest.mark.browser, pytest.mark.server]

_n = itertools.count(1)
SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


def open_status_form(page: Page) -> None:
    """On a phone the status control is under the Menu button."""
    toggle = page.get_by_role("button", name="Menu")
    if toggle.is_visible():
        toggle.click()
    page.locator("#status-control summary").click()
    expect(page.get_by_role("group", name="Your status")).to_be_visible()


@pytest.mark.parametrize("size", SIZES)
def test_busy_with_text_reaches_a_profile_live(browser: Browser, shared_server, size: str):
    base = shared_server.url
    ann_context = browser.new_context(viewport=SIZES[size])
    ben_context = browser.new_context(viewport=SIZES[size])
    ann, ben = ann_context.new_page(), ben_context.new_page()
    errors = watch_for_errors(ann) + watch_for_errors(ben)
    ann_name, ben_name = f"st_ann_{size}_{next(_n)}", f"st_ben_{size}_{next(_n)}"
    sign_up(ann, base, ann_name)
    sign_up(ben, base, ben_name)

    ann.goto(base + "/parties")
    live(ann)
    ben.goto(f"{base}/u/{ann_name}")
    live(ben)
    badge = ben.locator(".profile .presence-slot, .presence-slot").first
    expect(badge).to_contain_text("Online")

    open_status_form(ann)
    ann.get_by_role("radio", name="Busy").check()
    ann.get_by_label("Status text").fill("In a meeting <until 3>")
    screenshot(ann, f"status-form-{size}")
    ann.get_by_role("button", name="Set status").click()

    # htmx swapped the control in place: closed, and saying what was chosen.
    control = ann.locator("#status-control")
    expect(control).to_have_attribute("data-status", "busy")
    expect(control.locator("summary")).to_contain_text("Busy")
    expect(control.locator("summary")).to_contain_text("In a meeting <until 3>")
    expect(ann).to_have_url(base + "/parties")

    # Ben's open profile changed without a reload.
    expect(badge).to_contain_text("Busy")
    expect(badge.locator(".presence-text")).to_contain_text("In a meeting <until 3>")
    expect(badge.locator(".presence-busy")).to_be_visible()
    screenshot(ben, f"status-seen-{size}")
    screenshot(ann, f"status-set-{size}")

    # Chosen, it stays: on another page of hers and on his page loaded afresh.
    ann.goto(base + "/people")
    expect(ann.locator("#status-control")).to_have_attribute("data-status", "busy")
    ben.reload()
    expect(ben.locator(".presence-slot").first).to_contain_text("In a meeting <until 3>")
    assert errors == []
    ann_context.close()
    ben_context.close()


def test_the_status_form_works_without_javascript(browser: Browser, shared_server):
    base = shared_server.url
    context = browser.new_context(java_script_enabled=False, viewport=SIZES["phone"])
    page = context.new_page()
    name = f"st_nojs_{next(_n)}"
    sign_up(page, base, name)
    page.goto(base + "/people")
    page.locator("#status-control summary").click()
    page.get_by_role("radio", name="Away").check()
    page.get_by_label("Status text").fill("Back soon")
    page.get_by_role("button", name="Set status").click()
    expect(page).to_have_url(base + "/people")
    expect(page.locator("#status-control")).to_have_attribute("data-status", "away")
    expect(page.locator("#status-control summary")).to_contain_text("Back soon")
    screenshot(page, "status-nojs-phone")
    context.close()


def test_idle_sets_away_and_activity_sets_online_but_not_over_busy(
    browser: Browser, server_factory
):
    server = server_factory(PRESENCE_IDLE_SECONDS="2")
    base = server.url
    ann_context, ben_context = browser.new_context(), browser.new_context()
    ann, ben = ann_context.new_page(), ben_context.new_page()
    ann_name, ben_name = f"st_idle_{next(_n)}", f"st_look_{next(_n)}"
    sign_up(ann, base, ann_name)
    sign_up(ben, base, ben_name)
    ben.goto(f"{base}/u/{ann_name}")
    live(ben)
    badge = ben.locator(".presence-slot").first
    ann.goto(base + "/parties")
    live(ann)

    control = ann.locator("#status-control")
    expect(control).to_have_attribute("data-status", "away", timeout=10_000)
    expect(control).to_have_attribute("data-auto", "true")
    expect(badge).to_contain_text("Away")
    ann.mouse.move(40, 300)
    ann.mouse.move(60, 320)
    expect(control).to_have_attribute("data-status", "online")
    expect(badge).to_contain_text("Online")

    open_status_form(ann)
    ann.get_by_role("radio", name="Busy").check()
    ann.get_by_role("button", name="Set status").click()
    expect(control).to_have_attribute("data-status", "busy")
    expect(badge).to_contain_text("Busy")
    # Idle for longer than the setting: busy, chosen by hand, stays.
    ann.wait_for_function(
        "() => Date.now() - Number(localStorage.getItem('tandem:last-activity')) > 3500"
    )
    expect(control).to_have_attribute("data-status", "busy")
    expect(badge).to_contain_text("Busy")
    ann_context.close()
    ben_context.close()
