"""The live-stream page works over every transport in a real browser."""

from __future__ import annotations

import itertools

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshot, sign_up, watch_for_errors

pytestmark = [pytest.mark.browser, pytest.mark.server]

_names = itertools.count(1)


@pytest.mark.parametrize("transport", ["websocket", "polling", "sse", "longpoll", "htmx"])
def test_own_events_appear_live(page: Page, shared_server, transport):
    errors = watch_for_errors(page)
    sign_up(page, shared_server.url, f"live_{transport}_{next(_names)}")
    page.goto(f"{shared_server.url}/live?transport={transport}")
    if transport != "htmx":
        expect(page.locator("#stream-status")).to_contain_text("Connected", timeout=10_000)
    else:
        page.wait_for_timeout(500)  # the SSE extension connects as the page loads

    page.get_by_label("Send yourself a test event").fill(f"hello over {transport}")
    page.get_by_role("button", name="Send").click()
    feed = page.get_by_role("log", name="Events")
    expect(feed).to_contain_text(f"hello over {transport}", timeout=10_000)
    expect(feed).to_contain_text("stream:echo")
    if transport == "websocket":
        screenshot(page, "live-stream")
    assert errors == []


def test_reload_resumes_without_duplicates(page: Page, shared_server):
    sign_up(page, shared_server.url, f"resumer_{next(_names)}")
    page.goto(f"{shared_server.url}/live?transport=sse")
    expect(page.locator("#stream-status")).to_contain_text("Connected")
    page.get_by_label("Send yourself a test event").fill("first")
    page.get_by_role("button", name="Send").click()
    feed = page.get_by_role("log", name="Events")
    expect(feed).to_contain_text("first")
    # Switch transport: the stored cursor carries over, so the old event is not repeated
    # and an event sent in between is not lost.
    page.goto(f"{shared_server.url}/live?transport=longpoll")
    page.get_by_label("Send yourself a test event").fill("second")
    page.get_by_role("button", name="Send").click()
    expect(feed).to_contain_text("second")
    expect(feed.locator("li")).to_have_count(1)


def test_test_event_form_works_without_javascript(browser, shared_server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    sign_up(page, shared_server.url, f"nojs_{next(_names)}")
    page.goto(f"{shared_server.url}/live?transport=htmx")
    page.get_by_label("Send yourself a test event").fill("no script")
    page.get_by_role("button", name="Send").click()
    expect(page).to_have_url(f"{shared_server.url}/live?transport=htmx")
    context.close()
