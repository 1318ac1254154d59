"""The site on a phone (390x844) and on a laptop (1280x800): one compact navigation bar
with a working menu, a party's video and chat input on screen together (its newest chat
line uncovered, nothing past the screen's edge), a conversation's composer on screen after
a long transcript; and every destructive action asks first."""

from __future__ import annotations

import itertools

import pytest
import requests
from playwright.sync_api import Browser, Page, expect

from tests.browser import test_party_sync as party_sync
from tests.browser.conftest import ARTIFACTS, live, sign_up, watch_for_errors
from tests.browser.test_party_sync import join_by_invite, start_party, wait_ready
from tests.support.clients import PASSWORD, Account, register

# The local test video and the server that lets Chromium seek in it.
clip = party_sync.clip
media_url = party_sync.media_url

pytestmark = [pytest.mark.browser, pytest.mark.server]

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 800}
_n = itertools.count(1)


def shot(page: Page, name: str) -> None:
    """What the screen shows, not the whole page: the point is what fits on it."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"screen-{name}.png"))


def api(account: Account, method: str, path: str, body: dict | None = None) -> dict:
    response = requests.request(
        method, account.base + "/api/v1" + path, json=body, headers=account.headers, timeout=10
    )
    assert response.status_code in (200, 201, 204), response.text
    return response.json() if response.content else {}


def log_in(page: Page, account: Account) -> None:
    page.goto(account.base + "/login")
    page.get_by_label("Username").fill(account.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_label(f"Signed in as {account.username}").wait_for(state="attached")


def on_screen(page: Page, selector: str) -> None:
    """The element is wholly inside the viewport as the page stands (nothing scrolled)."""
    box = page.locator(selector).bounding_box()
    assert box, f"{selector} is not shown"
    view = page.viewport_size
    assert box["y"] >= 0, (selector, box)
    assert box["y"] + box["height"] <= view["height"], (selector, box)
    assert box["x"] >= 0, (selector, box)
    assert box["x"] + box["width"] <= view["width"], (selector, box)


def fits_the_width(page: Page) -> None:
    """Nothing shown sticks out past the right edge of the screen, so the page does not
    scroll sideways and no control is cut off (a strip that scrolls on its own included)."""
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px"
    past = page.evaluate(
        """() => [...document.body.querySelectorAll('*')]
            .filter((e) => e.getClientRects().length && getComputedStyle(e).visibility !== 'hidden')
            .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5)
            .map((e) => `${e.tagName}.${e.className} right=${e.getBoundingClientRect().right}`)"""
    )
    assert past == [], past


def newest_chat_line_shows(page: Page, selector: str) -> None:
    """With the chat log scrolled to its end (the page where it stands), its last line is
    wholly inside the log's box, on screen, and not covered by anything (the message box)."""
    seen = page.evaluate(
        """(selector) => {
            const scroller = document.querySelector('#chat .chat-scroll');
            scroller.scrollTop = scroller.scrollHeight;  // the end (for a reversed column too)
            const line = document.querySelector(selector);
            const box = line.getBoundingClientRect(), frame = scroller.getBoundingClientRect();
            const inside = box.top >= frame.top - 0.5 && box.bottom <= frame.bottom + 0.5
                && box.left >= frame.left - 0.5 && box.right <= frame.right + 0.5;
            const onScreen = box.top >= 0 && box.bottom <= window.innerHeight;
            const x = (box.left + box.right) / 2;
            const uncovered = [box.top + 2, box.bottom - 2].every(
                (y) => line.contains(document.elementFromPoint(x, y)));
            return {inside, onScreen, uncovered, line: [box.top, box.bottom],
                    log: [frame.top, frame.bottom]};
        }""",
        selector,
    )
    assert seen["inside"], (selector, seen)
    assert seen["onScreen"], (selector, seen)
    assert seen["uncovered"], (selector, seen)


def direct(base: str, writer: Account, reader: Account) -> int:
    body = {"kind": "direct", "username": reader.username}
    return api(writer, "POST", "/conversations", body)["conversation"]["id"]


def say(writer: Account, conversation_id: int, text: str) -> None:
    api(writer, "POST", f"/conversations/{conversation_id}/messages", {"body": text})


