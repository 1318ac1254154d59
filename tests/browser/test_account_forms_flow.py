"""The account forms in a real browser, on a desktop and on a phone: sign up, a wrong
sign-in (said in words, the username kept), sign out, and the settings forms refusing
and then taking a profile and a password."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import screenshot, watch_for_errors

pytestmark = [pytest.mark.browser, pytest.mark.server]

SCREENS = {"desktop": (1280, 800, False), "phone": (390, 844, True)}


@pytest.mark.parametrize("screen", SCREENS)
def test_account_forms(browser: Browser, shared_server, screen: str):
    width, height, mobile = SCREENS[screen]
    context = browser.new_context(viewport={"width": width, "height": height}, is_mobile=mobile)
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors = watch_for_errors(page)
    base, name = shared_server.url, f"frm_{screen}"

    page.goto(base + "/register")
    page.get_by_label("Username").fill(name)
    page.get_by_label("Password", exact=True).fill("a long password")
    page.get_by_label("Repeat password").fill("not the same one")
    page.get_by_role("button", name="Sign up").click()
    repeat = page.get_by_label("Repeat password")
    expect(repeat).to_have_attribute("aria-invalid", "true")
    expect(repeat).to_be_focused()
    expect(page.locator("#confirm-error")).to_have_text("The passwords differ.")
    expect(page.get_by_label("Username")).to_have_value(name)
    expect(page.get_by_label("Password", exact=True)).to_have_value("")
    screenshot(page, f"forms-{screen}-signup-error")
    page.get_by_label("Password", exact=True).fill("a long password")
    repeat.fill("a long password")
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("status")).to_contain_text(f"Welcome to Tandem, {name}!")

    page.goto(base + "/logout")
    page.get_by_role("region", name="Log out?").get_by_role("button", name="Log out").click()
    expect(page.get_by_role("status")).to_contain_text("You are signed out.")

    page.goto(base + "/login")
    page.get_by_label("Username").fill(name)
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("Wrong username or password.")
    expect(page.get_by_label("Username")).to_have_value(name)
    expect(page.get_by_label("Password")).to_have_value("")
    screenshot(page, f"forms-{screen}-login-error")
    page.get_by_label("Password").fill("a long password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("status")).to_contain_text(f"Signed in as {name}.")

    page.goto(base + "/settings")
    page.get_by_label("Display name").fill("x" * 60 + "\u200b")
    page.get_by_label("Bio").fill("Films on Fridays")
    page.get_by_role("button", name="Save profile").click()
    expect(page.locator("#display_name-error")).to_contain_text("invisible characters")
    expect(page.get_by_label("Bio")).to_have_value("Films on Fridays")
    screenshot(page, f"forms-{screen}-profile-error")
    page.get_by_label("Display name").fill("Frame Maker")
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_role("status")).to_contain_text("Your profile is saved.")
    expect(page.get_by_label("Display name")).to_have_value("Frame Maker")

    page.get_by_label("Current password").fill("not my password")
    page.get_by_label("New password", exact=True).fill("a newer long password")
    page.get_by_label("Repeat the new password").fill("a newer long password")
    page.get_by_role("button", name="Change password").click()
    expect(page.locator("#current_password-error")).to_have_text("The current password is wrong.")
    current = page.get_by_label("Current password")
    expect(current).to_have_attribute("aria-invalid", "true")
    expect(current).to_be_focused()  # the page lands on the field, far down on a phone
    expect(current).to_be_in_viewport()
    screenshot(page, f"forms-{screen}-password-error")
    page.get_by_label("Current password").fill("a long password")
    page.get_by_label("New password", exact=True).fill("a newer long password")
    page.get_by_label("Repeat the new password").fill("a newer long password")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("status")).to_contain_text("Password changed.")
    screenshot(page, f"forms-{screen}-password-changed")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"settings scroll sideways by {overflow}px"
    assert errors == []
    context.close()
