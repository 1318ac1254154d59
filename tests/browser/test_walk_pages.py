"""Everyday pages as people use them, in Chromium: what a page says when something sent
does not go through, and live updates that leave the browser's console clean."""

from __future__ import annotations

import itertools
import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import live, sign_up, watch_for_errors
from tests.support.clients import VIDEO

pytestmark = [pytest.mark.browser, pytest.mark.server]

_n = itertools.count(1)


def console_errors(page: Page) -> list[str]:
    """Script errors and what htmx or the Content-Security-Policy log as errors; a failed
    request (offline, a 4xx answer) is logged too and is not counted here."""
    return watch_for_errors(page, lambda text: not text.startswith("Failed to load resource"))


def start_party(host: Page, base: str, title: str) -> None:
    """Start a party on the local test video from the new-party form."""
    host.goto(base + "/parties/new")
    host.get_by_label("Title").fill(title)
    host.get_by_label("Video link").fill(VIDEO)
    host.get_by_role("button", name="Start the party").click()


def people(browser: Browser, base: str, count: int) -> list[tuple[Page, str]]:
    found = []
    for _ in range(count):
        page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
        page.set_default_timeout(10_000)
        name = f"wk_{next(_n)}_{id(page) % 10_000}"
        sign_up(page, base, name)
        found.append((page, name))
    return found


def test_a_message_sent_offline_says_it_was_not_sent(browser: Browser, shared_server):
    base = shared_server.url
    (ann, _), (_, bob_name) = people(browser, base, 2)
    ann.goto(f"{base}/u/{bob_name}")
    ann.get_by_role("button", name="Message").click()
    ann.wait_for_url(re.compile(r"/conversations/\d+$"))
    live(ann)
    box = ann.get_by_role("textbox", name="Message")

    ann.context.set_offline(True)
    box.fill("are you there?")
    ann.get_by_role("button", name="Send").click()
    expect(ann.get_by_role("alert")).to_contain_text("Not sent: there is no connection")
    expect(box).to_have_value("are you there?")  # nothing typed is lost
    expect(ann.locator("#transcript")).not_to_contain_text("are you there?")

    ann.context.set_offline(False)
    ann.get_by_role("button", name="Send").click()
    expect(ann.locator("#transcript .message-body")).to_have_text(["are you there?"])
    ann.context.close()


def test_live_updates_leave_no_errors_in_the_console(browser: Browser, shared_server):
    """A group one is added to reaches the home page, a message edited in an open chat
    settles in place: neither logs an error (a row taken off that the page never showed,
    nothing the Content-Security-Policy refuses)."""
    base = shared_server.url
    (ann, _), (bob, bob_name) = people(browser, base, 2)
    ann_errors, bob_errors = console_errors(ann), console_errors(bob)
    bob.goto(base + "/")
    live(bob)

    ann.goto(base + "/conversations")
    ann.get_by_label("Group name").fill("Walk group")
    ann.get_by_label("Members").fill(bob_name)
    ann.get_by_role("button", name="Create group").click()
    ann.wait_for_url(re.compile(r"/conversations/\d+$"))
    live(ann)
    ann.get_by_role("textbox", name="Message").fill("first")
    ann.get_by_role("button", name="Send").click()
    expect(bob.locator("#home-unread")).to_contain_text("Walk group")

    bob.get_by_role("link", name="Walk group").first.click()
    live(bob)
    mine = ann.locator("#transcript > li", has_text="first")
    mine.get_by_role("link", name="Edit").click()
    ann.locator(".message-editing").get_by_role("textbox").fill("first, edited")
    ann.locator(".message-editing").get_by_role("button", name="Save").click()
    expect(bob.locator("#transcript")).to_contain_text("first, edited")
    expect(ann.locator("#transcript")).to_contain_text("first, edited")
    ann.get_by_role("textbox", name="Message").fill("second")
    ann.get_by_role("button", name="Send").click()
    expect(bob.locator("#transcript")).to_contain_text("second")

    assert ann_errors == []
    assert bob_errors == []
    ann.context.close()
    bob.context.close()


