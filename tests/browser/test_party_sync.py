"""Two browsers in one watch party, on a real server, with a real video file: the host
plays and seeks, the viewer's video follows to within a quarter of a second; chat with
video timestamps, reactions, the autoplay overlay, and the end of the party."""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import screenshot, sign_up, watch_for_errors
from tests.support.media import encode_clip, served

pytestmark = [pytest.mark.browser, pytest.mark.server]

_n = itertools.count(1)
CLIP_SECONDS = 120
SKEW_LIMIT = 0.25

READY = """() => {
  const party = window.TandemParty;
  return !!(party && party.clock.known && party.player && party.player.isReady()
            && party.state() && document.getElementById("sync-status").textContent !== "Joining…");
}"""
# The video's position and the wall clock (ms, shared by every page on this machine) at
# the same instant.
SAMPLE = """() => {
  const video = document.getElementById("party-video");
  return {t: video.currentTime, wall: performance.timeOrigin + performance.now(),
          rate: video.playbackRate, paused: video.paused};
}"""


# -- a test video --------------------------------------------------------------------
@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> Path:
    return encode_clip(tmp_path_factory.mktemp("media") / "clip.webm", CLIP_SECONDS)


@pytest.fixture(scope="module")
def media_url(clip: Path) -> Iterator[str]:
    with served(clip.parent) as base:
        yield base + clip.name


# -- helpers ----------------------------------------------------------------------------
def start_party(page: Page, base: str, media: str, title: str) -> str:
    """Create a party through the form; returns the invite link shown on its page."""
    page.goto(base + "/parties/new")
    page.get_by_label("Title").fill(title)
    page.get_by_label("Video link").fill(media)
    page.get_by_role("button", name="Start the party").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    return page.locator("#invite-link").input_value()


def join_by_invite(page: Page, invite: str) -> None:
    page.goto(invite)
    page.get_by_role("button", name="Join the party").click()
    expect(page.locator("#party-data")).to_have_count(1)


def wait_ready(page: Page) -> None:
    page.wait_for_function(READY, timeout=15_000)


def click_through_overlay(page: Page) -> bool:
    overlay = page.locator("#autoplay-overlay")
    try:
        overlay.wait_for(state="visible", timeout=4_000)
    except Exception:
        return False
    page.get_by_role("button", name="Click to join playback").click()
    expect(overlay).to_be_hidden()
    return True


def skews(host: Page, viewer: Page, samples: int = 7) -> list[float]:
    """The viewer's position minus the host's, corrected for the moment between the two
    reads (the wall clock is shared, the playback rate known)."""
    found = []
    for _ in range(samples):
        first = host.evaluate(SAMPLE)
        second = viewer.evaluate(SAMPLE)
        between = (second["wall"] - first["wall"]) / 1000
        found.append(second["t"] - (first["t"] + between * first["rate"]))
        host.wait_for_timeout(150)
    return found


def new_pair(browser: Browser, base: str, media: str, title: str):
    host_context, viewer_context = browser.new_context(), browser.new_context()
    host, viewer = host_context.new_page(), viewer_context.new_page()
    for page in (host, viewer):
        page.set_default_timeout(10_000)
    sign_up(host, base, f"host_{next(_n)}")
    sign_up(viewer, base, f"viewer_{next(_n)}")
    invite = start_party(host, base, media, title)
    join_by_invite(viewer, invite)
    return host_context, viewer_context, host, viewer


# -- the tests --------------------------------------------------------------------------
def test_viewer_follows_the_host_within_a_quarter_second(
    browser: Browser, shared_server, media_url
):
    base = shared_server.url
    host_context, viewer_context, host, viewer = new_pair(browser, base, media_url, "Sync check")
    host_errors, viewer_errors = watch_for_errors(host), watch_for_errors(viewer)
    for page in (host, viewer):
        wait_ready(page)
    expect(host.locator("#driver-controls")).to_be_visible()
    expect(viewer.locator("#driver-controls")).to_be_hidden()
    expect(viewer.locator("#party-count")).to_have_text("2")

    host.get_by_role("button", name="Play", exact=True).click()
    expect(host.get_by_role("button", name="Pause", exact=True)).to_be_visible()
    overlay_shown = click_through_overlay(viewer)
    print(f"\nautoplay overlay shown to the viewer: {overlay_shown}")
    host.locator("#seek-slider").fill("60")
    viewer.wait_for_timeout(4_000)

    measured = skews(host, viewer)
    worst = max(abs(s) for s in measured)
    host_at = host.evaluate(SAMPLE)
    print(
        "skew viewer-host (s): "
        + ", ".join(f"{s:+.3f}" for s in measured)
        + f"; median {statistics.median(measured):+.3f}, worst {worst:.3f};"
        + f" host at {host_at['t']:.2f} s"
    )
    assert not host_at["paused"]
    assert 62 < host_at["t"] < 75, "the host did not play on from 60 s"
    assert worst <= SKEW_LIMIT, f"viewer is {worst:.3f} s off the host"
    expect(viewer.locator("#sync-status")).to_have_text("In sync")

    # A pause holds both at the same frame.
    host.get_by_role("button", name="Pause", exact=True).click()
    viewer.wait_for_function("() => document.getElementById('party-video').paused")
    viewer.wait_for_timeout(800)
    paused_host, paused_viewer = host.evaluate(SAMPLE), viewer.evaluate(SAMPLE)
    print(f"paused at host {paused_host['t']:.3f} s, viewer {paused_viewer['t']:.3f} s")
    assert abs(paused_host["t"] - paused_viewer["t"]) <= 0.15
    screenshot(host, "party-host")
    screenshot(viewer, "party-viewer")
    assert host_errors == []
    assert viewer_errors == []
    host_context.close()
    viewer_context.close()


