"""Search in Chromium: the navigation's box leads to the page, typing redraws the results
(and the address) without a submit, "More results" adds the next page in place, parties
and comments are found and lead to their pages, and the room category narrows the
results; at a desktop's and a phone's size."""

from __future__ import annotations

import itertools
import time
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from playwright.sync_api import Browser, expect

from services.feed import encode_cursor
from services.search import PAGE_SIZE
from tests.browser.conftest import screenshot, watch_for_errors

PASSWORD = "a long password"
VIDEO = "https://media.example/film.mp4"
SIZES = [(1280, 800), (390, 844)]
SEARCH_LABEL = "People, rooms, parties, messages, posts, comments, playlists and clips"
_n = itertools.count(1)


def new_name() -> str:
    return f"srch_{next(_n)}_{int(time.time() * 1000) % 100000}"


def register(base: str, username: str) -> str:
    answer = requests.post(
        base + "/api/v1/auth/register",
        json={"username": username, "password": PASSWORD},
        timeout=10,
    )
    assert answer.status_code == 201, answer.text
    return answer.json()["token"]


def call(base: str, token: str, path: str, body: dict) -> dict:
    answer = requests.post(
        base + "/api/v1" + path, json=body, headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert answer.status_code in (200, 201), answer.text
    return answer.json()


@pytest.mark.parametrize("size", SIZES)
def test_typing_searches_and_more_results_pages(browser: Browser, shared_server, size):
    base = shared_server.url
    name = new_name()
    token = register(base, name)
    word = f"zq{name.replace('_', '')}"  # a word only this test's messages hold
    room = call(
        base,
        token,
        "/conversations",
        {"kind": "room", "name": f"Room {word}", "visibility": "private"},
    )["conversation"]
    for number in range(PAGE_SIZE + 2):
        call(
            base,
            token,
            f"/conversations/{room['id']}/messages",
            {"body": f"{word} <b>{number}</b>"},
        )

    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors = watch_for_errors(page)
    page.goto(base + "/login")
    page.get_by_label("Username").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_label(f"Signed in as {name}").wait_for(state="attached")

    page.goto(base + "/search")
    box = page.get_by_label(SEARCH_LABEL)
    box.press_sequentially(word, delay=20)
    results = page.locator("#search-results")
    expect(results.locator(".search-result")).to_have_count(PAGE_SIZE)
    expect(results.locator(".search-facets")).to_contain_text(f"Messages {PAGE_SIZE + 2}")
    expect(results.locator("mark").first).to_have_text(word)
    assert parse_qs(urlparse(page.url).query)["q"] == [word]
    expect(results.locator(".search-message .search-snippet").first).to_contain_text("<b>")

    results.get_by_role("link", name="More results").click()
    expect(results.locator(".search-result")).to_have_count(PAGE_SIZE + 3)
    expect(results.get_by_role("link", name="More results")).to_have_count(0)
    screenshot(page, f"search-{size[0]}x{size[1]}")
    assert errors == []
    context.close()


def sign_in(browser: Browser, base: str, name: str, size: tuple[int, int]):
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(base + "/login")
    page.get_by_label("Username").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_label(f"Signed in as {name}").wait_for(state="attached")
    return context, page


@pytest.mark.parametrize("size", SIZES)
def test_parties_comments_and_the_room_category(browser: Browser, shared_server, size):
    base = shared_server.url
    name = new_name()
    token = register(base, name)
    word = f"zq{name.replace('_', '')}"
    party = call(
        base,
        token,
        "/parties",
        {"title": f"Movie night {word}", "description": "Bring snacks", "media_url": VIDEO},
    )["party"]
    post = call(base, token, "/posts", {"text": "Tonight's film", "audience": "public"})["post"]
    comment = call(base, token, f"/posts/{post['id']}/comments", {"text": f"{word} was great"})
    room = {"kind": "room", "visibility": "public", "category": "films"}
    call(base, token, "/conversations", {**room, "name": f"Films {word}"})
    call(base, token, "/conversations", {**room, "name": f"Tunes {word}", "category": "music"})

    context, page = sign_in(browser, base, name, size)
    errors = watch_for_errors(page)
    page.goto(base + "/search")
    page.get_by_label(SEARCH_LABEL).press_sequentially(word, delay=20)
    results = page.locator("#search-results")
    facets = results.locator(".search-facets")
    expect(facets).to_contain_text("Parties 1")
    expect(facets).to_contain_text("Comments 1")
    expect(facets).to_contain_text("Rooms and groups 2")
    expect(results.locator(".search-comment mark")).to_have_text(word)
    screenshot(page, f"search-parties-comments-{size[0]}x{size[1]}")
    party_link = results.locator(".search-party a").first
    expect(party_link).to_have_attribute("href", f"/parties/{party['id']}")
    comment_link = results.locator(".search-comment a").first
    comment_id = comment["comment"]["id"]
    expected = f"/posts/{post['id']}?comments_after={encode_cursor(comment_id - 1)}"
    expected += f"#comment-{comment_id}"
    expect(comment_link).to_have_attribute("href", expected)

    page.get_by_label("Room category").select_option("films")
    expect(facets).not_to_contain_text("Parties")
    expect(facets).to_contain_text("Rooms and groups 1")
    expect(results.locator(".search-room")).to_have_count(1)
    expect(results.locator(".search-room")).to_contain_text(f"Films {word}")
    assert parse_qs(urlparse(page.url).query)["category"] == ["films"]
    screenshot(page, f"search-category-{size[0]}x{size[1]}")
    page.goto(base + expected)
    expect(page.locator(f"#comment-{comment_id}")).to_contain_text(word)
    # The thread's only comment: nothing before it to go back to.
    expect(page.get_by_role("link", name="Show all comments from the first")).to_have_count(0)
    screenshot(page, f"search-comment-in-place-{size[0]}x{size[1]}")
    assert errors == []
    context.close()


def test_a_refused_query_takes_the_results_place(browser: Browser, shared_server):
    """Typed on from a query that found something to one the server refuses: the results
    say why, instead of still showing what the earlier query found."""
    base = shared_server.url
    name = new_name()
    token = register(base, name)
    word = f"zq{name.replace('_', '')}"
    room = call(base, token, "/conversations", {"kind": "group", "name": f"Group {word}"})
    call(base, token, f"/conversations/{room['conversation']['id']}/messages", {"body": word})

    context, page = sign_in(browser, base, name, SIZES[0])
    errors = watch_for_errors(page)
    page.goto(base + "/search")
    box = page.get_by_label(SEARCH_LABEL)
    box.press_sequentially(word, delay=20)
    results = page.locator("#search-results")
    expect(results.locator(".search-facets")).to_contain_text("Messages 1")

    box.press_sequentially(" after:someday", delay=20)
    expect(results.get_by_role("alert")).to_have_text("'after:' takes a date such as 2026-12-01.")
    expect(results.locator(".search-result")).to_have_count(0)
    assert parse_qs(urlparse(page.url).query)["q"] == [f"{word} after:someday"]

    box.fill(word)
    box.press("Enter")
    expect(results.locator(".search-result")).to_have_count(2)  # the group and the message
    assert errors == []
    context.close()


def test_a_query_typed_offline_is_searched_when_the_connection_is_back(
    browser: Browser, shared_server
):
    """The results never stay those of the query before: typed with no connection, the
    page says it is reconnecting, and once the site answers again the box's query runs."""
    base = shared_server.url
    name = new_name()
    token = register(base, name)
    word = f"zq{name.replace('_', '')}"
    for label in ("first", "second"):
        call(base, token, "/conversations", {"kind": "group", "name": f"{label} {word}"})

    context, page = sign_in(browser, base, name, SIZES[1])
    errors = watch_for_errors(page)
    page.goto(base + "/search?q=" + f"first {word}")
    results = page.locator("#search-results")
    expect(results.locator(".search-result")).to_have_count(1)

    context.set_offline(True)
    box = page.get_by_label(SEARCH_LABEL)
    box.fill(f"second {word}")
    expect(page.get_by_text("Reconnecting…")).to_be_visible()
    context.set_offline(False)
    expect(results.locator(".search-result")).to_have_count(1)
    expect(results.locator(".search-result")).to_contain_text(f"second {word}")
    assert parse_qs(urlparse(page.url).query)["q"] == [f"second {word}"]
    assert errors == []
    context.close()
