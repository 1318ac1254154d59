"""A clip in a real Chromium on a local video: made from the form, its page plays from
the clip's start and stops at its end, and Replay plays the same range again. On a
desktop and on a phone-sized screen."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import screenshot, sign_up, watch_for_errors
from tests.support.media import served_video

pytestmark = [pytest.mark.browser, pytest.mark.server]

_n = itertools.count(1)
SCREENS = [
    pytest.param({"width": 1280, "height": 800}, id="desktop"),
    pytest.param({"width": 390, "height": 844}, id="phone"),
]
START, END = 3.0, 5.5
# Every moment the playing video is at, from the moment it is called.
RECORD_TIMES = """() => {
  window.__times = [];
  const video = document.querySelector("#clip-player video");
  video.addEventListener("timeupdate", () => {
    if (!video.paused) { window.__times.push(video.currentTime); }
  });
}"""
VIDEO_AT = "() => document.querySelector('#clip-player video').currentTime"
STARTED = """() => {
  const clip = window.TandemClip;
  const said = document.getElementById("clip-status").textContent;
  return !!clip && (!clip.player.paused() || said.includes("Press Play") || said.includes("over"));
}"""


@pytest.fixture(scope="module")
def video(tmp_path_factory) -> Iterator[str]:
    """A ten-second local video served with byte ranges; yields its URL."""
    with served_video(tmp_path_factory.mktemp("clip-media"), "ten.webm", 10) as url:
        yield url


def make_clip(page: Page, base: str, video: str) -> None:
    page.goto(base + "/clips/new")
    page.get_by_label("Title").fill("Three to five and a half")
    page.get_by_label("Video link").fill(video)
    page.get_by_label("Starts at").fill("0:03")
    page.get_by_label("Ends at").fill("0:05.5")
    page.get_by_role("button", name="Make the clip").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Three to five and a half")


def play_through(page: Page) -> list[float]:
    """Start the clip (a click if the browser waits for one) and wait for its end; the
    moments the video played at."""
    page.evaluate(RECORD_TIMES)
    # The page starts the clip itself once its player is ready; wait until it has, or
    # has asked for a click (a click while it plays would pause it).
    page.wait_for_function(STARTED)
    if "Press Play" in page.locator("#clip-status").text_content():
        page.get_by_role("button", name="Play", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="The clip is over")).to_be_visible(
        timeout=20_000
    )
    return page.evaluate("() => window.__times")


@pytest.mark.parametrize("screen", SCREENS)
def test_a_clip_plays_its_range_and_replays_it(browser: Browser, shared_server, video, screen):
    context = browser.new_context(viewport=screen)
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors = watch_for_errors(page)
    try:
        sign_up(page, shared_server.url, f"clipper_{next(_n)}")
        make_clip(page, shared_server.url, video)
        expect(page.locator("#clip-controls")).to_be_visible()

        times = play_through(page)
        assert times, "the video never played"
        assert min(times) >= START - 0.1, times
        assert max(times) <= END + 0.3, times
        assert page.evaluate(VIDEO_AT) == pytest.approx(END, abs=0.3)
        assert page.evaluate("() => document.querySelector('#clip-player video').paused")
        screenshot(page, f"clip-over-{screen['width']}")

        page.evaluate(RECORD_TIMES)
        page.get_by_role("button", name="Replay").click()
        expect(page.get_by_role("status").filter(has_text="The clip is over")).to_be_visible(
            timeout=20_000
        )
        again = page.evaluate("() => window.__times")
        assert again, "Replay did not play"
        assert min(again) <= START + 1.0, again
        assert max(again) <= END + 0.3, again
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= screen["width"], "the page is wider than the screen"
        assert errors == []
    finally:
        context.close()
