"""Watch parties as people use them, in a real browser on a real server with local video
files: the end of the media (finished, or the next queued item for everyone), one drag of
the timeline is one seek, guests see progress rather than controls, an ended party's page,
and a name in the chat opening a card. On a desktop and on a phone-sized screen."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import screenshot, sign_up, watch_for_errors
from tests.browser.test_party_sync import join_by_invite, start_party
from tests.support.media import encode_clip, served

pytestmark = [pytest.mark.browser, pytest.mark.server]

_n = itertools.count(1)
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
SCREENS = [pytest.param(DESKTOP, id="desktop"), pytest.param(PHONE, id="phone")]
CLIPS = {"short.webm": 4, "after.webm": 4, "long.webm": 40}

READY = """() => {
  const party = window.TandemParty;
  return !!(party && party.clock.known && party.player && party.player.isReady()
            && party.state() && party.state().duration > 0
            && document.getElementById("sync-status").textContent !== "Joining…");
}"""
# Every party:state this page receives, by version, from the moment it is called.
COUNT_STATES = """() => {
  window.__states = [];
  window.TandemParty.transport.on("party:state", (s) => window.__states.push(s.version));
}"""


@pytest.fixture(scope="module")
def media(tmp_path_factory) -> Iterator[str]:
    """Short local clips served with byte ranges; yields the folder's base URL."""
    folder = tmp_path_factory.mktemp("truth-media")
    for name, seconds in CLIPS.items():
        encode_clip(folder / name, seconds, key_frame_every=25)
    with served(folder) as base:
        yield base


def pair(browser: Browser, base: str, media_url: str, title: str, screen: dict):
    """A host who starts a party and a guest who joins it, both ready to follow it."""
    contexts = [browser.new_context(viewport=screen) for _ in range(2)]
    host, guest = (context.new_page() for context in contexts)
    for page in (host, guest):
        page.set_default_timeout(15_000)
    n = next(_n)
    sign_up(host, base, f"truthhost_{n}")
    sign_up(guest, base, f"truthguest_{n}")
    invite = start_party(host, base, media_url, title)
    join_by_invite(guest, invite)
    for page in (host, guest):
        page.wait_for_function(READY, timeout=20_000)
    return contexts, host, guest


def play(host: Page) -> None:
    host.get_by_role("button", name="Play", exact=True).click()
    expect(host.get_by_role("button", name="Pause", exact=True)).to_be_visible()


def close(contexts) -> None:
    for context in contexts:
        context.close()


@pytest.mark.parametrize("screen", SCREENS)
def test_the_end_with_nothing_queued_is_finished_for_everyone(
    browser: Browser, shared_server, media, screen
):
    contexts, host, guest = pair(
        browser, shared_server.url, media + "short.webm", "Short one", screen
    )
    errors = watch_for_errors(host) + watch_for_errors(guest)
    # Guests have no browser controls and see a progress bar; the host gets the timeline.
    assert guest.evaluate("() => document.getElementById('party-video').controls") is False
    assert host.evaluate("() => document.getElementById('party-video').controls") is False
    expect(guest.locator("#party-progress")).to_be_visible()
    expect(guest.locator("#driver-controls")).to_be_hidden()
    expect(host.get_by_role("slider", name="Position in the video for everyone")).to_be_visible()
    expect(host.locator("#party-progress")).to_be_hidden()

    play(host)
    expect(host.locator("#sync-status")).to_have_text("Finished: pick something next")
    expect(guest.locator("#sync-status")).to_contain_text("Finished")
    for page in (host, guest):
        state = page.evaluate("() => window.TandemParty.state()")
        assert state["playing"] is False
        assert state["position"] == state["duration"]
        expect(page.locator("#sync-status")).not_to_contain_text("Catching up")
        expect(page.get_by_role("button", name="Play", exact=True)).to_have_count(
            1 if page is host else 0
        )
    expect(guest.locator("#player-clock")).to_have_text("0:04 / 0:04")
    screenshot(host, f"party-finished-host-{screen['width']}")
    screenshot(guest, f"party-finished-guest-{screen['width']}")
    # Play after the end starts the media again, for everyone.
    host.get_by_role("button", name="Play", exact=True).click()
    guest.wait_for_function(
        "() => { const s = window.TandemParty.state(); return s.playing && s.position < 1; }"
    )
    assert errors == []
    close(contexts)


