"""Hostile text in a post and a comment stays text in Chromium: in a follower's live feed,
on the post's page as it arrives and after a reload, and in search results. No script
runs, no element or htmx attribute of the text comes alive, no `javascript:` link."""

from __future__ import annotations

import pytest
import requests
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import live
from tests.browser.test_conversations_browser import XSS_BODY
from tests.browser.test_posts_browser import person
from tests.support.clients import Account, register

pytestmark = [pytest.mark.browser, pytest.mark.server]

SHOWN = "<img src=x onerror=alert(1)>"


def api(account: Account, method: str, path: str, **body: object) -> dict:
    response = requests.request(
        method, f"{account.base}/api/v1{path}", json=body, headers=account.headers, timeout=10
    )
    assert response.status_code < 400, response.text
    return response.json() if response.content else {}


def watch_for_harm(page: Page) -> tuple[list[str], list[str]]:
    """Dialogs opened and /logout requests made by the page: both must stay empty."""
    dialogs: list[str] = []
    logouts: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on("request", lambda r: logouts.append(r.url) if "/logout" in r.url else None)
    return dialogs, logouts


def assert_inert(page: Page) -> None:
    main = page.get_by_role("main")
    expect(main).to_contain_text(SHOWN)
    assert main.locator("img[src=x]").count() == 0
    assert main.locator("script").count() == 0
    assert page.locator('a[href^="javascript:"]').count() == 0
    assert main.locator("[hx-get='/logout']").count() == 0


def test_hostile_posts_and_comments_are_shown_inert(browser: Browser, shared_server):
    base = shared_server.url
    author, reader = register(base, "px_author"), register(base, "px_reader")
    api(reader, "POST", f"/users/{author.username}/follow")
    page = person(browser, base, reader.username, (1280, 800))
    dialogs, logouts = watch_for_harm(page)
    page.goto(base + "/")
    live(page)

    post_id = api(author, "POST", "/posts", text=f"{XSS_BODY} #1", audience="public")["post"]["id"]
    page.locator("#feed-new").get_by_role("link").click()
    expect(page.locator(f"#post-{post_id}")).to_contain_text(SHOWN)
    assert_inert(page)

    page.goto(f"{base}/posts/{post_id}")
    live(page)
    api(author, "POST", f"/posts/{post_id}/comments", text=f"{XSS_BODY} #2")
    expect(page.locator("article.comment")).to_contain_text(SHOWN)
    assert_inert(page)
    page.reload()
    expect(page.locator("article.comment")).to_contain_text(SHOWN)
    assert_inert(page)

    page.goto(f"{base}/search?q=boom")
    expect(page.get_by_role("main")).to_contain_text("#1")
    assert_inert(page)
    assert dialogs == []
    assert logouts == []
    page.context.close()