def test_the_nav_is_one_bar_with_a_menu_on_a_phone(browser: Browser, shared_server):
    base = shared_server.url
    me, friend = register(base), register(base)
    say(friend, direct(base, friend, me), "Are you coming tonight? 🎬🍿")
    shared_server.set_role(me.username, "moderator")
    # Every badge of the bar shows something, as on a busy day (reports of the whole site).
    for n in range(12):
        api(
            friend,
            "POST",
            "/reports",
            {"subject_type": "user", "subject_id": friend.id, "reason": f"busy day {n}"},
        )
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors = watch_for_errors(page)
    log_in(page, me)
    live(page)

    shot(page, "home-390-nav-closed")
    nav = page.get_by_role("navigation", name="Main")
    assert nav.bounding_box()["height"] <= 64, "the bar wraps onto more than one line"
    menu = nav.get_by_role("button", name="Menu")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(nav.get_by_role("link", name="Parties")).to_be_hidden()
    # The live badges are in the bar itself, once each.
    for badge in ("#message-count", "#notification-count", "#reports-count"):
        expect(page.locator(badge)).to_have_count(1)
    expect(page.locator("#message-count .badge")).to_have_text("1 unread")
    on_screen(page, "#message-count .badge")
    expect(nav.get_by_role("link", name="Messages 1 unread")).to_be_visible()

    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(nav.get_by_role("link", name="Parties")).to_be_visible()
    on_screen(page, ".nav-links")
    shot(page, "home-390-nav-open")
    nav.get_by_role("link", name="Parties").click()
    expect(page).to_have_url(base + "/parties")
    live(page)  # the new page's scripts have run
    expect(menu).to_have_attribute("aria-expanded", "false")

    # By keyboard: Enter opens, Tab walks into the links, Escape folds them and comes back.
    menu.focus()
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Tab")
    expect(nav.get_by_label("Search Tandem")).to_be_focused()
    page.keyboard.press("Tab")
    expect(nav.get_by_role("link", name="Rooms")).to_be_focused()
    page.keyboard.press("Escape")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_focused()
    page.keyboard.press("Space")
    expect(menu).to_have_attribute("aria-expanded", "true")
    page.mouse.click(200, 700)  # anywhere else folds it
    expect(menu).to_have_attribute("aria-expanded", "false")
    menu.focus()
    page.keyboard.press("Enter")
    log_out = nav.get_by_role("button", name="Log out")
    log_out.focus()
    page.keyboard.press("Tab")  # out of the menu, into the page
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(log_out).to_be_hidden()
    assert errors == []
    context.close()

    # Without JavaScript the links stay reachable, wrapped under the bar.
    plain = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = plain.new_page()
    log_in(page, me)
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("button", name="Menu")).to_be_hidden()
    expect(nav.get_by_role("link", name="Parties")).to_be_visible()
    plain.close()

    # A laptop keeps the whole bar on one line, with no menu button.
    wide = browser.new_context(viewport=LAPTOP)
    page = wide.new_page()
    log_in(page, me)
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("button", name="Menu")).to_be_hidden()
    expect(nav.get_by_role("link", name="Parties")).to_be_visible()
    expect(nav.get_by_role("link", name="Messages 1 unread")).to_be_visible()
    shot(page, "home-1280")
    assert nav.bounding_box()["height"] <= 80
    wide.close()


