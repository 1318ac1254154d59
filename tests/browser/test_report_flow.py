"""Reporting a message from the conversation where it was written, as a person would."""

from __future__ import annotations

import itertools

import pytest
import requests
from playwright.sync_api import Browser, expect

from tests.browser.conftest import screenshot, sign_up, watch_for_errors
from tests.support.clients import register

pytestmark = [pytest.mark.browser, pytest.mark.server]

_n = itertools.count(1)


@pytest.mark.parametrize("size", [(1280, 800), (390, 844)], ids=["laptop", "phone"])
def test_report_a_message_from_its_conversation(browser: Browser, shared_server, size):
    base = shared_server.url
    width, height = size
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    errors = watch_for_errors(page)
    name = f"flagger_{next(_n)}"
    sign_up(page, base, name)
    spammer = register(base)
    created = requests.post(
        base + "/api/v1/conversations",
        json={"kind": "group", "name": "Neighbours", "members": [name]},
        headers=spammer.headers,
        timeout=10,
    )
    group = created.json()["conversation"]["id"]
    requests.post(
        f"{base}/api/v1/conversations/{group}/messages",
        json={"body": "cheap watches, click here"},
        headers=spammer.headers,
        timeout=10,
    )
    page.goto(f"{base}/conversations/{group}")
    page.get_by_role("link", name=f"Report the message from {spammer.username}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Report")
    expect(page.get_by_role("main")).to_contain_text("cheap watches, click here")
    page.get_by_label("Spam").check()
    page.get_by_label("Anything the moderators should know (optional)").fill("every day")
    screenshot(page, f"report-form-{width}")
    page.get_by_role("button", name="Send the report").click()
    expect(page).to_have_url(f"{base}/reports")
    expect(page.get_by_role("main")).to_contain_text("Spam: every day")
    expect(page.get_by_role("main")).to_contain_text("Waiting for a moderator")
    screenshot(page, f"report-list-{width}")
    assert errors == []
    context.close()