@pytest.mark.parametrize("screen", SCREENS)
def test_the_end_starts_the_queued_item_for_everyone(
    browser: Browser, shared_server, media, screen
):
    contexts, host, guest = pair(
        browser, shared_server.url, media + "short.webm", "Double bill", screen
    )
    expect(guest.locator("#now-playing")).to_have_text("Double bill")
    host.locator("#queue-media").fill(media + "after.webm")
    host.locator("#queue-title").fill("The second clip")
    host.get_by_role("button", name="Add to the queue").click()
    expect(host.locator("#party-queue")).to_contain_text("The second clip")
    guest.evaluate(COUNT_STATES)

    play(host)
    for page in (host, guest):
        expect(page.locator("#now-playing")).to_have_text("The second clip")
        page.wait_for_function(
            "() => document.getElementById('party-video').src.endsWith('/after.webm')"
        )
    # One advance: the guest saw one state with the second clip, however many reported.
    guest.wait_for_function("() => window.TandemParty.state().duration > 0")
    urls = guest.evaluate("() => window.TandemParty.state().media_url")
    assert urls.endswith("/after.webm")
    expect(host.locator("#party-queue")).to_contain_text("Nothing queued")
    screenshot(guest, f"party-next-guest-{screen['width']}")
    close(contexts)


def test_one_drag_of_the_timeline_is_one_seek(browser: Browser, shared_server, media):
    contexts, host, guest = pair(
        browser, shared_server.url, media + "long.webm", "Drag it", DESKTOP
    )
    guest.evaluate(COUNT_STATES)
    before = host.evaluate("() => window.TandemParty.state().version")
    slider = host.get_by_role("slider", name="Position in the video for everyone")
    slider.scroll_into_view_if_needed()
    box = slider.bounding_box()
    y = box["y"] + box["height"] / 2
    host.mouse.move(box["x"] + 4, y)
    host.mouse.down()
    for step in range(1, 21):  # a slow drag across most of the bar
        host.mouse.move(box["x"] + 4 + step * (box["width"] * 0.7) / 20, y)
    host.mouse.up()
    host.wait_for_function(f"() => window.TandemParty.state().version === {before + 1}")
    # A later command marks the end of what the drag could have sent.
    host.get_by_role("button", name="Play", exact=True).click()
    guest.wait_for_function(f"() => window.__states.includes({before + 2})")
    assert guest.evaluate("() => window.__states") == [before + 1, before + 2]
    seek_to = guest.evaluate("() => window.TandemParty.state().position")
    assert 20 < seek_to < 32

    # The keyboard moves it too: one key press is one seek.
    slider.focus()
    host.keyboard.press("Home")
    guest.wait_for_function("() => window.TandemParty.expected() < 3")
    screenshot(host, "party-timeline-host-1280")
    close(contexts)


@pytest.mark.parametrize("screen", SCREENS)
def test_an_ended_party_switches_an_open_guest_page(browser: Browser, shared_server, media, screen):
    contexts, host, guest = pair(
        browser, shared_server.url, media + "long.webm", "Ending soon", screen
    )
    expect(guest.locator(".party-status-live")).to_have_count(1)
    host.once("dialog", lambda dialog: dialog.accept())  # the host says yes when asked
    host.get_by_role("button", name="End the party").click()
    banner = guest.locator("#party-banner")
    expect(banner).to_have_text("This party has ended.")
    expect(guest.get_by_text("has ended")).to_have_count(1)
    expect(guest.locator(".party-status-live")).to_have_count(0)
    expect(guest.locator("#party-count")).to_have_count(0)
    expect(guest.get_by_role("button", name="Leave")).to_have_count(0)
    expect(guest.locator(".party-over")).to_contain_text("Watched: Ending soon")
    expect(guest.get_by_role("link", name="Start another party")).to_be_visible()
    expect(host.get_by_text("has ended")).to_have_count(1)
    screenshot(guest, f"party-ended-guest-{screen['width']}")
    close(contexts)


@pytest.mark.parametrize("screen", SCREENS)
def test_a_name_in_the_chat_opens_a_card_and_the_party_stays(
    browser: Browser, shared_server, media, screen
):
    contexts, host, guest = pair(
        browser, shared_server.url, media + "long.webm", "Who said that", screen
    )
    guest.get_by_label("Message").fill("hello from the guest")
    guest.get_by_role("button", name="Send").click()
    message = host.locator(".chat-message", has_text="hello from the guest")
    expect(message).to_be_visible()
    party_url = host.url
    guest_name = guest.locator(".nav-user").inner_text().lstrip("@")

    message.locator(".chat-sender").click()
    card = host.get_by_role("dialog", name=guest_name)
    expect(card).to_be_visible()
    expect(card).to_contain_text("@" + guest_name)
    profile = card.get_by_role("link", name="Profile (new tab)")
    expect(profile).to_have_attribute("target", "_blank")
    expect(profile).to_have_attribute("href", f"/u/{guest_name}")
    assert host.url == party_url
    screenshot(host, f"party-card-host-{screen['width']}")
    host.keyboard.press("Escape")
    expect(card).to_have_count(0)
    assert host.url == party_url
    close(contexts)