def test_a_party_on_a_phone_shows_the_video_and_the_chat_box(
    browser: Browser, shared_server, media_url
):
    base = shared_server.url
    host_context = browser.new_context(viewport=LAPTOP)
    host = host_context.new_page()
    host.set_default_timeout(10_000)
    sign_up(host, base, f"ph_host_{next(_n)}")
    invite = start_party(host, base, media_url, "Phone night 🎉")
    wait_ready(host)
    shot(host, "party-1280")
    on_screen(host, "#party-video")
    on_screen(host, "#chat-body")

    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    phone = context.new_page()
    phone.set_default_timeout(10_000)
    errors = watch_for_errors(phone)
    sign_up(phone, base, f"ph_guest_{next(_n)}")
    join_by_invite(phone, invite)
    wait_ready(phone)
    phone.evaluate("window.scrollTo(0, 0)")
    shot(phone, "party-390-empty")
    fits_the_width(phone)
    newest_chat_line_shows(phone, "#chat-empty")
    for n in range(12):
        host.get_by_label("Message").fill(f"Chat line {n} 😀")
        host.get_by_label("Message").press("Enter")
        expect(host.locator("#chat-list")).to_contain_text(f"Chat line {n} ")
    expect(phone.locator("#chat-list")).to_contain_text("Chat line 11")
    phone.evaluate("window.scrollTo(0, 0)")
    shot(phone, "party-390")
    on_screen(phone, "#party-video")
    on_screen(phone, "#chat-body")
    newest_chat_line_shows(phone, "#chat-list > li:last-child")
    for button in phone.locator(".reaction-button").all():
        box = button.bounding_box()
        assert box["width"] >= 40, box
        assert box["height"] >= 40, box

    # Scrolled down to the people and the queue, the video stays at the top.
    phone.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    phone.wait_for_function("() => window.scrollY > 0")
    frame = phone.locator("#player-frame").bounding_box()
    assert abs(frame["y"]) <= 1, frame
    phone.get_by_label("Message").fill("from the phone")
    phone.get_by_label("Message").press("Enter")
    expect(host.locator("#chat-list")).to_contain_text("from the phone")
    fits_the_width(phone)

    # The chat laid over the video: both in the same place, the box still usable.
    phone.evaluate("window.scrollTo(0, 0)")
    switch = phone.get_by_role("button", name="Over the video")
    switch.click()
    expect(phone.get_by_role("button", name="Below the video")).to_have_attribute(
        "aria-pressed", "true"
    )
    video, chat = (phone.locator(part).bounding_box() for part in ("#party-video", "#chat"))
    assert chat["y"] < video["y"] + video["height"]
    assert chat["y"] + chat["height"] > video["y"]
    on_screen(phone, "#chat-body")
    shot(phone, "party-390-chat-over")
    phone.get_by_label("Message").fill("over the video")
    phone.get_by_label("Message").press("Enter")
    expect(host.locator("#chat-list")).to_contain_text("over the video")
    phone.get_by_role("button", name="Below the video").click()
    chat = phone.locator("#chat").bounding_box()
    assert chat["y"] >= video["y"] + video["height"] - 1, (chat, video)
    assert errors == []
    context.close()

    # The host's phone, with the host's buttons and controls, shows both too.
    host.set_viewport_size(PHONE)
    host.reload()
    wait_ready(host)
    host.evaluate("window.scrollTo(0, 0)")  # as it opens, not where the reload left it
    shot(host, "party-390-host")
    on_screen(host, "#party-video")
    on_screen(host, "#chat-body")
    fits_the_width(host)
    newest_chat_line_shows(host, "#chat-list > li:last-child")
    host_context.close()


@pytest.mark.parametrize("size", [PHONE, LAPTOP], ids=["390", "1280"])
def test_a_long_chat_keeps_the_composer_on_screen(browser: Browser, shared_server, size):
    base = shared_server.url
    me, friend = register(base), register(base)
    cid = direct(base, friend, me)
    for n in range(40):
        writer = friend if n % 3 else me
        say(writer, cid, f"Message number {n}: " + "words to fill the line " * (n % 4) + "👍")
    context = browser.new_context(viewport=size)
    page = context.new_page()
    page.set_default_timeout(10_000)
    log_in(page, me)
    page.goto(f"{base}/conversations/{cid}")
    live(page)
    expect(page.get_by_role("log")).to_contain_text("Message number 39")
    on_screen(page, "#message-body")
    shot(page, f"chat-{size['width']}")
    page.locator("#message-body").fill("Typed on a small screen")
    page.locator("#message-body").press("Enter")
    expect(page.get_by_role("log")).to_contain_text("Typed on a small screen")
    # The box is emptied of what was sent, and stays on screen.
    expect(page.locator("#message-body")).to_have_value("")
    on_screen(page, "#message-body")
    context.close()


