"""Open pages keep the stream's promise in a real Chromium: a page resumes from the cursor
of its render, after a network drop and after a server restart, exactly once; the
conversation list moves live; a ban or a sign-out elsewhere reaches the open page."""

from __future__ import annotations

import itertools
import re
import time

import pytest
import requests
from playwright.sync_api import Browser, Page, Route, expect

from tests.browser.conftest import live, screenshot, sign_up, watch_for_errors
from tests.support.clients import SocketClient, register
from tests.support.proxy import FlakyProxy

pytestmark = [pytest.mark.browser, pytest.mark.server]

_n = itertools.count(1)


def api(base: str, account, method: str, path: str, body: dict | None = None) -> dict:
    response = requests.request(
        method, base + "/api/v1" + path, json=body, headers=account.headers, timeout=10
    )
    assert response.status_code in (200, 201, 204), response.text
    return response.json() if response.content else {}


def direct_with(base: str, writer, username: str) -> int:
    body = {"kind": "direct", "username": username}
    return api(base, writer, "POST", "/conversations", body)["conversation"]["id"]


def say(base: str, writer, conversation_id: int, text: str) -> dict:
    path = f"/conversations/{conversation_id}/messages"
    return api(base, writer, "POST", path, {"body": text})["message"]


def transcript(page: Page, text: str):
    return page.locator(".message").filter(has_text=text)


def person(browser: Browser, base: str, size=(1280, 800)) -> tuple[Page, str]:
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    page.set_default_timeout(10_000)
    name = f"lp_{next(_n)}_{int(time.time() * 1000) % 100000}"
    sign_up(page, base, name)
    return page, name


def test_a_message_sent_between_render_and_stream_appears(browser: Browser, shared_server):
    base = shared_server.url
    bob, bob_name = person(browser, base)
    ann = register(base)
    cid = direct_with(base, ann, bob_name)
    say(base, ann, cid, "before the page")

    held: list[Route] = []
    released = []

    def hold(route: Route) -> None:
        if released:
            route.continue_()
        else:
            held.append(route)

    bob.route(re.compile(r"/events/html"), hold)
    bob.goto(f"{base}/conversations/{cid}")
    expect(transcript(bob, "before the page")).to_have_count(1)
    deadline = time.monotonic() + 10
    while not held and time.monotonic() < deadline:
        bob.wait_for_timeout(50)
    assert held, "the page never opened its stream"
    say(base, ann, cid, "while the stream was connecting")
    released.append(True)
    for route in held:
        route.continue_()
    expect(transcript(bob, "while the stream was connecting")).to_have_count(1)
    say(base, ann, cid, "after")
    expect(transcript(bob, "after")).to_have_count(1)
    expect(transcript(bob, "while the stream was connecting")).to_have_count(1)
    expect(transcript(bob, "before the page")).to_have_count(1)
    bob.context.close()


def test_three_seconds_offline_then_back_shows_each_message_once(browser: Browser, shared_server):
    base = shared_server.url
    network = FlakyProxy(shared_server.port)  # bob's way to the site, which the test cuts
    bob, bob_name = person(browser, network.url)
    errors = watch_for_errors(bob)
    ann = register(base)
    cid = direct_with(base, ann, bob_name)
    bob.goto(f"{network.url}/conversations/{cid}")
    live(bob)
    say(base, ann, cid, "online")
    expect(transcript(bob, "online")).to_have_count(1)

    network.cut()
    bob.context.set_offline(True)
    # The stream is cut; its status says so (shown after a second without it).
    expect(bob.locator("#connection-status")).to_be_visible(timeout=10_000)
    say(base, ann, cid, "sent while offline 1")
    say(base, ann, cid, "sent while offline 2")
    bob.wait_for_timeout(3000)  # the three seconds offline this test is about
    network.restore()
    bob.context.set_offline(False)

    expect(transcript(bob, "sent while offline 1")).to_have_count(1, timeout=30_000)
    expect(transcript(bob, "sent while offline 2")).to_have_count(1)
    expect(bob.locator("#connection-status")).to_be_hidden()
    say(base, ann, cid, "back")
    expect(transcript(bob, "back")).to_have_count(1)
    for text in ("online", "sent while offline 1", "sent while offline 2"):
        expect(transcript(bob, text)).to_have_count(1)
    assert errors == []
    bob.context.close()
    network.close()


