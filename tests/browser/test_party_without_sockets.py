"""A party page whose Socket.IO is blocked or refused still follows the party: playback
over Server-Sent Events from the page's cursor, the clock from GET /api/v1/time, chat and
reactions over HTTP, people coming and going, and the end. A refusal because the sign-in
ended goes to the session check instead."""

from __future__ import annotations

import itertools
import re
import time

import pytest
import requests
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser import test_party_sync as party_sync
from tests.browser.conftest import screenshot, sign_up, watch_for_errors
from tests.browser.test_party_sync import READY, join_by_invite, start_party, wait_ready
from tests.support.clients import register

# The local test video and the server that lets Chromium seek in it.
clip = party_sync.clip
media_url = party_sync.media_url

pytestmark = [pytest.mark.browser, pytest.mark.server]

_n = itertools.count(1)
FOLLOW_WITHIN = 0.5  # seconds from the server's change to the viewer's player showing it
TOLERANCE = 0.25  # how close to the expected position counts as following

# The host's newest state from the server, once its version is above `version`, with the
# host's clock offset (server time = wall time + offset).
HOST_STATE = """(version) => {
  const party = window.TandemParty;
  const state = party.engine.serverState;
  return state && state.version > version ? {state: state, offset: party.offset()} : null;
}"""
# The viewer's wall time (ms) once its video is where the host's state puts it now: same
# play/pause, rate (give or take the engine's nudge) and position. The wall clock is
# shared by every page on this machine.
FOLLOWING = """({state, offset, tolerance}) => {
  const video = document.getElementById("party-video");
  const wall = performance.timeOrigin + performance.now();
  const now = wall / 1000 + offset;
  const expected = state.playing ? state.position + (now - state.at) * state.rate : state.position;
  if (video.paused === state.playing) { return null; }
  if (state.playing && Math.abs(video.playbackRate / state.rate - 1) > 0.06) { return null; }
  const off = video.currentTime - expected;
  return Math.abs(off) <= tolerance ? {wall: wall, off: off} : null;
}"""


def without_socketio(context: BrowserContext, script_too: bool = True) -> None:
    """Block Socket.IO: its client script, its endpoint, or both."""
    if script_too:
        context.route("**/socket.io.min.js", lambda route: route.abort())
    context.route("**/socket.io/**", lambda route: route.abort())


def version_of(page: Page) -> int:
    return page.evaluate("window.TandemParty.engine.serverState.version")


def follows(host: Page, viewer: Page, version: int, what: str) -> int:
    """Waits for the host's change after `version`, then for the viewer's player to show
    it; asserts that took at most FOLLOW_WITHIN from the server's change. Returns the new
    version."""
    found = host.wait_for_function(HOST_STATE, arg=version, polling=20, timeout=5_000).json_value()
    state, offset = found["state"], found["offset"]
    reached = viewer.wait_for_function(
        FOLLOWING,
        arg={"state": state, "offset": offset, "tolerance": TOLERANCE},
        polling=20,
        timeout=5_000,
    ).json_value()
    # The change happened at server time `at`, which is wall time `at - offset`.
    delay = reached["wall"] / 1000 - (state["at"] - offset)
    print(
        f"{what}: the viewer followed {delay:.3f} s after the change ({reached['off']:+.3f} s off)"
    )
    assert delay <= FOLLOW_WITHIN, f"{what}: the viewer followed only after {delay:.3f} s"
    return state["version"]


