"""The YouTube player adapter and the sync loop, against a stand-in for the YouTube IFrame
API (no outside site is reachable): real party pages, a real server, and a fake `YT.Player`
that keeps time like the real one and records every call made to it."""

from __future__ import annotations

import itertools

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import sign_up, watch_for_errors

pytestmark = [pytest.mark.browser, pytest.mark.server]

_n = itertools.count(1)
VIDEO_ID = "dQw4w9WgXcQ"
NEXT_ID = "aqz-KE-bpKQ"
IFRAME_API = "https://www.youtube.com/iframe_api"

# The parts of https://developers.google.com/youtube/iframe_api_reference the adapter uses.
FAKE_IFRAME_API = """
(function () {
  var State = {UNSTARTED: -1, ENDED: 0, PLAYING: 1, PAUSED: 2, BUFFERING: 3, CUED: 5};
  var calls = [];
  var players = [];
  function now() { return performance.now(); }

  function Player(element, options) {
    this.element = typeof element === "string" ? document.getElementById(element) : element;
    this.options = options;
    this.state = State.UNSTARTED;
    this.base = 0;
    this.since = now();
    this.rate = 1;
    this.duration = 600;
    players.push(this);
    this._record("new", [options.videoId, options.playerVars]);
    var self = this;
    setTimeout(function () { options.events.onReady({target: self}); }, 20);
  }
  Player.prototype = {
    _record: function (name, args) {
      calls.push({name: name, args: Array.prototype.slice.call(args), at: now(),
                  player: players.indexOf(this)});
    },
    _time: function () {
      var t = this.base;
      if (this.state === State.PLAYING) { t += (now() - this.since) / 1000 * this.rate; }
      return Math.min(t, this.duration);
    },
    _set: function (state) {
      this.base = this._time();
      this.since = now();
      this.state = state;
      this.options.events.onStateChange({target: this, data: state});
    },
    playVideo: function () {
      var self = this;
      this._record("playVideo", arguments);
      this._set(State.BUFFERING);
      setTimeout(function () {
        if (self.state === State.BUFFERING) { self._set(State.PLAYING); }
      }, 30);
    },
    pauseVideo: function () { this._record("pauseVideo", arguments); this._set(State.PAUSED); },
    seekTo: function (seconds, allowSeekAhead) {
      this._record("seekTo", arguments);
      this.base = seconds;
      this.since = now();
    },
    setPlaybackRate: function (rate) {
      this._record("setPlaybackRate", arguments);
      this.base = this._time();
      this.since = now();
      this.rate = rate;
    },
    getCurrentTime: function () { return this._time(); },
    getPlayerState: function () { return this.state; },
    getDuration: function () { return this.duration; },
    getIframe: function () { return this.element; },
    mute: function () { this._record("mute", arguments); },
    unMute: function () { this._record("unMute", arguments); },
    setVolume: function (volume) { this._record("setVolume", arguments); },
    destroy: function () { this._record("destroy", arguments); },
    // What a person or the network does, for the tests:
    jump: function (by) { this.base = this._time() + by; this.since = now(); },
    userPause: function () { this._set(State.PAUSED); },
    end: function () { this.base = this.duration; this.since = now(); this._set(State.ENDED); }
  };
  window.YT = {Player: Player, PlayerState: State, loaded: 1};
  window.fakeYouTube = {calls: calls, players: players};
  setTimeout(function () {
    if (typeof window.onYouTubeIframeAPIReady === "function") { window.onYouTubeIframeAPIReady(); }
  }, 0);
})();
"""

READY = """() => {
  const party = window.TandemParty;
  return !!(party && party.clock.known && party.player && party.player.kind === "youtube"
            && party.player.isReady() && party.state()
            && document.getElementById("sync-status").textContent !== "Joining…");
}"""
# The calls made to the newest fake player, with the page's expected position when each
# call was made (the call log's `at` is on the same clock as performance.now()).
CALLS = """(name) => window.fakeYouTube.calls.filter(
  (call) => call.name === name && call.player === window.fakeYouTube.players.length - 1)"""


def fake_youtube(context: BrowserContext) -> list[str]:
    """Serve the stand-in for the IFrame API; refuse anything else from YouTube."""
    requested: list[str] = []

    def serve(route):
        requested.append(route.request.url)
        if route.request.url == IFRAME_API:
            route.fulfill(status=200, content_type="text/javascript", body=FAKE_IFRAME_API)
        else:
            route.abort()

    context.route("https://www.youtube.com/**", serve)
    context.route("https://s.ytimg.com/**", serve)
    return requested


def calls(page: Page, name: str) -> list[dict]:
    return page.evaluate(CALLS, name)


def wait_for_call(page: Page, name: str, count: int = 1) -> list[dict]:
    page.wait_for_function(f"() => ({CALLS})({name!r}).length >= {count}", timeout=10_000)
    return calls(page, name)


def position_gap(page: Page) -> float:
    return page.evaluate(
        "() => window.TandemParty.player.currentTime() - window.TandemParty.expected()"
    )


