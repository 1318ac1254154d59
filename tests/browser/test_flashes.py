"""The notices at the top of a page: each can be dismissed, by pointer or keyboard, and
focus goes on to the page rather than being lost."""

from __future__ import annotations

import itertools

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import screenshot, sign_up

pytestmark = [pytest.mark.browser, pytest.mark.server]

_n = itertools.count(1)


@pytest.mark.parametrize("screen", [{"width": 1280, "height": 800}, {"width": 390, "height": 844}])
def test_a_notice_can_be_dismissed(browser: Browser, shared_server, screen):
    context = browser.new_context(viewport=screen)
    page = context.new_page()
    name = f"flashy_{next(_n)}_{screen['width']}"
    sign_up(page, shared_server.url, name)
    notice = page.locator(".flash", has_text=f"Welcome to Tandem, {name}!")
    expect(notice).to_have_text(f"Welcome to Tandem, {name}!")  # the button adds no text
    dismiss = notice.get_by_role("button", name="Dismiss this notice")
    screenshot(page, f"flash-{screen['width']}")
    dismiss.focus()
    page.keyboard.press("Enter")
    expect(notice).to_have_count(0)
    expect(page.locator("#main")).to_be_focused()
    context.close()