def test_a_viewer_without_socketio_follows_chats_and_sees_the_end(
    browser: Browser, shared_server, media_url
):
    base = shared_server.url
    host_context = browser.new_context()
    viewer_context = browser.new_context(viewport={"width": 1280, "height": 800})
    without_socketio(viewer_context)
    host, viewer = host_context.new_page(), viewer_context.new_page()
    for page in (host, viewer):
        page.set_default_timeout(10_000)
    sign_up(host, base, f"sockhost_{next(_n)}")
    sign_up(viewer, base, f"nosock_{next(_n)}")
    invite = start_party(host, base, media_url, "No sockets here")
    viewer_errors = watch_for_errors(viewer)
    join_by_invite(viewer, invite)
    for page in (host, viewer):
        wait_ready(page)
    assert host.evaluate("window.TandemParty.transport.kind") == "socket"
    assert viewer.evaluate("window.TandemParty.transport.kind") == "sse"
    assert viewer.evaluate("typeof window.io") == "undefined"
    link_line = viewer.locator("#party-link")
    expect(link_line).to_be_visible()
    expect(link_line).to_contain_text("without a socket connection")
    expect(host.locator("#party-link")).to_be_hidden()
    expect(viewer.locator("#sync-status")).to_have_text("Paused")

    # Play, seek, speed and pause by the host: the viewer's player follows each.
    version = version_of(host)
    host.get_by_role("button", name="Play", exact=True).click()
    overlay = viewer.locator("#autoplay-overlay")
    if overlay.is_visible():  # a browser that wants a click first; then measure the rest
        viewer.get_by_role("button", name="Click to join playback").click()
        version = version_of(host)
    else:
        version = follows(host, viewer, version, "play")
    host.locator("#seek-slider").fill("60")
    version = follows(host, viewer, version, "seek to 60 s")
    host.locator("#rate-select").select_option("1.5")
    version = follows(host, viewer, version, "rate 1.5")
    expect(viewer.locator("#sync-status")).to_have_text("In sync")
    expect(viewer.locator("#player-clock")).to_contain_text("1:0")
    screenshot(viewer, "party-nosock-wide")
    viewer.set_viewport_size({"width": 390, "height": 844})
    screenshot(viewer, "party-nosock-phone")
    viewer.set_viewport_size({"width": 1280, "height": 800})
    host.get_by_role("button", name="Pause", exact=True).click()
    version = follows(host, viewer, version, "pause")

    # Chat both ways: the host's line arrives over the stream; the viewer's goes by HTTP.
    host.get_by_label("Message").fill("from the host, over the socket")
    host.get_by_role("button", name="Send").click()
    expect(
        viewer.locator(".chat-message", has_text="from the host, over the socket")
    ).to_be_visible()
    viewer.get_by_label("Message").fill("from the viewer, without one")
    viewer.get_by_role("button", name="Send").click()
    expect(viewer.get_by_label("Message")).to_have_value("")
    expect(host.locator(".chat-message", has_text="from the viewer, without one")).to_be_visible()
    expect(viewer.locator(".chat-message", has_text="from the viewer, without one")).to_have_count(
        1
    )
    assert "/parties/" in viewer.url  # sent by fetch: the page stayed

    # Reactions both ways.
    host.get_by_role("button", name="🎉").click()
    expect(viewer.locator("#reaction-layer .reaction-float", has_text="🎉")).to_have_count(1)
    viewer.get_by_role("button", name="🔥").click()
    expect(host.locator("#reaction-layer .reaction-float", has_text="🔥")).to_have_count(1)

    # Someone comes and goes.
    guest_context = browser.new_context()
    guest = guest_context.new_page()
    guest_name = f"guest_{next(_n)}"
    sign_up(guest, base, guest_name)
    join_by_invite(guest, invite)
    wait_ready(guest)  # its socket has joined: nothing of it comes after the leave
    expect(viewer.locator(".chat-system", has_text=f"{guest_name} joined.")).to_be_visible()
    expect(viewer.locator("#party-count")).to_have_text("3")
    guest.get_by_role("button", name="Leave").click()
    expect(viewer.locator(".chat-system", has_text=f"{guest_name} left.")).to_be_visible()
    # The count is of people watching: the guest's closed page stops counting after the
    # presence grace (PRESENCE_LINGER_SECONDS).
    expect(viewer.locator("#party-count")).to_have_text("2", timeout=15_000)
    guest_context.close()

    # The host ends the party (and says yes when asked); the viewer's page becomes the
    # ended party's page.
    host.once("dialog", lambda dialog: dialog.accept())
    host.get_by_role("button", name="End the party").click()
    expect(viewer.locator("#party-banner")).to_have_text("This party has ended.")
    expect(viewer.get_by_label("Message")).to_have_count(0)
    assert viewer_errors == []
    host_context.close()
    viewer_context.close()


def test_a_refused_socket_falls_back_to_the_event_stream(
    browser: Browser, shared_server, media_url
):
    """The client script loads but its endpoint is refused: no endless "Reconnecting…"."""
    base = shared_server.url
    context = browser.new_context()
    without_socketio(context, script_too=False)
    page = context.new_page()
    sign_up(page, base, f"refused_{next(_n)}")
    start_party(page, base, media_url, "Refused socket")
    page.wait_for_function(READY, timeout=15_000)
    assert page.evaluate("typeof window.io") == "function"
    assert page.evaluate("window.TandemParty.transport.kind") == "sse"
    expect(page.locator("#sync-status")).to_have_text("Paused")
    expect(page.locator("#party-link")).to_contain_text("cannot drive playback")
    expect(page.locator("#driver-controls")).to_be_hidden()
    screenshot(page, "party-nosock-host")
    context.close()


def test_an_open_party_page_learns_its_sign_in_ended(browser: Browser, shared_server, media_url):
    """The person logs out in another tab, which closes their sockets and streams: the
    party page does not try to reconnect forever, it says the sign-in ended."""
    base = shared_server.url
    context = browser.new_context()
    party = context.new_page()
    sign_up(party, base, f"signedout_{next(_n)}")
    start_party(party, base, media_url, "Signed out elsewhere")
    wait_ready(party)
    assert party.evaluate("window.TandemParty.transport.kind") == "socket"
    elsewhere = context.new_page()
    elsewhere.goto(base + "/")
    elsewhere.get_by_role("navigation", name="Main").get_by_role("button", name="Log out").click()
    party.wait_for_url("**/signed-out", timeout=15_000)
    expect(party.get_by_role("heading", level=1)).to_have_text("You are signed out")
    context.close()


def test_a_ban_reaches_an_open_party_page_within_two_seconds(
    browser: Browser, shared_server, media_url
):
    base = shared_server.url
    context = browser.new_context(viewport={"width": 390, "height": 844})
    party = context.new_page()
    name = f"banned_{next(_n)}"
    sign_up(party, base, name)
    start_party(party, base, media_url, "Banned mid-party")
    wait_ready(party)
    admin = register(base)
    shared_server.set_role(admin.username, "admin")
    started = time.monotonic()
    response = requests.post(
        f"{base}/api/v1/admin/users/{name}/ban",
        json={"reason": "Spoilers on purpose"},
        headers=admin.headers,
        timeout=10,
    )
    assert response.status_code == 200, response.text
    party.wait_for_url(re.compile(r"/signed-out$"), timeout=15_000)
    took = time.monotonic() - started
    expect(party.get_by_role("heading", level=1)).to_have_text("Your account is banned")
    expect(party.locator(".ban-reason")).to_have_text("Spoilers on purpose")
    assert took < 2.0, f"the ban took {took:.2f} s to reach the party page"
    context.close()