def test_a_request_without_an_answer_is_said_and_its_read_mark_sent_again(
    browser: Browser, shared_server
):
    """The stream stays up while the page's own requests get no answer (a flaky network
    in front of them): the status says so, and once the site answers again the status
    goes and the read mark that was lost is sent again, so nothing stays unread."""
    base = shared_server.url
    bob, bob_name = person(browser, base)
    ann = register(base)
    cid = direct_with(base, ann, bob_name)
    bob.goto(f"{base}/conversations/{cid}")
    live(bob)
    badge = bob.locator("#message-count .badge")
    expect(badge).to_have_class("badge badge-empty")

    def requests_only(url: str) -> bool:
        return "/events/html" not in url

    bob.route(requests_only, lambda route: route.abort())
    say(base, ann, cid, "while requests fail")
    expect(transcript(bob, "while requests fail")).to_have_count(1)  # over the stream
    expect(bob.locator("#connection-status")).to_be_visible(timeout=10_000)
    expect(badge).not_to_have_class("badge badge-empty")  # its read mark got no answer

    bob.unroute(requests_only)
    expect(bob.locator("#connection-status")).to_be_hidden(timeout=30_000)
    expect(badge).to_have_class("badge badge-empty", timeout=10_000)
    screenshot(bob, "requests-answered-again")
    bob.context.close()


def test_the_page_recovers_by_itself_after_a_server_restart(browser: Browser, server_factory):
    server = server_factory()
    base = server.url
    bob, bob_name = person(browser, base)
    ann = register(base)
    cid = direct_with(base, ann, bob_name)
    bob.goto(f"{base}/conversations/{cid}")
    live(bob)

    server.stop()
    bob.locator("html[data-stream=down]").wait_for(state="attached")
    server.start()  # the same port and database
    say(base, ann, cid, "after the restart")
    expect(transcript(bob, "after the restart")).to_have_count(1, timeout=30_000)
    bob.context.close()


def test_the_conversation_list_moves_live(browser: Browser, shared_server):
    base = shared_server.url
    bob, bob_name = person(browser, base)
    ann, cat = register(base), register(base)
    first = direct_with(base, ann, bob_name)
    second = direct_with(base, cat, bob_name)
    say(base, ann, first, "hello from ann")
    say(base, cat, second, "hello from cat")
    bob.goto(base + "/conversations")
    live(bob)
    rows = bob.locator("#conversation-list > li")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("hello from cat")

    say(base, ann, first, "ann again")
    expect(rows.first).to_contain_text("ann again")
    expect(rows.first.locator(".badge")).to_contain_text("2")
    expect(rows).to_have_count(2)

    # Added to a group: its row appears without a reload.
    group = api(
        base,
        cat,
        "POST",
        "/conversations",
        {"kind": "group", "name": "Live group", "members": [bob_name]},
    )["conversation"]["id"]
    say(base, cat, group, "welcome")
    expect(rows.first).to_contain_text("Live group")
    expect(rows.first).to_contain_text("welcome")
    expect(rows).to_have_count(3)
    screenshot(bob, "live-conversation-list")
    bob.context.close()


def test_an_opened_but_empty_direct_conversation_is_not_in_the_others_list(shared_server):
    base = shared_server.url
    ann, bob = register(base), register(base)
    cid = direct_with(base, ann, bob.username)
    listed = api(base, bob, "GET", "/conversations")["conversations"]
    assert cid not in [c["id"] for c in listed]
    assert cid in [c["id"] for c in api(base, ann, "GET", "/conversations")["conversations"]]
    say(base, ann, cid, "now it counts")
    assert cid in [c["id"] for c in api(base, bob, "GET", "/conversations")["conversations"]]