@pytest.mark.parametrize("screen", SCREENS)
def test_chat_typed_right_after_a_send_is_kept(browser: Browser, shared_server, media, screen):
    """Only the sent text leaves the chat box: a line typed at once after Enter stays whole
    and goes next, in order."""
    contexts, host, guest = pair(
        browser, shared_server.url, media + "long.webm", "Quick talk", screen
    )
    box = guest.get_by_label("Message")
    box.fill("first quick line")
    box.press("Enter")
    guest.keyboard.type("second quick line")  # no pause after Enter
    expect(box).to_have_value("second quick line")
    guest.keyboard.press("Enter")
    expect(host.locator(".chat-message .chat-body")).to_have_text(
        ["first quick line", "second quick line"]
    )
    expect(box).to_have_value("")
    expect(box).to_be_focused()
    close(contexts)


# Loses the server's answer to the next `party:message` this page sends (the message itself
# goes through), as a dropped connection can between the server's write and the browser.
LOSE_NEXT_CHAT_ANSWER = """() => {
  const proto = window.io.Socket.prototype;
  const emit = proto.emit;
  const onack = proto.onack;
  let lost = null;
  let armed = true;
  proto.emit = function (name, ...rest) {
    if (armed && name === "party:message") { armed = false; lost = this.ids; }
    return emit.call(this, name, ...rest);
  };
  proto.onack = function (packet) {
    if (packet.id === lost) { lost = null; return; }
    return onack.call(this, packet);
  };
}"""


def test_a_chat_line_whose_answer_was_lost_is_stored_once(browser: Browser, shared_server, media):
    """The answer to a chat line never comes: the line comes back into the box, and sending
    it again as it is finds the stored line instead of storing it twice."""
    contexts, host, guest = pair(browser, shared_server.url, media + "long.webm", "Lost", DESKTOP)
    guest.evaluate(LOSE_NEXT_CHAT_ANSWER)
    box = guest.get_by_label("Message")
    box.fill("only once")
    box.press("Enter")
    expect(host.locator(".chat-message .chat-body")).to_have_text(["only once"])
    expect(guest.get_by_text("No answer from the server; try again.")).to_be_visible()
    expect(box).to_have_value("only once")
    box.press("Enter")
    expect(box).to_have_value("")
    box.fill("after it")
    box.press("Enter")
    for page in (host, guest):
        expect(page.locator(".chat-message .chat-body")).to_have_text(["only once", "after it"])
    close(contexts)


@pytest.mark.parametrize("screen", SCREENS)
def test_a_host_keeps_the_controls_through_a_network_drop(
    browser: Browser, shared_server, media, screen
):
    """A few seconds without network: the host's socket reconnects, rather than the page
    settling for the event stream (which cannot drive playback)."""
    contexts, host, guest = pair(
        browser, shared_server.url, media + "long.webm", "Drop party", screen
    )
    play(host)
    host.evaluate(
        """() => {
      window.__failedTries = 0;
      window.TandemParty.transport.socket.on("connect_error", () => window.__failedTries++);
    }"""
    )
    host.context.set_offline(True)
    expect(host.locator("#sync-status")).to_have_text("Reconnecting…")
    host.wait_for_function("() => window.__failedTries >= 3", timeout=30_000)
    host.context.set_offline(False)
    host.wait_for_function(READY, timeout=30_000)
    assert host.evaluate("window.TandemParty.transport.kind") == "socket"
    host.get_by_role("button", name="Pause", exact=True).click()
    expect(guest.locator("#sync-status")).to_have_text("Paused")
    screenshot(host, f"party-after-drop-{screen['width']}")
    close(contexts)


@pytest.mark.parametrize("screen", SCREENS)
def test_the_queue_panel_redraws_in_place_with_a_clean_console(
    browser: Browser, shared_server, media, screen
):
    """The host queues a clip and plays it now from the queue panel, which htmx redraws
    in place. A field that something else styled meanwhile (a password manager marks
    fields so) keeps no inline style through the redraw for the page's policy to refuse."""
    contexts, host, guest = pair(browser, shared_server.url, media + "long.webm", "Queue", screen)
    errors = watch_for_errors(host)
    host.locator("#queue-media").fill(media + "after.webm")
    host.locator("#queue-title").fill("The second clip")
    host.evaluate("() => { document.getElementById('queue-title').style.outlineWidth = '2px'; }")
    host.get_by_role("button", name="Add to the queue").click()
    expect(host.locator("#party-queue")).to_contain_text("The second clip")
    host.get_by_role("button", name="Play the next one now").click()
    for page in (host, guest):
        expect(page.locator("#now-playing")).to_have_text("The second clip")
    expect(host.locator("#party-queue")).to_contain_text("Nothing queued")
    screenshot(host, f"party-queue-next-host-{screen['width']}")
    assert errors == []
    close(contexts)