JOINED = """() => !["Connecting…", "Joining…", "Reconnecting…"].includes(
  document.getElementById("sync-status").textContent)"""


def test_party_chat_and_reactions_sent_offline_stay_on_the_party(browser: Browser, shared_server):
    """Without its live connection the party page posts its forms the plain way; with no
    network at all that would leave the party for the browser's error page."""
    base = shared_server.url
    ((host, _),) = people(browser, base, 1)
    start_party(host, base, "Walk party")
    expect(host.get_by_role("heading", level=1)).to_have_text("Walk party")
    party_url = host.url
    host.wait_for_function(JOINED)

    host.context.set_offline(True)
    host.get_by_role("textbox", name="Message").fill("still here?")
    host.get_by_role("button", name="Send").click()
    expect(host.locator("#chat-error")).to_have_text(
        "Not sent: there is no connection. Try again when you are back online."
    )
    host.get_by_role("button", name="👍").click()
    expect(host.locator("#sync-status")).to_contain_text("Not sent")
    assert host.url == party_url
    expect(host.get_by_role("textbox", name="Message")).to_have_value("still here?")

    host.context.set_offline(False)
    host.wait_for_function(JOINED, timeout=20_000)
    host.get_by_role("button", name="Send").click()
    expect(host.locator("#chat-list")).to_contain_text("still here?")
    expect(host.locator("#chat-error")).to_be_hidden()
    host.context.close()


def test_a_room_preview_lines_up_its_buttons_on_a_phone(browser: Browser, shared_server):
    base = shared_server.url
    (owner, _), (reader, _) = people(browser, base, 2)
    owner.goto(base + "/rooms")
    owner.get_by_label("Room name").fill("Walk room")
    owner.get_by_role("button", name="Create room").click()
    owner.wait_for_url(re.compile(r"/conversations/\d+$"))

    reader.goto(owner.url)
    reader.wait_for_load_state("load")  # its stylesheets applied
    join = reader.get_by_role("button", name="Join Walk room").bounding_box()
    rooms = reader.get_by_role("link", name="All rooms").bounding_box()
    assert join
    assert rooms
    # Both are small buttons: neither is stretched to a big one's height (which leaves
    # the link's words at its top).
    assert join["height"] == rooms["height"] < 44
    assert abs((join["y"] + join["height"] / 2) - (rooms["y"] + rooms["height"] / 2)) < 1
    owner.context.close()
    reader.context.close()


def test_an_ended_party_on_a_phone_keeps_its_title_readable(browser: Browser, shared_server):
    base = shared_server.url
    ((host, _),) = people(browser, base, 1)
    start_party(host, base, "Short film")
    expect(host.get_by_role("heading", level=1)).to_have_text("Short film")
    host.wait_for_function(JOINED)
    host.once("dialog", lambda dialog: dialog.accept())
    host.get_by_role("button", name="End the party").click()
    expect(host.locator(".party-over")).to_contain_text("This party has ended.")

    host.wait_for_load_state("load")  # its stylesheets applied
    title = host.get_by_role("heading", level=1).bounding_box()
    over = host.locator(".party-over").bounding_box()
    assert title
    assert over
    assert title["height"] < 60  # one or two lines, not a letter a line
    assert over["y"] >= title["y"] + title["height"]  # under the title, not beside it
    host.context.close()


def test_people_found_on_a_phone_keep_their_names_on_one_line(browser: Browser, shared_server):
    base = shared_server.url
    (gone, gone_name), (looking, _) = people(browser, base, 2)
    gone.context.close()  # offline from now on, with a "last seen" time
    looking.goto(f"{base}/people?q={gone_name}")
    live(looking)
    row = looking.locator(".person", has_text=gone_name)
    # Their presence changes live once the grace for a reload is over.
    expect(row.locator(".presence")).to_contain_text("last seen", timeout=30_000)
    looking.wait_for_load_state("load")  # its stylesheets applied
    name = row.locator(".person-name").bounding_box()
    presence = row.locator(".presence").bounding_box()
    assert name
    assert presence
    assert name["height"] < 30  # one line
    assert presence["y"] >= name["y"] + name["height"]  # under it
    looking.context.close()


