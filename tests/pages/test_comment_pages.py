"""A post's page and its thread: commenting, replying and the moment of the post's video
from plain forms, a refused comment that keeps its words, deleting by the comment's or
the post's author, likes, reports, and the live fragments drawn for the page's viewer."""

from __future__ import annotations

from markupsafe import escape

from realtime.events import Envelope
from realtime.fragments import render_fragments
from services import comment_likes, comment_listing, comments, posts, social
from tests.support.pages import hx_post, page, post, signed_in

VIDEO = "https://media.example/film.mp4"


def friends(alice, ben) -> None:
    social.follow(alice, "ben")
    social.follow(ben, "alice")


def test_a_comment_a_reply_and_a_moment_from_plain_forms(app, logged_in_client, ben):
    friends(logged_in_client.user, ben)
    post_id = posts.create(ben, "Watch the goal", VIDEO, audience="friends")["id"]
    shown = page(logged_in_client, f"/posts/{post_id}")
    assert "No comments yet." in shown
    assert f'<video id="post-video" src="{VIDEO}"' in shown
    answer = post(
        logged_in_client, f"/posts/{post_id}/comments", text="What a strike!", video_time="1:23"
    )
    assert answer.status_code == 302
    [top] = comments_of(logged_in_client.user, post_id)
    assert answer.headers["Location"].endswith(f"#comment-{top['id']}")
    assert top["video_time"] == 83.0
    post(logged_in_client, f"/posts/{post_id}/comments", text="Agreed", parent_id=str(top["id"]))
    shown = page(logged_in_client, f"/posts/{post_id}")
    assert 'data-seek="83.0">at 1:23</a>' in shown
    assert f'href="{VIDEO}#t=83.0"' in shown
    assert f'id="comment-{top["id"]}-replies"' in shown
    assert "Agreed" in shown


def comments_of(viewer, post_id: int) -> list[dict]:
    return comment_listing.listing(viewer, post_id)["comments"]


def test_a_refused_comment_keeps_its_words_and_says_why(app, logged_in_client, ben):
    post_id = posts.create(ben, "No video here", audience="public")["id"]
    refused = post(
        logged_in_client, f"/posts/{post_id}/comments", text="at the start", video_time="0:10"
    )
    assert refused.status_code == 400
    body = refused.get_data(as_text=True)
    assert "at the start" in body
    assert "Only a comment on a post with a video can name a moment of it." in body
    too_long = post(logged_in_client, f"/posts/{post_id}/comments", text="x" * 2001)
    assert too_long.status_code == 400
    assert "Comments are at most 2000 characters." in too_long.get_data(as_text=True)


def test_who_may_delete_like_and_report(app, logged_in_client, ben, user_factory):
    cat = user_factory("cat")
    post_id = posts.create(logged_in_client.user, "My post", audience="public")["id"]
    bens = comments.create(ben, post_id, "ben's words")["id"]
    cats = comments.create(cat, post_id, "<script>alert(1)</script>")["id"]
    shown = page(logged_in_client, f"/posts/{post_id}")
    assert str(escape("<script>alert(1)</script>")) in shown
    assert "<script>alert(1)" not in shown
    assert f"/comments/{bens}/delete" in shown  # the post's author may delete any
    assert post(logged_in_client, f"/comments/{cats}/like").status_code == 302
    assert comment_likes.likers(ben, cats)["likes"] == 1
    # ben may delete his own comment but not cat's; he may report cat's.
    ben_client = signed_in(app, "ben")
    ben_page = page(ben_client, f"/posts/{post_id}")
    assert f"/comments/{bens}/delete" in ben_page
    assert f"/comments/{cats}/delete" not in ben_page
    assert f"/report/comment/{cats}" in ben_page
    assert post(ben_client, f"/comments/{cats}/delete").status_code == 403
    assert post(ben_client, f"/comments/{bens}/delete").status_code == 302
    assert "ben&#39;s words" not in page(logged_in_client, f"/posts/{post_id}")


def test_a_friends_post_thread_is_not_there_for_others(app, logged_in_client, ben):
    post_id = posts.create(ben, "Friends only", audience="friends")["id"]
    page(logged_in_client, f"/posts/{post_id}", status=404)
    assert post(logged_in_client, f"/posts/{post_id}/comments", text="hi").status_code == 404


def test_live_fragments_only_on_the_post_page_and_only_for_who_may_see(
    app, logged_in_client, ben, user_factory
):
    alice = logged_in_client.user
    post_id = posts.create(alice, "Live thread", audience="public")["id"]
    made = comments.create(ben, post_id, "first!")
    envelope = Envelope(channel="c", name="comment:created", data=made, id=1)
    with app.test_request_context(f"/events/html?post={post_id}"):
        [(name, html), (line, stopped)] = render_fragments(envelope, frozenset(), alice.id)
    assert name == "post-change"
    assert f'hx-swap-oob="beforeend:#comment-list-{post_id}"' in html
    # The comment is here: its writer is no longer "typing".
    assert line == f"comment-typing-{post_id}"
    assert f'id="comment-typing-{post_id}-{ben.id}" hx-swap-oob="delete"' in stopped
    assert "first!" in html
    with app.test_request_context("/events/html?post=999"):
        assert render_fragments(envelope, frozenset(), alice.id) == []
    social.block(alice, "ben")
    with app.test_request_context(f"/events/html?post={post_id}"):
        assert render_fragments(envelope, frozenset(), alice.id) == []


def test_a_live_reply_is_drawn_for_someone_who_may_only_report_it(app, logged_in_client, ben):
    alice = logged_in_client.user
    friends(alice, ben)
    post_id = posts.create(alice, "Live thread", audience="friends")["id"]
    top = comments.create(ben, post_id, "first!")
    reply = comments.create(alice, post_id, "second", top["id"])
    envelope = Envelope(channel="c", name="comment:created", data=reply, id=2)
    with app.test_request_context(f"/events/html?post={post_id}"):
        [(_name, html), _stopped] = render_fragments(envelope, frozenset(), ben.id)
    assert f'hx-swap-oob="beforeend:#comment-{top["id"]}-replies"' in html
    assert f"/report/comment/{reply['id']}" in html


def test_someone_typing_a_comment_is_shown_on_the_page_of_others(
    app, logged_in_client, ben, user_factory
):
    """The comment box signals typing (htmx, no swap); the open post's page of someone
    else shows it for a few seconds, not the typist's own and not to someone blocked."""
    alice = logged_in_client.user
    post_id = posts.create(alice, "Type away", audience="public")["id"]
    html = page(logged_in_client, f"/posts/{post_id}")
    assert f'hx-post="/posts/{post_id}/typing"' in html
    assert f'sse-swap="comment-typing-{post_id}"' in html
    assert hx_post(logged_in_client, f"/posts/{post_id}/typing").status_code == 204
    typing = {"post_id": post_id, "user": ben.to_summary()}
    envelope = Envelope(channel="c", name="comment:typing", data=typing)
    carol = user_factory("carol")
    with app.test_request_context(f"/events/html?post={post_id}"):
        [(line, typer)] = render_fragments(envelope, frozenset(), alice.id)
        assert render_fragments(envelope, frozenset(), ben.id) == []
        social.block(carol, "ben")
        assert render_fragments(envelope, frozenset(), carol.id) == []
    assert line == f"comment-typing-{post_id}"
    assert f'id="comment-typing-{post_id}-{ben.id}"' in typer
    assert 'data-expires-in="6"' in typer
    assert "is typing" in typer
    with app.test_request_context("/events/html?post=999"):
        assert render_fragments(envelope, frozenset(), alice.id) == []
