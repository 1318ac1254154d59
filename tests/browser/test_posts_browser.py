"""Posts between two people in Chromium: a follower's open feed says a new post waits and
shows it when asked (with its image, described, fitting the card), a like changes the
count on the author's open post page, and a deletion replaces the follower's card."""

from __future__ import annotations

import itertools
import struct
import zlib

import pytest
import requests
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import live, screenshot, watch_for_errors
from tests.support.clients import PASSWORD, register

pytestmark = [pytest.mark.browser, pytest.mark.server]

SIZES = pytest.mark.parametrize("size", [(1280, 800), (390, 844)], ids=["laptop", "phone"])
_n = itertools.count(1)


def gradient_png(width: int = 480, height: int = 270) -> bytes:
    """A real PNG (teal fading to orange) for the browser to draw."""
    row = b"".join(
        bytes((40 + 200 * x // width, 150 - 50 * x // width, 160 - 120 * x // width))
        for x in range(width)
    )
    pixels = b"".join(b"\x00" + row for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(pixels))
        + chunk(b"IEND", b"")
    )


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_label(f"Signed in as {username}").wait_for(state="attached")


def person(browser: Browser, base: str, username: str, size: tuple[int, int]) -> Page:
    width, height = size
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in(page, base, username)
    return page


@SIZES
def test_a_post_reaches_a_followers_open_feed_and_changes_live(
    browser: Browser, shared_server, size
):
    base = shared_server.url
    n = next(_n)
    alice, bob = register(base, f"pp_alice_{n}"), register(base, f"pp_bob_{n}")
    followed = requests.post(
        f"{base}/api/v1/users/{alice.username}/follow", headers=bob.headers, timeout=10
    )
    assert followed.status_code < 400, followed.text
    bob_page, alice_page = person(browser, base, bob.username, size), None
    errors = watch_for_errors(bob_page)
    bob_page.goto(base + "/")
    live(bob_page)

    alice_page = person(browser, base, alice.username, size)
    alice_page.goto(base + "/")
    alice_page.get_by_label("What's on your mind?").fill(f"Hello from alice {n}\nsecond line")
    alice_page.get_by_label("Who can see it").select_option("followers")
    image = {"name": "dusk.png", "mimeType": "image/png", "buffer": gradient_png()}
    alice_page.get_by_label("Add an image").set_input_files(image)
    alice_page.get_by_label("Describe the image").fill("Teal sky fading to orange")
    alice_page.get_by_role("button", name="Post", exact=True).click()
    card = alice_page.locator("article.post").first
    expect(card).to_contain_text(f"Hello from alice {n}")
    post_id = card.get_attribute("id").removeprefix("post-")

    bar = bob_page.locator("#feed-new")
    expect(bar).to_have_text("1 new post — Show")
    expect(bob_page.locator(f"#post-{post_id}")).to_have_count(0)  # not slid in unasked
    screenshot(bob_page, f"posts-new-bar-{size[0]}")
    bar.get_by_role("link").click()
    bob_card = bob_page.locator(f"#post-{post_id}")
    expect(bob_card).to_contain_text("second line")
    expect(bob_card).to_contain_text("Followers only")
    picture = bob_card.get_by_role("img", name="Teal sky fading to orange")
    expect(picture).to_be_visible()
    picture.evaluate("img => img.decode()")  # loaded and drawable, not a broken image
    assert picture.bounding_box()["width"] <= bob_card.bounding_box()["width"]
    live(bob_page)

    alice_page.goto(f"{base}/posts/{post_id}/edit")
    expect(alice_page.get_by_label("Remove the image")).not_to_be_checked()
    expect(alice_page.get_by_label("Describe the image")).to_have_value("Teal sky fading to orange")
    screenshot(alice_page, f"posts-edit-{size[0]}")
    alice_page.goto(f"{base}/posts/{post_id}")
    live(alice_page)
    likes = alice_page.locator(f"#post-{post_id}-likes")
    expect(likes).to_have_text("0 likes")

    like = bob_card.get_by_role("button", name="Like")
    expect(like).to_have_attribute("aria-pressed", "false")
    like.click()
    expect(bob_card.get_by_role("button", name="Like")).to_have_attribute("aria-pressed", "true")
    expect(likes).to_have_text("1 like")
    screenshot(bob_page, f"posts-feed-{size[0]}")
    screenshot(alice_page, f"posts-page-{size[0]}")

    alice_page.once("dialog", lambda dialog: dialog.accept())
    alice_page.locator(f"#post-{post_id}").get_by_role("button", name="Delete").click()
    expect(alice_page.locator(f"#post-{post_id}")).to_have_text("This post was deleted.")
    expect(bob_page.locator(f"#post-{post_id}")).to_have_text("This post was deleted.")
    assert errors == []
    bob_page.context.close()
    alice_page.context.close()
