"""A block takes the other's posts and comments off one's open pages at once, as a page
drawn after it leaves them out: on the feed their post says it is no longer available,
under someone else's post their comment goes with the replies to it, and on their post's
own page its comments go too; a thread left empty says it has no comments. Two people
blocked by a third, on a desktop and a phone."""

from __future__ import annotations

import itertools

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import live, screenshot, watch_for_errors
from tests.browser.test_posts_browser import person
from tests.support.clients import Account, call_api, register

pytestmark = [pytest.mark.browser, pytest.mark.server]

SIZES = pytest.mark.parametrize("size", [(1280, 800), (390, 844)], ids=["laptop", "phone"])
_n = itertools.count(1)
GONE = "This post is no longer available."


def post(author: Account, text: str) -> int:
    made = call_api(author, "POST", "/posts", json={"text": text, "audience": "public"})
    return made.json()["post"]["id"]


def comment(author: Account, post_id: int, text: str, parent_id: int | None = None) -> int:
    said = call_api(
        author, "POST", f"/posts/{post_id}/comments", json={"text": text, "parent_id": parent_id}
    )
    return said.json()["comment"]["id"]


@SIZES
def test_a_block_takes_the_others_posts_and_comments_off_open_pages(
    browser: Browser, shared_server, size
):
    base, n = shared_server.url, next(_n)
    ann, bob, cat = (register(base, f"bp_{who}_{n}") for who in ("ann", "bob", "cat"))
    sunset, garden = post(bob, f"Bob's sunset {n}"), post(cat, f"Cat's garden {n}")
    hello = comment(bob, garden, f"Bob says hello {n}")
    comment(ann, garden, f"Ann answers bob {n}", parent_id=hello)
    comment(cat, garden, f"Cat says thanks {n}")
    comment(cat, sunset, f"Cat likes the sunset {n}")
    kitten = post(cat, f"Cat's kitten {n}")
    comment(bob, kitten, f"Bob loves the kitten {n}")  # its only comment
    for followed in (bob, cat):
        call_api(ann, "POST", f"/users/{followed.username}/follow")

    feed = person(browser, base, ann.username, size)
    errors = watch_for_errors(feed)
    feed.goto(base + "/")
    pages = {"feed": feed}
    for name, post_id in (("garden", garden), ("sunset", sunset), ("kitten", kitten)):
        pages[name] = feed.context.new_page()
        errors += watch_for_errors(pages[name])
        pages[name].goto(f"{base}/posts/{post_id}")
    for page in pages.values():
        live(page)
    expect(feed.get_by_text(f"Bob's sunset {n}")).to_be_visible()
    expect(pages["garden"].get_by_text(f"Ann answers bob {n}")).to_be_visible()
    expect(pages["kitten"].get_by_text("No comments yet.")).to_be_hidden()

    call_api(bob, "POST", f"/users/{ann.username}/block")

    expect(feed.get_by_text(f"Bob's sunset {n}")).to_have_count(0)
    expect(feed.get_by_text(GONE)).to_be_visible()
    expect(feed.get_by_text(f"Cat's garden {n}")).to_be_visible()
    garden_page = pages["garden"]
    for gone in (f"Bob says hello {n}", f"Ann answers bob {n}"):  # his, and the reply to it
        expect(garden_page.get_by_text(gone)).to_have_count(0)
    expect(garden_page.get_by_text(f"Cat says thanks {n}")).to_be_visible()
    expect(garden_page.locator("details.comment-reply")).to_have_count(1)  # under cat's only
    sunset_page = pages["sunset"]
    expect(sunset_page.get_by_text(GONE)).to_be_visible()
    expect(sunset_page.get_by_text(f"Cat likes the sunset {n}")).to_have_count(0)
    expect(sunset_page.locator("#comments")).to_have_count(0)  # nor can he be answered
    kitten_page = pages["kitten"]  # a thread the block empties says so
    expect(kitten_page.get_by_text(f"Bob loves the kitten {n}")).to_have_count(0)
    expect(kitten_page.get_by_text("No comments yet.")).to_be_visible()
    for name, page in pages.items():
        screenshot(page, f"block-pages-{name}-{size[0]}")

    # What the pages show now is what they would show drawn again.
    for page in (feed, garden_page):
        page.reload()
        live(page)
    expect(feed.get_by_text(f"Cat's garden {n}")).to_be_visible()
    expect(feed.get_by_text(f"Bob's sunset {n}")).to_have_count(0)
    expect(garden_page.get_by_text(f"Cat says thanks {n}")).to_be_visible()
    for gone in (f"Bob says hello {n}", f"Ann answers bob {n}"):
        expect(garden_page.get_by_text(gone)).to_have_count(0)
    assert errors == []
    feed.context.close()