def test_chat_timestamps_reactions_and_the_end(browser: Browser, shared_server, media_url):
    base = shared_server.url
    host_context, viewer_context, host, viewer = new_pair(browser, base, media_url, "Chatty")
    host_errors, viewer_errors = watch_for_errors(host), watch_for_errors(viewer)
    for page in (host, viewer):
        wait_ready(page)
    host.locator("#seek-slider").fill("30")
    expect(viewer.locator("#player-clock")).to_contain_text("0:30")

    # The viewer's message carries the video time and shows in the host's page.
    viewer.get_by_label("Message").fill("<b>this</b> part!")
    host_typing = host.locator("#typing-line")
    expect(host_typing).to_contain_text("is typing")
    viewer.get_by_role("button", name="Send").click()
    expect(viewer.get_by_label("Message")).to_have_value("")
    message = host.locator(".chat-message", has_text="<b>this</b> part!")
    expect(message).to_be_visible()
    expect(message.locator(".chat-time")).to_have_text("0:30")
    assert message.locator("b").count() == 0  # shown as text
    expect(host_typing).to_have_text("")

    # A viewer who clicks a timestamp steps out of sync and is told so.
    host.locator("#seek-slider").fill("5")
    expect(viewer.locator("#player-clock")).to_contain_text("0:05")
    viewer.locator(".chat-message .chat-time").first.click()
    expect(viewer.locator("#stay-in-sync")).not_to_be_checked()
    expect(viewer.locator("#sync-status")).to_contain_text("Sync is off")
    expect(viewer.locator("#player-clock")).to_contain_text("0:30")
    viewer.get_by_label("Stay in sync").check()
    expect(viewer.locator("#player-clock")).to_contain_text("0:05")
    # The host's click moves the whole party.
    host.locator(".chat-message .chat-time").first.click()
    expect(viewer.locator("#player-clock")).to_contain_text("0:30")

    # A reaction floats over the other person's player for about three seconds.
    host.get_by_role("button", name="🎉").click()
    floating = viewer.locator("#reaction-layer .reaction-float", has_text="🎉")
    expect(floating).to_have_count(1)
    expect(floating).to_have_count(0, timeout=6_000)

    # Made a co-host, the viewer gets the controls at once and drives the party.
    viewer_name = viewer.locator(".nav-user").inner_text().lstrip("@")
    host.get_by_role("button", name=f"Make co-host {viewer_name}").click()
    expect(host.locator("#party-people .panel-note")).to_have_text(
        f"{viewer_name} is a co-host now."
    )
    expect(viewer.locator("#driver-controls")).to_be_visible()
    expect(viewer.locator("#party-people")).to_contain_text("Co-host")
    viewer.get_by_role("button", name="Play", exact=True).click()
    host.wait_for_function("() => !document.getElementById('party-video').paused")

    # The host ends it (and says yes when asked); the viewer's page becomes the ended
    # party's page, without chat.
    host.once("dialog", lambda dialog: dialog.accept())
    host.get_by_role("button", name="End the party").click()
    expect(host.locator("#party-banner")).to_have_text("This party has ended.")
    expect(viewer.locator("#party-banner")).to_have_text("This party has ended.")
    expect(viewer.get_by_label("Message")).to_have_count(0)
    assert host_errors == []
    assert viewer_errors == []
    host_context.close()
    viewer_context.close()