def test_a_guest_who_becomes_host_gets_the_hosts_buttons(browser: Browser, shared_server):
    base = shared_server.url
    (host, _), (guest, _) = people(browser, base, 2)
    start_party(host, base, "Hand over")
    invite = host.locator("#invite-link").input_value()
    guest.goto(invite)
    guest.get_by_role("button", name="Join the party").click()
    expect(guest.get_by_role("heading", level=1)).to_have_text("Hand over")
    guest.wait_for_function(JOINED)
    expect(guest.get_by_role("link", name="Report this party")).to_be_visible()
    expect(guest.get_by_role("button", name="End the party")).to_be_hidden()

    host.get_by_role("button", name="Leave").click()
    expect(guest.locator("#party-host")).to_have_text(guest.locator(".nav-user").inner_text()[1:])
    expect(guest.get_by_role("button", name="End the party")).to_be_visible()
    expect(guest.get_by_role("link", name="Report this party")).to_be_hidden()
    host.context.close()
    guest.context.close()


def test_a_group_shows_everyone_typing_and_a_message_ends_only_its_senders(
    browser: Browser, shared_server
):
    base = shared_server.url
    (ann, _), (bob, bob_name), (cat, cat_name) = people(browser, base, 3)
    ann.goto(base + "/conversations")
    ann.get_by_label("Group name").fill("Typing group")
    ann.get_by_label("Members").fill(f"{bob_name}, {cat_name}")
    ann.get_by_role("button", name="Create group").click()
    ann.wait_for_url(re.compile(r"/conversations/\d+$"))
    group = ann.url
    for page in (ann, bob, cat):
        if page is not ann:
            page.goto(group)
        live(page)

    bob.get_by_role("textbox", name="Message").press_sequentially("hi all", delay=20)
    expect(ann.locator(".typer")).to_have_text([f"{bob_name} is typing…"])
    cat.get_by_role("textbox", name="Message").press_sequentially("hey", delay=20)
    expect(ann.locator(".typer")).to_have_text([f"{bob_name} is typing…", f"{cat_name} is typing…"])

    bob.get_by_role("button", name="Send").click()
    expect(ann.locator("#transcript")).to_contain_text("hi all")
    expect(ann.locator(".typer")).to_have_text([f"{cat_name} is typing…"])
    for page in (ann, bob, cat):
        page.context.close()


def test_a_long_party_title_on_a_phone_leaves_the_video_high(browser: Browser, shared_server):
    base = shared_server.url
    ((host, _),) = people(browser, base, 1)
    title = "Friday film club: a title long enough to wrap on a phone, and then some more words"
    start_party(host, base, title)
    heading = host.get_by_role("heading", level=1)
    expect(heading).to_have_text(title)  # all of it, for screen readers; two lines shown

    host.wait_for_load_state("load")  # its stylesheets applied
    shown = heading.bounding_box()
    leave = host.get_by_role("button", name="Leave").bounding_box()
    head = host.locator(".party-head").bounding_box()
    assert shown
    assert leave
    assert head
    assert shown["width"] > 300  # the width of the screen, not a column beside the buttons
    assert shown["height"] < 60  # two lines at most
    assert leave["y"] >= shown["y"] + shown["height"]
    assert head["height"] < 220  # the video comes soon after, not a screen further down
    host.context.close()


