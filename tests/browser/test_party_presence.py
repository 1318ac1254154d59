"""The party page's people list in a real browser: one's own entry is online and
watching, and others watch only while they have the page open."""

from __future__ import annotations

import pytest
import requests
from playwright.sync_api import Page, expect

from tests.browser.conftest import watch_for_errors
from tests.support.clients import PASSWORD, SocketClient, SSEReader, create_party, register

pytestmark = [pytest.mark.browser, pytest.mark.server]

JOINED = """() => !["Connecting…", "Joining…", "Reconnecting…"].includes(
  document.getElementById("sync-status").textContent)"""


def test_own_entry_is_online_and_watching_and_others_only_with_the_page_open(
    page: Page, shared_server
):
    base = shared_server.url
    errors = watch_for_errors(page)
    me = register(base)
    party = create_party(base, me, title="Who is here")
    # Signed in straight onto the party page: no other page of mine is open anywhere.
    page.goto(base + f"/login?next=/parties/{party['id']}")
    page.get_by_label("Username").fill(me.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Who is here")
    page.wait_for_function(JOINED)  # the page's live connection joined the party

    mine = page.locator(".party-person", has_text="(you)")
    expect(mine.locator(".presence")).to_have_text("Online")
    expect(mine.locator("[data-watching]")).to_be_visible()
    expect(page.locator("#party-count")).to_have_text("1")

    # A guest in the party, online on another page: not watching.
    guest = register(base)
    joined = requests.post(
        base + "/api/v1/parties/join",
        json={"code": party["code"]},
        headers=guest.headers,
        timeout=10,
    )
    assert joined.status_code == 200, joined.text
    elsewhere = SSEReader(base + "/api/v1/events/stream", guest.headers)
    theirs = page.locator(f'.party-person[data-user-id="{guest.id}"]')
    expect(theirs).to_have_count(1)  # the people list refreshed on their arrival
    expect(theirs.locator("[data-watching]")).to_be_hidden()
    expect(page.locator("#party-count")).to_have_text("1")

    # The guest opens the party's page (its live connection joins the party): watching.
    socket = SocketClient(base).connect(auth={"token": guest.token})
    assert socket.call("party:join", {"party_id": party["id"]})["ok"] is True
    expect(page.locator("#party-count")).to_have_text("2")
    expect(theirs.locator("[data-watching]")).to_be_visible()
    # ... and closes it: after the grace for a reload they watch no more.
    socket.drop()
    expect(page.locator("#party-count")).to_have_text("1", timeout=15_000)
    expect(theirs.locator("[data-watching]")).to_be_hidden()

    page.reload()
    mine = page.locator(".party-person", has_text="(you)")
    expect(mine.locator(".presence")).to_have_text("Online")
    expect(page.locator("#party-count")).to_have_text("1")
    elsewhere.close()
    assert errors == []
