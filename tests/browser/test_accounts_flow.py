"""A person registers, logs out and logs back in, in a real browser on a real server."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshot, watch_for_errors

pytestmark = [pytest.mark.browser, pytest.mark.server]


def test_register_logout_login(page: Page, live_server):
    errors = watch_for_errors(page)

    page.goto(live_server.url + "/")
    expect(page.get_by_role("heading", name="Watch together. Talk together.")).to_be_visible()
    screenshot(page, "home")

    page.get_by_role("link", name="Sign up").click()
    page.get_by_label("Username").fill("browser_bee")
    page.get_by_label("Password", exact=True).fill("a long password")
    page.get_by_label("Repeat password").fill("a long password")
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("status")).to_contain_text("Welcome to Tandem, browser_bee!")
    expect(page.get_by_label("Signed in as browser_bee")).to_be_visible()

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("status")).to_contain_text("You are signed out.")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Log in")).to_be_visible()

    nav.get_by_role("link", name="Log in").click()
    page.get_by_label("Username").fill("browser_bee")
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("Wrong username or password.")

    page.get_by_label("Password").fill("a long password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("status")).to_contain_text("Signed in as browser_bee.")
    screenshot(page, "signed-in")
    # htmx loaded from the vendored copy under the CSP; no script error, no CSP violation.
    assert page.evaluate("typeof window.htmx") == "object"
    assert errors == []


def test_pages_fit_a_phone(browser, live_server):
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    phone = context.new_page()
    for path in ("/", "/register", "/login"):
        phone.goto(live_server.url + path)
        overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px on a phone"
    screenshot(phone, "phone-login")
    context.close()


def test_keyboard_reaches_the_form(page: Page, live_server):
    page.goto(live_server.url + "/login")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Enter")
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name") == "username":
            break
    assert page.evaluate("document.activeElement.name") == "username"