CONTRAST = """(element) => {
  const channels = (color) => color.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const luminance = (color) => {
    const [r, g, b] = channels(color).map((v) => {
      const c = v / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const style = getComputedStyle(element);
  const [a, b] = [luminance(style.color), luminance(style.backgroundColor)];
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_filled_buttons_tabs_and_badges_are_readable(browser: Browser, shared_server, scheme):
    base = shared_server.url
    (reader, reader_name), (fan, _) = people(browser, base, 2)
    fan.goto(f"{base}/u/{reader_name}")
    fan.get_by_role("button", name="Follow").click()
    expect(fan.get_by_role("button", name="Unfollow")).to_be_visible()
    reader.emulate_media(color_scheme=scheme)

    reader.goto(base + "/parties")
    badge = reader.locator("#notification-count .badge")
    expect(badge).to_have_text(re.compile("1"))
    filled = [
        badge,
        reader.get_by_role("link", name="Start a party"),
        reader.locator(".tabs a[aria-current=page]"),
    ]
    for element in filled:
        assert element.evaluate(CONTRAST) >= 4.5, element
    for page in (reader, fan):
        page.context.close()


def test_empty_lists_say_so_and_full_ones_do_not(browser: Browser, shared_server):
    base = shared_server.url
    (newcomer, _), (other, other_name) = people(browser, base, 2)
    newcomer.goto(base + "/conversations")
    note = newcomer.get_by_text("No conversations yet.")
    expect(note).to_be_visible()
    newcomer.goto(base + "/rooms?q=nothing-matches-this")
    expect(newcomer.get_by_text("No room matches.")).to_be_visible()

    newcomer.goto(f"{base}/u/{other_name}")
    newcomer.get_by_role("button", name="Message").click()
    newcomer.get_by_role("textbox", name="Message").fill("hello")
    newcomer.get_by_role("button", name="Send").click()
    expect(newcomer.locator("#transcript")).to_contain_text("hello")
    newcomer.goto(base + "/conversations")
    expect(newcomer.locator(".conversation-row")).to_have_count(1)
    expect(note).to_be_hidden()
    for page in (newcomer, other):
        page.context.close()


LINE_STARTS_WITH_A_DOT = """(paragraph) => {
  const left = paragraph.getBoundingClientRect().left;
  const walker = document.createTreeWalker(paragraph, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (let i = node.data.indexOf("·"); i !== -1; i = node.data.indexOf("·", i + 1)) {
      const range = document.createRange();
      range.setStart(node, i);
      range.setEnd(node, i + 1);
      if (range.getBoundingClientRect().left - left < 2) { return true; }
    }
  }
  return false;
}"""


def test_a_party_invitation_wraps_its_line_as_text(browser: Browser, shared_server):
    base = shared_server.url
    (host, _), (guest, _) = people(browser, base, 2)
    start_party(host, base, "Wrapping")
    invite = host.locator("#invite-link").input_value()
    guest.goto(invite)
    about = guest.locator(".party-about")
    guest.wait_for_load_state("load")  # its stylesheets applied
    box = about.bounding_box()
    assert box
    assert box["height"] > 30  # it does wrap on a phone ...
    assert about.evaluate(LINE_STARTS_WITH_A_DOT) is False  # ... but not before a " · "
    for page in (host, guest):
        page.context.close()


def test_a_party_page_without_scripts_shows_no_stale_sync_status(browser: Browser, shared_server):
    base = shared_server.url
    ((host, _),) = people(browser, base, 1)
    start_party(host, base, "No scripts here")
    invite = host.locator("#invite-link").input_value()
    expect(host.locator("#sync-status")).to_be_visible()  # the script keeps it true

    context = browser.new_context(java_script_enabled=False)
    guest = context.new_page()
    sign_up(guest, base, f"wk_nojs_{next(_n)}")
    guest.goto(invite)
    guest.get_by_role("button", name="Join the party").click()
    expect(guest.get_by_role("heading", level=1)).to_have_text("No scripts here")
    expect(guest.locator("#sync-status")).to_be_hidden()  # not "Connecting…" for ever
    context.close()
    host.context.close()
