"""A post's thread between two people in Chromium: a comment and a reply reach the open
post page of its author, and of a reader who follows nobody, without a reload; the
author sees the reader typing; a comment's moment plays the post's video from there, and
"Comment at this moment" fills the moment in. On a laptop and a phone."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest
import requests
from playwright.sync_api import Browser, expect

from tests.browser.conftest import live, screenshot, watch_for_errors
from tests.browser.test_posts_browser import person
from tests.support.clients import register
from tests.support.media import served_video

pytestmark = [pytest.mark.browser, pytest.mark.server]

SIZES = pytest.mark.parametrize("size", [(1280, 800), (390, 844)], ids=["laptop", "phone"])
_n = itertools.count(1)
VIDEO_AT = "() => document.getElementById('post-video').currentTime"


@pytest.fixture(scope="module")
def video(tmp_path_factory) -> Iterator[str]:
    """A twenty-second local video served with byte ranges; yields its URL."""
    with served_video(tmp_path_factory.mktemp("post-media"), "twenty.webm", 20) as url:
        yield url


@SIZES
def test_comments_arrive_live_and_their_moments_play_the_video(
    browser: Browser, shared_server, video, size
):
    base = shared_server.url
    n = next(_n)
    alice, bob = register(base, f"pc_alice_{n}"), register(base, f"pc_bob_{n}")
    made = requests.post(
        f"{base}/api/v1/posts",
        json={"text": f"The match {n}", "video_url": video, "audience": "public"},
        headers=alice.headers,
        timeout=10,
    )
    assert made.status_code == 201, made.text
    post_id = made.json()["post"]["id"]
    post_url = f"{base}/posts/{post_id}"

    alice_page = person(browser, base, alice.username, size)
    errors = watch_for_errors(alice_page)
    alice_page.goto(post_url)
    live(alice_page)
    expect(alice_page.get_by_text("No comments yet.")).to_be_visible()

    bob_page = person(browser, base, bob.username, size)
    errors += watch_for_errors(bob_page)
    bob_page.goto(post_url)
    bob_page.wait_for_function(
        "() => document.getElementById('post-video').readyState >= 1", timeout=15_000
    )
    bob_page.evaluate("() => { document.getElementById('post-video').currentTime = 12; }")
    bob_page.wait_for_function(
        "() => Math.abs(document.getElementById('post-video').currentTime - 12) < 0.5"
    )
    bob_page.get_by_role("button", name="Comment at this moment").click()
    expect(bob_page.get_by_label("At a moment of the video")).to_have_value("0:12")
    bob_page.get_by_label("Write a comment").fill("That header at twelve seconds!")
    typing_line = alice_page.locator(f"#comment-typing-{post_id}")
    expect(typing_line).to_have_text(f"{bob.username} is typing…")
    bob_page.get_by_role("button", name="Comment", exact=True).click()
    expect(bob_page.get_by_text("That header at twelve seconds!")).to_be_visible()

    # Alice's open page gets it without a reload, its moment as a link.
    comment = alice_page.locator("article.comment").filter(has_text="That header")
    expect(comment).to_be_visible()
    expect(alice_page.get_by_text("No comments yet.")).to_be_hidden()
    expect(typing_line).to_be_empty()  # the comment came: bob is no longer typing
    alice_page.wait_for_function(
        "() => document.getElementById('post-video').readyState >= 1", timeout=15_000
    )
    comment.get_by_role("link", name="at 0:12").click()
    alice_page.wait_for_function(f"() => ({VIDEO_AT})() >= 11.5", timeout=15_000)
    assert alice_page.url.startswith(post_url)  # it played here, it did not leave

    # A reply from alice arrives under the comment on bob's page.
    alice_page.locator("details.comment-reply summary").first.click()
    alice_page.get_by_label("Reply", exact=True).fill("Best goal of the season")
    alice_page.get_by_role("button", name="Reply", exact=True).click()
    replies = bob_page.locator(".comment-replies article.comment")
    expect(replies.filter(has_text="Best goal of the season")).to_be_visible()
    screenshot(bob_page, f"comments-{size[0]}")
    width = bob_page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= size[0], "the page is wider than the screen"
    assert errors == []
    for page in (alice_page, bob_page):
        page.context.close()