# What browsers do under their autoplay policy: a play() that no click on this page led
# to is refused with NotAllowedError, until the element has once been started by one.
# (Headless Chromium here lets pages that were reached by a click play at once, whatever
# its --autoplay-policy flag says, so the viewer's browser is given this rule.)
REFUSE_AUTOPLAY = """(() => {
  const play = HTMLMediaElement.prototype.play;
  const started = new WeakSet();
  let clickedAt = -Infinity;
  for (const name of ["pointerdown", "keydown", "click"]) {
    window.addEventListener(name, (event) => {
      if (event.isTrusted) { clickedAt = performance.now(); }
    }, true);
  }
  window.refusedPlays = 0;
  HTMLMediaElement.prototype.play = function () {
    if (!started.has(this) && performance.now() - clickedAt > 1000) {
      window.refusedPlays += 1;
      return Promise.reject(new DOMException("play() needs a user gesture.", "NotAllowedError"));
    }
    started.add(this);
    return play.call(this);
  };
})();"""


def test_refused_autoplay_shows_a_button_that_starts_playback(
    browser: Browser, shared_server, media_url
):
    base = shared_server.url
    host_context, viewer_context, host, viewer = new_pair(browser, base, media_url, "Click first")
    viewer_context.add_init_script(REFUSE_AUTOPLAY)
    viewer.goto(viewer.url)
    errors = watch_for_errors(viewer)
    for page in (host, viewer):
        wait_ready(page)
    overlay = viewer.locator("#autoplay-overlay")
    expect(overlay).to_be_hidden()  # nothing to start while the party is paused
    host.get_by_role("button", name="Play", exact=True).click()
    host.wait_for_function("() => !document.getElementById('party-video').paused")
    expect(overlay).to_be_visible()
    expect(viewer.locator("#sync-status")).to_contain_text("waits for a click")
    assert viewer.evaluate("window.refusedPlays") >= 1
    assert viewer.evaluate("document.getElementById('party-video').paused")
    screenshot(viewer, "party-autoplay-overlay")
    viewer.get_by_role("button", name="Click to join playback").click()
    expect(overlay).to_be_hidden()
    viewer.wait_for_function("() => !document.getElementById('party-video').paused")
    viewer.wait_for_timeout(2_000)
    measured = skews(host, viewer, samples=3)
    worst = max(abs(s) for s in measured)
    print(f"\nafter the overlay click the viewer is {worst:.3f} s off the host")
    assert worst <= SKEW_LIMIT
    # Started once, the video follows pauses and plays by itself from then on.
    host.get_by_role("button", name="Pause", exact=True).click()
    viewer.wait_for_function("() => document.getElementById('party-video').paused")
    host.get_by_role("button", name="Play", exact=True).click()
    viewer.wait_for_function("() => !document.getElementById('party-video').paused")
    expect(overlay).to_be_hidden()
    assert errors == []
    host_context.close()
    viewer_context.close()


def test_party_page_fits_a_phone(browser: Browser, shared_server, media_url):
    base = shared_server.url
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    page = context.new_page()
    sign_up(page, base, f"phone_{next(_n)}")
    start_party(page, base, media_url, "Small screen")
    wait_ready(page)
    for path in (page.url, base + "/parties", base + "/parties/new"):
        page.goto(path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px on a phone"
    page.goto(base + "/parties")
    page.get_by_role("link", name="Small screen", exact=True).click()
    wait_ready(page)
    screenshot(page, "phone-party")
    context.close()


def test_the_next_queued_video_follows_the_end(browser: Browser, shared_server, media_url):
    base = shared_server.url
    host_context, viewer_context, host, viewer = new_pair(browser, base, media_url, "Double bill")
    for page in (host, viewer):
        wait_ready(page)
    second = media_url + "?part=2"
    host.get_by_label("Video link").fill(second)
    host.get_by_label("Title", exact=True).fill("Part two")
    host.get_by_role("button", name="Add to the queue").click()
    expect(host.locator("#party-queue")).to_contain_text("Part two")
    expect(viewer.locator("#party-queue")).to_contain_text("Part two")  # refreshed live
    host.locator("#seek-slider").fill(str(CLIP_SECONDS - 3))
    host.get_by_role("button", name="Play", exact=True).click()
    # The host's page moves the party on when the video ends; everyone loads the next one.
    for page in (host, viewer):
        page.wait_for_function(
            "(url) => document.getElementById('party-video').getAttribute('src') === url",
            arg=second,
            timeout=15_000,
        )
    expect(host.locator("#party-queue")).to_contain_text("Nothing queued.")
    viewer.wait_for_function("() => document.getElementById('party-video').currentTime > 1")
    viewer.wait_for_timeout(1_500)
    worst = max(abs(s) for s in skews(host, viewer, samples=3))
    print(f"\nsecond video: the viewer is {worst:.3f} s off the host")
    assert worst <= SKEW_LIMIT
    assert host.evaluate("document.getElementById('party-video').currentTime") < 10
    host_context.close()
    viewer_context.close()
