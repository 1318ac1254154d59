"""A post's thread between two people in Chromium: a comment and a reply reach the open
post page of its author, and of a reader who follows nobody, without a reload; the
author sees the reader typing; a comment's moment plays the post's video from there, and
"Comment at this moment" fills the moment in. On a laptop and a phone."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest
import requests
from playwright.sync_api import Browser, Page, expect

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


def opened(browser: Browser, base: str, username: str, size, url: str) -> tuple[Page, list[str]]:
    """`url` open live in a browser of `username`'s, and the script errors it will log."""
    page = person(browser, base, username, size)
    errors = watch_for_errors(page)
    page.goto(url)
    live(page)
    return page, errors


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

    alice_page, errors = opened(browser, base, alice.username, size, post_url)
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


@SIZES
def test_blocking_a_commenter_asks_first_and_takes_their_comments_off_open_pages(
    browser: Browser, shared_server, size
):
    """Alice blocks a troll from his profile: the browser asks first (it deletes
    comments); then his comments under her post leave her and cat's open pages live,
    and cat's own comment stays."""
    base = shared_server.url
    n = next(_n)
    alice, troll, cat = (register(base, f"pb_{who}_{n}") for who in ("alice", "troll", "cat"))
    made = requests.post(
        f"{base}/api/v1/posts",
        json={"text": f"Holiday pictures {n}", "audience": "public"},
        headers=alice.headers,
        timeout=10,
    )
    assert made.status_code == 201, made.text
    post_url = f"{base}/posts/{made.json()['post']['id']}"
    for who, text in ((troll, "What an ugly place"), (cat, "Lovely light")):
        said = requests.post(
            f"{post_url.replace('/posts/', '/api/v1/posts/')}/comments",
            json={"text": text},
            headers=who.headers,
            timeout=10,
        )
        assert said.status_code == 201, said.text

    cat_page, errors = opened(browser, base, cat.username, size, post_url)
    alice_page, more = opened(browser, base, alice.username, size, post_url)
    errors += more
    for page in (cat_page, alice_page):
        expect(page.get_by_text("What an ugly place")).to_be_visible()

    profile = alice_page.context.new_page()
    errors += watch_for_errors(profile)
    profile.goto(f"{base}/u/{troll.username}")
    asked: list[str] = []

    def answer(dialog) -> None:
        asked.append(dialog.message)
        dialog.dismiss() if len(asked) == 1 else dialog.accept()

    profile.on("dialog", answer)
    block = profile.get_by_role("button", name=f"Block {troll.username}")
    block.click()  # dismissed: nothing happens
    expect(block).to_be_visible()
    expect(alice_page.get_by_text("What an ugly place")).to_be_visible()
    block.click()
    expect(profile.get_by_text("You blocked this person.")).to_be_visible()
    assert asked == [f"Block {troll.username}?"] * 2

    for page in (alice_page, cat_page):
        expect(page.get_by_text("What an ugly place")).to_be_hidden()
        expect(page.get_by_text("Lovely light")).to_be_visible()
        # Under it, only cat's comment can still be answered.
        expect(page.locator("details.comment-reply:visible")).to_have_count(1)
    screenshot(cat_page, f"comments-after-a-block-{size[0]}")
    screenshot(profile, f"profile-blocked-{size[0]}")
    assert errors == []
    for page in (alice_page, cat_page):
        page.context.close()