def test_youtube_adapter_and_sync_loop_drive_the_player(browser: Browser, shared_server):
    base = shared_server.url
    host_context, viewer_context = browser.new_context(), browser.new_context()
    host_requests, viewer_requests = fake_youtube(host_context), fake_youtube(viewer_context)
    host, viewer = host_context.new_page(), viewer_context.new_page()
    host_errors, viewer_errors = watch_for_errors(host), watch_for_errors(viewer)
    sign_up(host, base, f"yt_host_{next(_n)}")
    sign_up(viewer, base, f"yt_viewer_{next(_n)}")

    host.goto(base + "/parties/new")
    host.get_by_label("Title").fill("Music videos")
    host.get_by_label("Video link").fill(f"https://www.youtube.com/watch?v={VIDEO_ID}&t=5")
    host.get_by_role("button", name="Start the party").click()
    invite = host.locator("#invite-link").input_value()
    viewer.goto(invite)
    viewer.get_by_role("button", name="Join the party").click()
    for page in (host, viewer):
        page.wait_for_function(READY, timeout=15_000)

    # The IFrame API is loaded once, and the player made with the party's video; nobody
    # gets YouTube's own controls (the host drives with the page's timeline).
    assert host_requests == [IFRAME_API]
    assert viewer_requests == [IFRAME_API]
    [made] = calls(host, "new")
    assert made["args"][0] == VIDEO_ID
    assert made["args"][1]["controls"] == 0
    [made] = calls(viewer, "new")
    assert made["args"][0] == VIDEO_ID
    assert made["args"][1]["controls"] == 0
    assert made["args"][1]["playsinline"] == 1
    assert viewer.locator("#party-youtube").count() == 1
    assert calls(viewer, "playVideo") == []

    # Play: the viewer's player is told to play.
    host.get_by_role("button", name="Play", exact=True).click()
    wait_for_call(viewer, "playVideo")
    expect(viewer.locator("#sync-status")).to_have_text("In sync")

    # Seek: the viewer's player is sent to where the party is, with seekTo(t, true).
    host.locator("#seek-slider").fill("120")
    seeks = wait_for_call(viewer, "seekTo")
    target, allow_seek_ahead = seeks[-1]["args"]
    assert allow_seek_ahead is True
    assert 119.9 <= target <= 121.0, target
    viewer.wait_for_timeout(1_500)
    gap = position_gap(viewer)
    print(f"\nYouTube viewer after the seek: {gap:+.3f} s from the party's position")
    assert abs(gap) <= 0.5
    assert 121 < viewer.evaluate("window.TandemParty.player.currentTime()") < 125

    # The viewer's player falls behind (a stall): the loop seeks it back.
    before = len(calls(viewer, "seekTo"))
    viewer.evaluate("window.fakeYouTube.players[0].jump(-3)")
    corrected = wait_for_call(viewer, "seekTo", before + 1)[-1]["args"][0]
    expected = viewer.evaluate("window.TandemParty.expected()")
    assert abs(corrected - expected) < 0.6, (corrected, expected)
    viewer.wait_for_timeout(500)
    assert abs(position_gap(viewer)) <= 0.5

    # Rate: setPlaybackRate with the party's rate.
    host.get_by_label("Speed").select_option("1.5")
    rates = wait_for_call(viewer, "setPlaybackRate")
    assert rates[-1]["args"] == [1.5]
    viewer.wait_for_timeout(1_000)
    assert abs(position_gap(viewer)) <= 0.5

    # The host pauses with YouTube's own button: the party pauses, the viewer too.
    host.evaluate("window.fakeYouTube.players[0].userPause()")
    wait_for_call(viewer, "pauseVideo")
    expect(host.get_by_role("button", name="Play", exact=True)).to_be_visible()
    viewer.wait_for_timeout(500)
    paused_at = viewer.evaluate("window.TandemParty.state().position")
    assert abs(viewer.evaluate("window.TandemParty.player.currentTime()") - paused_at) <= 0.1
    assert viewer.evaluate("window.TandemParty.state().playing") is False

    # A viewer's own pause in the player is undone: the party is what counts.
    host.get_by_role("button", name="Play", exact=True).click()
    plays = len(wait_for_call(viewer, "playVideo", 2))
    viewer.evaluate("window.fakeYouTube.players[0].userPause()")
    wait_for_call(viewer, "playVideo", plays + 1)
    assert host.evaluate("window.TandemParty.state().playing") is True

    # The host drags YouTube's position bar: everyone follows.
    host.wait_for_timeout(1_200)
    before = len(calls(viewer, "seekTo"))
    host.evaluate("window.fakeYouTube.players[0].jump(60)")
    target = wait_for_call(viewer, "seekTo", before + 1)[-1]["args"][0]
    host_at = host.evaluate("window.TandemParty.player.currentTime()")
    assert abs(target - host_at) < 1.0, (target, host_at)

    # At the end of the video, the host's page moves the party to the next queued one.
    host.get_by_label("Video link").fill(f"https://youtu.be/{NEXT_ID}")
    host.get_by_role("button", name="Add to the queue").click()
    expect(host.locator("#party-queue")).to_contain_text(NEXT_ID)
    host.evaluate("window.fakeYouTube.players[0].end()")
    viewer.wait_for_function(
        f"() => window.fakeYouTube.players.length === 2 && "
        f"window.fakeYouTube.calls.some(c => c.name === 'new' && c.args[0] === {NEXT_ID!r})"
    )
    viewer.wait_for_function(READY)
    wait_for_call(viewer, "playVideo")
    assert [c["name"] for c in viewer.evaluate("window.fakeYouTube.calls")].count("destroy") == 1
    expect(host.locator("#party-queue")).to_contain_text("Nothing queued.")
    assert viewer_requests == [IFRAME_API]  # the API is not loaded again

    assert host_errors == []
    assert viewer_errors == []
    host_context.close()
    viewer_context.close()