@pytest.mark.parametrize("size", [(1280, 800), (390, 844)])
def test_a_ban_reaches_the_open_page_within_two_seconds(browser: Browser, shared_server, size):
    base = shared_server.url
    bob, bob_name = person(browser, base, size)
    ann, admin = register(base), register(base)
    shared_server.set_role(admin.username, "admin")
    cid = direct_with(base, ann, bob_name)
    bob.goto(f"{base}/conversations/{cid}")
    live(bob)

    started = time.monotonic()
    api(
        base,
        admin,
        "POST",
        f"/admin/users/{bob_name}/ban",
        {"reason": "Spamming the lobby", "expires_at": "2099-01-01T00:00:00Z"},
    )
    bob.wait_for_url(re.compile(r"/signed-out$"), timeout=15_000)
    took = time.monotonic() - started
    expect(bob.get_by_role("heading", level=1)).to_have_text("Your account is banned")
    expect(bob.locator(".ban-reason")).to_have_text("Spamming the lobby")
    expect(bob.locator("main")).to_contain_text("01 Jan 2099")
    screenshot(bob, f"banned-page-{size[0]}")
    assert took < 2.0, f"the ban took {took:.2f} s to reach the page"
    bob.context.close()


def test_signing_out_in_one_tab_reaches_the_other(browser: Browser, shared_server):
    base = shared_server.url
    first, _name = person(browser, base)
    second = first.context.new_page()
    second.goto(base + "/conversations")
    live(second)
    first.get_by_role("navigation", name="Main").get_by_role("button", name="Log out").click()
    second.wait_for_url(re.compile(r"/signed-out$"), timeout=15_000)
    expect(second.get_by_role("heading", level=1)).to_have_text("You are signed out")
    first.context.close()


def test_an_htmx_request_after_the_sign_in_ended_navigates_instead_of_swapping(
    browser: Browser, shared_server
):
    base = shared_server.url
    bob, bob_name = person(browser, base)
    ann, admin = register(base), register(base)
    shared_server.set_role(admin.username, "admin")
    cid = direct_with(base, ann, bob_name)
    # The stream never answers (held, not failed), so only the next send can find out.
    stalled: list[Route] = []
    bob.route(re.compile(r"/events/html"), lambda route: stalled.append(route))
    bob.goto(f"{base}/conversations/{cid}")
    api(base, admin, "POST", f"/admin/users/{bob_name}/ban", {"reason": "Flooding"})
    # Typing is the page's first htmx request since (it tells the others): it finds out.
    bob.locator("[name=body]").fill("are you there?")
    bob.wait_for_url(re.compile(r"/signed-out$"), timeout=15_000)
    expect(bob.get_by_role("heading", level=1)).to_have_text("Your account is banned")
    expect(bob.locator("#send-button")).to_have_count(0)
    bob.context.close()


def test_a_refused_htmx_request_says_why_in_words(browser: Browser, shared_server):
    base = shared_server.url
    bob, bob_name = person(browser, base)
    ann = register(base)
    cid = direct_with(base, ann, bob_name)
    say(base, ann, cid, "hi")
    bob.goto(f"{base}/conversations/{cid}")
    live(bob)
    # The server's answer to a refused htmx request is its message as plain text; here
    # a reaction is refused as the rate limiter would refuse it.
    words = "Too many requests (limit: 60 per 1 minute). Try again shortly."
    too_many = lambda route: route.fulfill(status=429, body=words, content_type="text/plain")  # noqa: E731
    bob.route(re.compile(r"/(react|typing)$"), too_many)
    # A refused signal of the page's own (typing) is no news to the person: no alert.
    # htmx has dealt with a refusal (and the page said it, if it would) by `afterRequest`.
    bob.evaluate(
        """() => { window.typingAnswered = 0;
        document.addEventListener("htmx:afterRequest", (event) => {
          if (event.detail.pathInfo.requestPath.endsWith("/typing")) window.typingAnswered++;
        }); }"""
    )
    bob.locator("[name=body]").press_sequentially("typing…", delay=30)
    bob.wait_for_function("() => window.typingAnswered > 0")
    alert = bob.locator("#page-alert")
    assert alert.is_hidden()  # now, not once an alert had gone by itself
    message = bob.get_by_role("listitem").filter(has_text="hi")
    message.locator("summary").click()
    message.get_by_role("button", name=re.compile("^React with")).first.click()
    expect(alert).to_be_visible()
    expect(alert).to_have_text(words)
    bob.context.close()


