"""The search page: a GET form without JavaScript, results by kind with their counts,
snippets that are escaped text with the matches marked, and paging by "More results"."""

from __future__ import annotations

import re

from services import comment_listing, comments, conversations, feed, posts, search
from tests.support.messages import sent_message
from tests.support.pages import HX, page


def test_without_a_query_the_page_is_the_box(logged_in_client):
    html = page(logged_in_client, "/search")
    assert 'role="search"' in html
    assert 'action="/search"' in html
    assert "Nothing matches" not in html


def test_the_navigation_holds_a_search_box(logged_in_client):
    html = page(logged_in_client, "/conversations")
    assert re.search(r'<form method="get" action="/search" role="search">', html)
    assert 'id="nav-search-q"' in html


def test_results_by_kind_with_counts_and_links(logged_in_client, ben):
    alice = logged_in_client.user
    group = conversations.create_group(alice, "Picnic club", ["ben"], description="Sundays")
    message = sent_message(ben, group.id, "the picnic is at <b>noon</b>")
    html = page(logged_in_client, "/search?q=picnic")
    facets = html[
        html.index('class="search-facets"') : html.index("</nav>", html.index("search-facets"))
    ]
    assert re.search(r"Rooms and groups <span class=\"count\">1</span>", facets)
    assert re.search(r"Messages <span class=\"count\">1</span>", facets)
    assert f'href="/conversations/{group.id}"' in html
    url = f"/conversations/{group.id}?before={message.id + 1}#message-{message.id}"
    assert f'href="{url}"' in html
    assert "the <mark>picnic</mark> is at &lt;b&gt;noon&lt;/b&gt;" in html
    only_messages = page(logged_in_client, "/search?q=picnic&kind=messages")
    assert f'href="/conversations/{group.id}"' not in only_messages
    assert f'href="{url}"' in only_messages
    assert "Nothing matches" in page(logged_in_client, "/search?q=zebra")


def test_bad_queries_are_said_beside_the_box(logged_in_client):
    too_long = logged_in_client.get("/search?q=" + "x" * 201)
    assert too_long.status_code == 400
    assert "at most 200 characters" in too_long.get_data(as_text=True)
    bad_date = logged_in_client.get("/search?q=after:someday")
    assert bad_date.status_code == 400
    assert "takes a date" in bad_date.get_data(as_text=True)


def test_a_bad_query_typed_with_htmx_is_an_answer_to_swap(logged_in_client):
    """htmx swaps only successful answers: the results region saying why comes as a 200,
    so it replaces the results of the query typed before."""
    answer = logged_in_client.get("/search?q=after:someday", headers=HX)
    assert answer.status_code == 200
    results = answer.get_data(as_text=True).split('id="search-results"', 1)[1]
    assert "&#39;after:&#39; takes a date such as 2026-12-01." in results
    assert logged_in_client.get("/rooms?category=nonsense").status_code == 400
    rooms = logged_in_client.get("/rooms?category=nonsense", headers=HX)
    assert rooms.status_code == 200
    assert "Unknown category." in rooms.get_data(as_text=True).split('id="room-results"', 1)[1]


def test_more_results_pages_with_a_cursor(logged_in_client, ben):
    alice = logged_in_client.user
    group = conversations.create_group(alice, "Plums", ["ben"])
    for number in range(search.PAGE_SIZE + 2):
        sent_message(ben, group.id, f"apricot {number}")
    first = page(logged_in_client, "/search?q=apricot")
    assert first.count('class="search-result search-message"') == search.PAGE_SIZE
    more = re.search(r'<a href="(/search\?[^"]+cursor=[^"]+)"[^>]*>More results</a>', first)
    assert more, "the first page links to the next"
    next_url = more.group(1).replace("&amp;", "&")
    second = page(logged_in_client, next_url)
    assert second.count('class="search-result search-message"') == 2
    assert "More results" not in second
    assert "Back to the first results" in second
    # With htmx the same address answers, and the page's block takes the link's place.
    fragment = logged_in_client.get(next_url, headers=HX).get_data(as_text=True)
    assert 'class="search-page"' in fragment
    assert 'hx-select=".search-page"' in first
    assert 'hx-get="/search' in first


def test_typing_redraws_the_results_region(logged_in_client):
    html = page(logged_in_client, "/search?q=x")
    box = re.search(r'<input id="search-q"[^>]*>', html).group(0)
    assert 'hx-trigger="input changed delay:300ms, search"' in box
    assert 'hx-target="#search-results"' in box
    assert 'hx-push-url="true"' in box
    assert 'id="search-results" aria-live="polite"' in html


def test_a_comment_past_the_first_page_opens_in_its_place(logged_in_client, ben):
    post_id = posts.create(ben, "A long thread", audience="public")["id"]
    tops = [
        comments.create(ben, post_id, f"remark {n}")["id"]
        for n in range(comment_listing.PAGE_DEFAULT + 2)
    ]
    late = comments.create(ben, post_id, "the velvet answer", parent_id=tops[-1])["id"]
    html = page(logged_in_client, "/search?q=velvet")
    link = re.search(rf'href="(/posts/[^"]*#comment-{late})"', html)
    assert link is not None, html
    thread = page(logged_in_client, link.group(1).replace("&amp;", "&").split("#")[0])
    assert f'id="comment-{late}"' in thread
    assert f'id="comment-{tops[0]}"' not in thread
    assert "Show all comments from the first" in thread
    first = page(logged_in_client, f"/posts/{post_id}")
    assert f'id="comment-{late}"' not in first
    assert "Show all comments from the first" not in first
    from_the_start = f"/posts/{post_id}?comments_after={feed.encode_cursor(tops[0] - 1)}"
    assert "Show all comments from the first" not in page(logged_in_client, from_the_start)
