"""Conversations in real browsers: live messages, typing and read receipts between two
people, the same page without JavaScript, hostile text shown inert, and phone widths."""

from __future__ import annotations

import itertools
import re
import struct
import zlib
from typing import NamedTuple

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import live, screenshot, sign_up, watch_for_errors

pytestmark = [pytest.mark.browser, pytest.mark.server]

_n = itertools.count(1)

XSS_BODY = (
    "<img src=x onerror=alert(1)> <script>alert(2)</script> "
    '<a href="javascript:alert(3)">click</a> javascript:alert(4) '
    '<div hx-get="/logout" hx-trigger="load">boom</div>'
)
XSS_NAME = '<img src=x onerror=alert(1)><div hx-get="/logout" hx-trigger="load">'


def tiny_png() -> bytes:
    """A real 2x2 PNG, so the browser can draw it."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\x5b\x4b\xdb" * 2 for _ in range(2))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def csrf_of(page: Page) -> str:
    return page.evaluate("JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRFToken']")


def open_direct(page: Page, base: str, username: str) -> int:
    """Start (or find) the direct conversation with someone through the list page."""
    page.goto(base + "/conversations")
    page.get_by_label("Username").fill(username)
    page.get_by_role("button", name="Open conversation").click()
    page.wait_for_url(re.compile(r"/conversations/\d+$"))
    return int(page.url.rsplit("/", 1)[1])


class DirectChat(NamedTuple):
    """Ann and Bob, each in a browser of their own, with their direct conversation open."""

    ann: Page
    bob: Page
    ann_name: str
    bob_name: str
    cid: int

    def close(self) -> None:
        for page in (self.ann, self.bob):
            page.context.close()


def direct_chat(
    browser: Browser, base: str, label: str, viewport: dict | None = None
) -> DirectChat:
    """Ann opens a direct conversation with Bob; Bob opens it too. Not yet live: a test
    that watches for script errors starts watching before it waits."""
    ann, bob = (browser.new_context(viewport=viewport).new_page() for _ in range(2))
    ann_name, bob_name = f"cv_{label}_{next(_n)}", f"cv_{label}_reader_{next(_n)}"
    sign_up(ann, base, ann_name)
    sign_up(bob, base, bob_name)
    cid = open_direct(ann, base, bob_name)
    bob.goto(f"{base}/conversations/{cid}")
    return DirectChat(ann, bob, ann_name, bob_name, cid)


def test_two_people_talk_live(browser: Browser, shared_server):
    base = shared_server.url
    chat = direct_chat(browser, base, "ann")
    ann, bob, ann_name, bob_name, cid = chat
    errors = watch_for_errors(ann) + watch_for_errors(bob)
    expect(bob.get_by_role("heading", level=1)).to_have_text(ann_name)
    live(ann)
    live(bob)

    box = ann.locator("[name=body]")
    expect(box).to_be_focused()  # autofocus on the message box
    box.press_sequentially("Hello Bob, see https://example.org", delay=40)
    expect(bob.locator(f"#typing-{cid}")).to_have_text(f"{ann_name} is typing…")
    box.press("Enter")

    log = bob.get_by_role("log")
    expect(log).to_contain_text("Hello Bob, see https://example.org")
    expect(bob.get_by_text("No messages yet. Say hello!")).to_be_hidden()
    expect(log.get_by_role("link", name="https://example.org")).to_have_attribute(
        "rel", "nofollow noopener noreferrer"
    )
    expect(bob.locator(f"#typing-{cid}")).to_have_text("")
    # The sender's box is empty, still focused, and the message is in their own log too.
    expect(box).to_have_value("")
    expect(box).to_be_focused()
    expect(ann.get_by_role("log")).to_contain_text("Hello Bob")
    # Bob's open page read it, and Ann sees that.
    expect(ann.locator(f"#seen-{cid}")).to_have_text(f"Seen by {bob_name}")
    screenshot(ann, "conversation-seen")

    # Bob answers with the Send button; Ann's page grows, the seen line goes.
    bob.locator("[name=body]").fill("Hi Ann!")
    bob.get_by_role("button", name="Send").click()
    expect(ann.get_by_role("log")).to_contain_text("Hi Ann!")
    expect(bob.locator("[name=body]")).to_be_focused()
    expect(ann.locator(f"#seen-{cid}")).to_have_text("")

    # A reaction swaps the message in place on both pages.
    first = bob.get_by_role("listitem").filter(has_text="Hello Bob")
    first.locator("summary").click()
    first.get_by_role("button", name="React with 👍").click()
    ann_first = ann.get_by_role("listitem").filter(has_text="Hello Bob")
    expect(ann_first.get_by_role("button", name="React with 👍, 1 so far")).to_be_visible()
    expect(first.get_by_role("button", name="React with 👍, 1 so far")).to_have_attribute(
        "aria-pressed", "true"
    )

    # Editing in place shows on the other page.
    mine = ann.get_by_role("listitem").filter(has_text="Hello Bob")
    mine.get_by_role("link", name="Edit your message").click()
    editor = ann.get_by_label("Edit your message")
    expect(editor).to_be_focused()
    editor.fill("Hello Bob (fixed)")
    ann.get_by_role("button", name="Save").click()
    expect(bob.get_by_role("log")).to_contain_text("Hello Bob (fixed)")
    expect(bob.get_by_role("log")).to_contain_text("(edited)")

    # A picture sent through the htmx form shows inline on the other page.
    ann.locator("[name=file]").set_input_files(
        files=[{"name": "dot.png", "mimeType": "image/png", "buffer": tiny_png()}]
    )
    box.fill("A picture")
    ann.get_by_role("button", name="Send").click()
    picture = bob.get_by_role("log").get_by_role("img", name="dot.png")
    expect(picture).to_be_visible()
    assert (
        bob.evaluate("document.querySelector('#transcript img[alt=\"dot.png\"]').naturalWidth") == 2
    )
    expect(ann.locator("[name=file]")).to_have_value("")

    screenshot(bob, "conversation-live")
    assert errors == []
    chat.close()


def test_sending_works_without_javascript(browser: Browser, shared_server):
    base = shared_server.url
    friend_context = browser.new_context()
    friend = friend_context.new_page()
    friend_name = f"cv_friend_{next(_n)}"
    sign_up(friend, base, friend_name)
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    name = f"cv_nojs_{next(_n)}"
    sign_up(page, base, name)

    cid = open_direct(page, base, friend_name)
    page.locator("[name=body]").fill("Sent by a plain form")
    page.get_by_role("button", name="Send").click()
    page.wait_for_url(re.compile(rf"/conversations/{cid}#message-\d+$"))
    expect(page.get_by_role("log")).to_contain_text("Sent by a plain form")

    # A second message by pressing Enter, then a reaction and a delete, all by full posts.
    page.locator("[name=body]").fill("And another")
    page.locator("[name=body]").press("Enter")
    page.wait_for_load_state()
    expect(page.get_by_role("log")).to_contain_text("And another")
    item = page.get_by_role("listitem").filter(has_text="And another")
    item.locator("summary").click()
    item.get_by_role("button", name="React with 🎉").click()
    item = page.get_by_role("listitem").filter(has_text="And another")
    expect(item.get_by_role("button", name="React with 🎉, 1 so far")).to_be_visible()
    item.get_by_role("button", name="Delete your message").click()
    # Without JavaScript the server asks on a page of its own.
    expect(page.get_by_role("heading", level=1)).to_have_text("Delete this message?")
    page.get_by_role("button", name="Delete the message").click()
    expect(page.get_by_role("log")).to_contain_text("Message deleted")
    expect(page.get_by_role("log")).not_to_contain_text("And another")

    friend.goto(f"{base}/conversations/{cid}")
    expect(friend.get_by_role("log")).to_contain_text("Sent by a plain form")
    screenshot(page, "conversation-no-js")
    context.close()
    friend_context.close()


def test_hostile_text_is_shown_inert(browser: Browser, shared_server):
    base = shared_server.url
    contexts = [browser.new_context(), browser.new_context()]
    author, reader = (context.new_page() for context in contexts)
    dialogs: list[str] = []
    logouts: list[str] = []
    for tab in (author, reader):
        tab.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        tab.on(
            "request",
            lambda request: logouts.append(request.url) if "/logout" in request.url else None,
        )
    author_name, reader_name = f"cv_author_{next(_n)}", f"cv_reader_{next(_n)}"
    sign_up(author, base, author_name)
    sign_up(reader, base, reader_name)

    author.goto(base + "/conversations")
    author.get_by_label("Group name").fill(XSS_NAME)
    author.get_by_label("Description").fill(XSS_BODY)
    author.get_by_label("Members").fill(reader_name)
    author.get_by_role("button", name="Create group").click()
    author.wait_for_url(re.compile(r"/conversations/\d+$"))
    group = int(author.url.rsplit("/", 1)[1])
    expect(author.get_by_role("heading", level=1)).to_have_text(XSS_NAME)

    reader.goto(f"{base}/conversations/{group}")
    live(reader)
    live(author)
    author.locator("[name=body]").fill(XSS_BODY)
    author.locator("[name=body]").press("Enter")
    # Arrives live on the reader's page as text, and stays text after a reload.
    expect(reader.get_by_role("log")).to_contain_text(XSS_BODY)
    reader.reload()
    expect(reader.get_by_role("log")).to_contain_text(XSS_BODY)
    expect(reader.locator(".conversation-description")).to_have_text(XSS_BODY)
    for path in ("/conversations", f"/conversations/{group}/members", "/search?q=boom"):
        reader.goto(base + path)
        expect(reader.get_by_role("main")).to_contain_text("<img src=x onerror=alert(1)>")
    reader.wait_for_timeout(500)
    for tab in (author, reader):
        assert tab.locator("main img[src=x]").count() == 0
        assert tab.locator("main script").count() == 0
        assert tab.locator('a[href^="javascript:"]').count() == 0
        assert tab.locator("main [hx-get='/logout']").count() == 0
    assert dialogs == []
    assert logouts == []
    for context in contexts:
        context.close()


def test_conversation_pages_fit_a_phone(browser: Browser, shared_server):
    base = shared_server.url
    other_context = browser.new_context()
    other_name = f"cv_pal_{next(_n)}"
    sign_up(other_context.new_page(), base, other_name)
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    page = context.new_page()
    sign_up(page, base, f"cv_phone_{next(_n)}")

    cid = open_direct(page, base, other_name)
    page.locator("[name=body]").fill("x" * 300 + " https://example.org/" + "long-path/" * 30)
    page.locator("[name=body]").press("Enter")
    expect(page.get_by_role("log")).to_contain_text("x" * 300)
    page.goto(base + "/conversations")
    page.get_by_label("Group name").fill("A group with a rather long name for a small screen")
    page.get_by_label("Members").fill(other_name)
    page.get_by_role("button", name="Create group").click()
    page.wait_for_url(re.compile(r"/conversations/\d+$"))
    group = int(page.url.rsplit("/", 1)[1])
    page.locator("[name=body]").fill("Hello group")
    page.locator("[name=body]").press("Enter")
    expect(page.get_by_role("log")).to_contain_text("Hello group")

    for path in (
        "/conversations",
        "/rooms",
        f"/conversations/{cid}",
        f"/conversations/{group}",
        f"/conversations/{group}/members",
        "/search?q=hello",
    ):
        page.goto(base + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px on a phone"
    page.goto(f"{base}/conversations/{cid}")
    screenshot(page, "phone-conversation")
    page.goto(f"{base}/conversations/{group}/members")
    screenshot(page, "phone-members")
    context.close()
    other_context.close()


def test_older_messages_load_in_place(browser: Browser, shared_server):
    base = shared_server.url
    contexts = [browser.new_context(), browser.new_context()]
    one, two = (context.new_page() for context in contexts)
    one_name, two_name = f"cv_older_{next(_n)}", f"cv_older_{next(_n)}"
    sign_up(one, base, one_name)
    sign_up(two, base, two_name)
    cid = open_direct(one, base, two_name)
    two.goto(f"{base}/conversations/{cid}")
    # 56 messages, half from each (the sending limit is per person), posted as the form does.
    for n in range(56):
        tab = one if n % 2 == 0 else two
        response = tab.request.post(
            f"{base}/conversations/{cid}/messages",
            form={"body": f"note {n:02d}", "client_id": f"c-{cid}-{n}"},
            headers={"X-CSRFToken": csrf_of(tab), "HX-Request": "true"},
        )
        assert response.ok, response.status
    one.goto(f"{base}/conversations/{cid}")
    log = one.get_by_role("log")
    expect(log).to_contain_text("note 55")
    expect(log).not_to_contain_text("note 05")
    assert log.get_by_role("listitem").count() == 50
    one.get_by_role("link", name="Load older messages").click()
    expect(log).to_contain_text("note 00")
    assert log.get_by_role("listitem").count() == 56
    texts = log.locator(".message-body").all_inner_texts()
    assert texts == [f"note {n:02d}" for n in range(56)]
    expect(one.get_by_role("link", name="Load older messages")).to_have_count(0)
    assert one.url == f"{base}/conversations/{cid}"
    for context in contexts:
        context.close()


def test_a_message_announced_late_takes_its_place_by_id(browser: Browser, shared_server):
    """On PostgreSQL two messages sent at one moment can be announced in the other order
    than their ids; the page places a live message by its id, not by its arrival."""
    base = shared_server.url
    context = browser.new_context()
    page = context.new_page()
    errors = watch_for_errors(page)
    sign_up(page, base, f"ord_ann_{next(_n)}")
    other = f"ord_bob_{next(_n)}"
    bob = browser.new_context().new_page()
    sign_up(bob, base, other)
    cid = open_direct(page, base, other)
    live(page)
    csrf = csrf_of(page)
    for text in ("first", "second"):  # sent as the form does, without racing its swap
        sent = page.request.post(
            f"{base}/conversations/{cid}/messages", form={"body": text, "csrf_token": csrf}
        )
        assert sent.ok
        expect(page.get_by_role("log")).to_contain_text(text)
    ids = page.eval_on_selector_all("#transcript > li", "items => items.map(i => i.id)")
    first = int(ids[0].split("-")[1])
    # What the stream would bring for a message whose id lies between the two.
    page.evaluate(
        """([cid, order]) => {
            const transcript = document.getElementById("transcript");
            transcript.dispatchEvent(new CustomEvent("htmx:sseBeforeMessage", {
                bubbles: true, cancelable: true,
                detail: {type: "message-new-" + cid, lastEventId: "",
                         data: '<li id="message-late" data-live-order="' + order + '">late</li>'},
            }));
        }""",
        [cid, first + 0.5],
    )
    placed = page.eval_on_selector_all("#transcript > li", "items => items.map(i => i.id)")
    assert placed == [ids[0], "message-late", ids[1]]
    assert errors == []
    context.close()
    bob.context.close()


@pytest.mark.parametrize(
    "viewport", [{"width": 1280, "height": 800}, {"width": 390, "height": 844}], ids=str
)
def test_typing_right_after_a_send_is_kept(browser: Browser, shared_server, viewport):
    """The box keeps what is typed while a message is on its way: only the sent text leaves
    it, and the form stays put under the typist (focus and caret)."""
    base = shared_server.url
    chat = direct_chat(browser, base, "fast", viewport)
    ann, bob = chat.ann, chat.bob
    errors = watch_for_errors(ann) + watch_for_errors(bob)
    live(ann)
    live(bob)

    box = ann.locator("[name=body]")
    box.fill("first quick message")
    box.press("Enter")
    ann.keyboard.type("second quick message")  # no pause after Enter
    expect(box).to_have_value("second quick message")
    expect(box).to_be_focused()
    ann.keyboard.press("Enter")

    log = bob.get_by_role("log")
    expect(log.locator(".message-body")).to_have_text(
        ["first quick message", "second quick message"]
    )
    expect(box).to_have_value("")
    expect(box).to_be_focused()
    expect(ann.get_by_role("log").locator(".message-body")).to_have_text(
        ["first quick message", "second quick message"]
    )

    # An empty send is refused in words; the next message clears the alert.
    ann.keyboard.press("Enter")
    expect(ann.get_by_role("alert").filter(has_text="Write something first.")).to_be_visible()
    expect(box).to_have_attribute("aria-invalid", "true")
    screenshot(ann, f"conversation-fast-typing-{viewport['width']}")

    # Starting a reply keeps the text being typed; the reply is sent, then the form ends it.
    ann.keyboard.type("a reply")
    first = ann.get_by_role("listitem").filter(has_text="first quick message")
    first.get_by_role("link", name=re.compile("^Reply")).click()
    expect(ann.locator(".compose-reply")).to_contain_text("first quick message")
    expect(box).to_have_value("a reply")
    box.press("Enter")
    expect(log.locator(".message-body")).to_have_text(
        ["first quick message", "second quick message", "a reply"]
    )
    expect(ann.locator(".compose-reply")).to_have_count(0)
    expect(ann.locator("#compose-error")).to_be_hidden()

    # A send that cannot go out says so and gives the text back, to send again.
    ann.context.set_offline(True)
    box.fill("while offline")
    box.press("Enter")
    expect(ann.locator("#compose-error")).to_contain_text("Not sent")
    expect(box).to_have_value("while offline")
    ann.context.set_offline(False)
    expect(ann.locator("#compose-error")).to_be_hidden()  # back online: no longer true
    expect(box).to_have_value("while offline")
    box.press("Enter")
    expect(log.locator(".message-body")).to_have_text(
        ["first quick message", "second quick message", "a reply", "while offline"]
    )
    expect(box).to_have_value("")

    # What is typed and not sent is still in the box after a reload; once sent, it is not.
    ann.keyboard.type("half a thought")
    ann.reload()
    live(ann)
    expect(box).to_have_value("half a thought")
    box.press("Enter")
    expect(log.locator(".message-body").last).to_have_text("half a thought")
    ann.reload()
    live(ann)
    expect(ann.get_by_role("log").locator(".message-body").last).to_have_text("half a thought")
    expect(box).to_have_value("")
    assert errors == []
    chat.close()


def test_sends_that_fail_come_back_in_order_and_change_makes_a_new_message(
    browser: Browser, shared_server
):
    """Two sends fail: both texts come back in the order they were written. A send whose
    answer was lost (it was stored) comes back too: sent again as it is, it is not stored
    twice; changed, it goes as a new message rather than being swallowed by the first."""
    chat = direct_chat(browser, shared_server.url, "order")
    ann, bob, cid = chat.ann, chat.bob, chat.cid
    live(ann)
    live(bob)
    box = ann.locator("[name=body]")
    bodies = bob.get_by_role("log").locator(".message-body")
    sends = f"**/conversations/{cid}/messages"

    held = []

    def hold_then_fail(route) -> None:
        """The first send hangs until it is failed; the ones after it fail at once."""
        if held:
            route.abort()
        held.append(route)

    ann.route(sends, hold_then_fail)
    box.fill("first")
    box.press("Enter")
    box.fill("second")
    box.press("Enter")  # waits behind the first
    while not held:
        ann.wait_for_timeout(20)
    held[0].abort()
    expect(box).to_have_value("first second")
    expect(ann.get_by_role("alert").filter(has_text="Not sent")).to_be_visible()
    ann.unroute(sends)
    box.press("Enter")
    expect(bodies).to_have_text(["first second"])

    def lose_the_answer(route) -> None:
        route.fetch()  # the server stores it; the browser never hears back
        route.abort()

    for text, sent_again in (("lost one", "lost one, edited"), ("again", "again")):
        ann.route(sends, lose_the_answer)
        box.fill(text)
        box.press("Enter")
        expect(box).to_have_value(text)
        ann.unroute(sends)
        box.fill(sent_again)
        box.press("Enter")
        expect(box).to_have_value("")
    box.fill("done")
    box.press("Enter")
    expect(bodies).to_have_text(["first second", "lost one", "lost one, edited", "again", "done"])
    chat.close()
