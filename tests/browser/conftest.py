"""The browser harness: Playwright driving Debian's Chromium against a real server."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.processes import PROJECT_ROOT

ARTIFACTS = PROJECT_ROOT / "test-artifacts"

# An assertion waits up to this long for the page to come to the state it names (a
# navigation, a live event). A passing test waits no longer than the page takes; the
# library's 5 s is too short for a page served by a busy machine.
expect.set_options(timeout=15_000)


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1200, "height": 800})
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    yield tab
    context.close()


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page PNG under test-artifacts/ for people to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_up(page: Page, base: str, username: str, password: str = "a long password") -> None:
    """Create an account through the register page; the page ends signed in."""
    page.goto(base + "/register")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_label("Repeat password").fill(password)
    page.get_by_role("button", name="Sign up").click()
    page.get_by_label(f"Signed in as {username}").wait_for(state="attached")


def live(page: Page) -> None:
    """Wait until the page's live stream is open (live-page.js marks the root element).
    Nothing written after the page was rendered is lost before that: the stream starts
    from the page's own cursor."""
    page.locator("html[data-stream=open]").wait_for(state="attached")


def watch_for_errors(
    page: Page, counts: Callable[[str], bool] = lambda text: "Content Security Policy" in text
) -> list[str]:
    """Collect uncaught script errors and the console errors `counts` keeps: by default
    Content-Security-Policy refusals. (Dropped streams and 4xx answers are logged by the
    browser too; those are expected.)"""
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "console",
        lambda msg: errors.append(msg.text) if msg.type == "error" and counts(msg.text) else None,
    )
    return errors