class Asked:
    """Answers the page's next confirm() and keeps what it asked; notes the forms sent
    (Socket.IO's own long-polling aside)."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.questions: list[str] = []
        self.posts: list[str] = []
        page.on("request", self._seen)

    def _seen(self, request) -> None:
        if request.method == "POST" and "/socket.io/" not in request.url:
            self.posts.append(request.url)

    def answer(self, accept: bool) -> None:
        self.posts.clear()

        def handle(dialog) -> None:
            self.questions.append(dialog.message)
            dialog.accept() if accept else dialog.dismiss()

        self.page.once("dialog", handle)

    def nothing_sent(self) -> None:
        """After a dismissed dialog: the page answers, and it sent no POST."""
        self.page.evaluate("() => document.readyState")
        assert self.posts == [], self.posts


def test_destructive_actions_ask_first(browser: Browser, shared_server, media_url):
    base = shared_server.url
    me, friend, troll = register(base), register(base), register(base)
    shared_server.set_role(me.username, "moderator")
    cid = direct(base, me, friend)
    say(me, cid, "a message to regret")
    group = api(
        me,
        "POST",
        "/conversations",
        {"kind": "group", "name": "Film club", "members": [friend.username]},
    )["conversation"]["id"]
    context = browser.new_context(viewport=LAPTOP)
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors = watch_for_errors(page)
    asked = Asked(page)
    log_in(page, me)

    # A message (an htmx form).
    page.goto(f"{base}/conversations/{cid}")
    live(page)
    delete = page.get_by_role("button", name="Delete your message")
    asked.answer(accept=False)
    delete.click()
    assert asked.questions[-1] == "Delete this message?"
    asked.nothing_sent()
    expect(page.get_by_role("log")).to_contain_text("a message to regret")
    asked.answer(accept=True)
    delete.click()
    expect(page.get_by_role("log")).to_contain_text("Message deleted")
    expect(page.get_by_role("log")).not_to_contain_text("a message to regret")

    # A member of a group, then the group itself (plain forms).
    page.goto(f"{base}/conversations/{group}/members")
    remove = page.get_by_role("button", name=f"Remove {friend.username}")
    asked.answer(accept=False)
    remove.click()
    assert asked.questions[-1] == f"Remove {friend.username}?"
    asked.nothing_sent()
    asked.answer(accept=True)
    remove.click()
    expect(page.get_by_role("status").first).to_contain_text(f"{friend.username} was removed.")
    expect(remove).to_have_count(0)
    delete_group = page.get_by_role("button", name="Delete Film club for everyone")
    asked.answer(accept=False)
    delete_group.click()
    assert asked.questions[-1] == "Delete “Film club” for everyone?"
    asked.nothing_sent()
    asked.answer(accept=True)
    delete_group.click()
    expect(page).to_have_url(base + "/conversations")
    expect(page.get_by_role("main")).to_contain_text("“Film club” is deleted.")

    # A ban, from the admin page.
    page.goto(f"{base}/admin/users/{troll.username}")
    page.get_by_label("Reason").fill("spam")
    ban = page.get_by_role("button", name=f"Ban {troll.username}")
    asked.answer(accept=False)
    ban.click()
    assert asked.questions[-1] == f"Ban {troll.username}?"
    asked.nothing_sent()
    asked.answer(accept=True)
    ban.click()
    expect(page.get_by_role("main")).to_contain_text(f"{troll.username} is banned")

    # Someone in a party (the people panel's htmx form), then the party.
    start_party(page, base, media_url, "Short night")
    party_url = page.url
    guest_context = browser.new_context()
    guest = guest_context.new_page()
    log_in(guest, friend)
    join_by_invite(guest, page.locator("#invite-link").input_value())
    page.goto(party_url)
    wait_ready(page)
    remove = page.get_by_role("button", name=f"Remove {friend.username}")
    asked.answer(accept=False)
    remove.click()
    asked.nothing_sent()
    asked.answer(accept=True)
    remove.click()
    expect(page.locator("#party-people")).to_contain_text(f"{friend.username} was removed")
    end = page.get_by_role("button", name="End the party")
    asked.answer(accept=False)
    end.click()
    assert asked.questions[-1] == "End the party for everyone?"
    asked.nothing_sent()
    expect(page.locator("#party-banner")).to_be_hidden()
    asked.answer(accept=True)
    end.click()
    expect(page.locator("#party-banner")).to_have_text("This party has ended.")
    assert errors == []
    guest_context.close()
    # Leave the ended party's page (its player, its socket) the way a person would
    # before the context goes: once in a loaded run, closing it with the page still
    # open never returned.
    page.goto("about:blank")
    context.close()


@pytest.mark.parametrize("size", [PHONE, LAPTOP], ids=["390", "1280"])
def test_without_javascript_a_page_asks(browser: Browser, shared_server, size):
    base = shared_server.url
    me, friend = register(base), register(base)
    cid = direct(base, me, friend)
    say(me, cid, "second thoughts")
    context = browser.new_context(viewport=size, java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    log_in(page, me)
    page.goto(f"{base}/conversations/{cid}")
    page.get_by_role("button", name="Delete your message").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Delete this message?")
    shot(page, f"confirm-{size['width']}")
    page.get_by_role("link", name="Cancel").click()
    expect(page.get_by_role("log")).to_contain_text("second thoughts")
    page.get_by_role("button", name="Delete your message").click()
    page.get_by_role("button", name="Delete the message").click()
    expect(page.get_by_role("log")).to_contain_text("Message deleted")
    context.close()