def test_the_room_directory_and_a_rooms_member_count_are_live(browser: Browser, shared_server):
    base = shared_server.url
    bob, _bob_name = person(browser, base)
    ann, cat = register(base), register(base)
    bob.goto(base + "/rooms")
    live(bob)
    name = f"Live room {next(_n)}"
    room = api(
        base, ann, "POST", "/conversations", {"kind": "room", "name": name, "visibility": "public"}
    )["conversation"]
    row = bob.locator(f"#room-{room['id']}")
    expect(row).to_contain_text(name)
    expect(row).to_contain_text("1 member")
    expect(row.get_by_role("button", name=f"Join {name}")).to_be_visible()

    api(base, cat, "POST", f"/conversations/{room['id']}/join")
    expect(row).to_contain_text("2 members")

    # Inside the room, its member count follows people coming and going.
    row.get_by_role("button", name=f"Join {name}").click()
    bob.wait_for_url(re.compile(rf"/conversations/{room['id']}$"))
    live(bob)
    count = bob.locator(f"#member-count-{room['id']}")
    expect(count).to_have_text("· 3 members")
    api(base, cat, "POST", f"/conversations/{room['id']}/leave")
    expect(count).to_have_text("· 2 members")
    bob.context.close()


def test_a_profile_shows_presence_live(browser: Browser, shared_server):
    base = shared_server.url
    bob, _bob_name = person(browser, base)
    ann = register(base)
    bob.goto(f"{base}/u/{ann.username}")
    live(bob)
    badge = bob.locator(f"[sse-swap='presence-{ann.id}']")
    expect(badge).to_contain_text("Offline")
    socket = SocketClient(base).connect(auth={"token": ann.token})
    expect(badge).to_contain_text("Online")
    socket.close()
    expect(badge).to_contain_text("Offline", timeout=30_000)
    bob.context.close()


@pytest.mark.parametrize("size", [(1280, 800), (390, 844)], ids=["desktop", "phone"])
def test_after_a_drop_the_badge_and_presence_are_as_they_are_now(
    browser: Browser, shared_server, size
):
    """While bob's page is cut off, he reads his notifications on another device and ann
    goes busy: neither is in the log a resume replays, and his page shows both once it is
    back."""
    base = shared_server.url
    network = FlakyProxy(shared_server.port)
    bob, bob_name = person(browser, network.url, size)
    errors = watch_for_errors(bob)
    ann, cal = register(base), register(base)
    bob.goto(f"{network.url}/u/{ann.username}")
    live(bob)
    presence = bob.locator(f"[sse-swap='presence-{ann.id}']")
    count = bob.locator("#notification-count")
    api(base, cal, "POST", f"/users/{bob_name}/follow")
    expect(count).to_have_text("1 unread")
    ann_online = SocketClient(base).connect(auth={"token": ann.token})
    expect(presence).to_contain_text("Online")

    network.cut()
    bob.context.set_offline(True)
    expect(bob.locator("#connection-status")).to_be_visible(timeout=10_000)
    other_device = browser.new_context().new_page()
    other_device.goto(base + "/login")
    other_device.get_by_label("Username").fill(bob_name)
    other_device.get_by_label("Password").fill("a long password")
    other_device.get_by_role("button", name="Log in").click()
    other_device.goto(base + "/notifications")
    other_device.get_by_role("button", name="Mark all read").click()
    expect(other_device.locator("#notification-count .badge-empty")).to_have_count(1)
    api(base, ann, "POST", "/me/presence", {"status": "busy", "text": "rehearsing"})
    network.restore()
    bob.context.set_offline(False)

    expect(bob.locator("#connection-status")).to_be_hidden(timeout=30_000)
    expect(presence).to_contain_text("Busy")
    expect(presence).to_contain_text("rehearsing")
    expect(count.locator(".badge-empty")).to_have_count(1)
    screenshot(bob, f"after-a-drop-{size[0]}")
    assert errors == []
    ann_online.close()
    other_device.context.close()
    bob.context.close()
    network.close()
