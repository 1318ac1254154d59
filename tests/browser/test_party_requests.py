"""Asking to join a party the host lets people in to, in a real Chromium: the host turns
the request away from the live people panel, the waiting page says so at once, and a
reload offers no way to ask again until the wait is over. On a desktop and on a
phone-sized screen."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import screenshot, sign_up, watch_for_errors
from tests.support.media import served_video

pytestmark = [pytest.mark.browser, pytest.mark.server]

_n = itertools.count(1)
SCREENS = [
    pytest.param({"width": 1280, "height": 800}, id="desktop"),
    pytest.param({"width": 390, "height": 844}, id="phone"),
]


@pytest.fixture(scope="module")
def video(tmp_path_factory) -> Iterator[str]:
    with served_video(tmp_path_factory.mktemp("request-media"), "four.webm", 4) as url:
        yield url


@pytest.mark.parametrize("screen", SCREENS)
def test_a_request_turned_away_waits_before_it_is_asked_again(
    browser: Browser, shared_server, video, screen
):
    base, n = shared_server.url, next(_n)
    contexts = [browser.new_context(viewport=screen) for _ in range(2)]
    host, guest = (context.new_page() for context in contexts)
    errors = watch_for_errors(guest)
    sign_up(host, base, f"gatehost_{n}")
    sign_up(guest, base, f"asker_{n}")
    host.goto(base + "/parties/new")
    host.get_by_label("Title").fill("Door policy")
    host.get_by_label("Video link").fill(video)
    host.get_by_label("I let people in myself (they ask to join)").check()
    host.get_by_role("button", name="Start the party").click()
    invite = host.locator("#invite-link").input_value()

    guest.goto(invite)
    guest.get_by_role("button", name="Ask to join").click()
    state = guest.locator("#invite-state")
    expect(state).to_contain_text("Waiting for the host to let you in.")
    turn_away = host.get_by_role("button", name=f"Turn away asker_{n}")
    expect(turn_away).to_be_visible(timeout=10_000)  # the panel redraws by itself
    turn_away.click()
    expect(state).to_have_text("The host did not let you in. You can ask again in 10 minutes.")
    screenshot(guest, f"party-request-turned-away-{screen['width']}")

    guest.reload()
    expect(state).to_contain_text("You can ask again after")
    expect(guest.get_by_role("button", name="Ask to join")).to_have_count(0)
    expect(host.locator(".party-requests")).to_have_count(0)
    screenshot(guest, f"party-request-wait-{screen['width']}")
    assert errors == []
    for context in contexts:
        context.close()
