"""Conversation pages: lists, directory, transcript, compose with and without htmx, edits,
reactions, members, files, live fragments, and that nothing users write becomes markup."""

from __future__ import annotations

import io
import re

import pytest
from markupsafe import Markup

from blueprints.templating import linkify
from extensions import db
from models.conversation import Message
from realtime.events import Envelope
from realtime.fragments import render_fragments
from services import (
    conversation_listing,
    conversation_members,
    conversations,
    message_edits,
    message_reading,
    messages,
)
from tests.support.messages import sent_message
from tests.support.pages import HX, csrf_token, hx_post, page, post, signed_in

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
XSS = [
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    '<a href="javascript:alert(1)">click</a>',
    '<div hx-get="/logout" hx-trigger="load">x</div>',
]


def open_dm(client, username="ben") -> int:
    response = post(client, "/conversations/direct", username=username)
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def transcript(html: str) -> str:
    match = re.search(r'<ol role="log".*?</ol>', html, re.S)
    assert match, "no transcript on the page"
    return match.group(0)


# -- linkify ----------------------------------------------------------------------------
def test_linkify_links_only_http_addresses_and_mentions(app):
    with app.test_request_context():
        out = linkify("see https://example.com/a?b=1&c=2. or @Ben, not javascript:alert(1)")
        assert isinstance(out, Markup)
        assert (
            '<a href="https://example.com/a?b=1&amp;c=2" rel="nofollow noopener noreferrer" '
            'target="_blank">https://example.com/a?b=1&amp;c=2</a>.' in out
        )
        assert '<a href="/u/ben" class="mention">@Ben</a>' in out
        assert "javascript:alert(1)" in out
        assert out.count("<a ") == 2
        for text in ("ftp://x.org/file", "data:text/html,<b>x</b>", "mail me@ben.org", "https://"):
            assert "<a " not in linkify(text), text


def test_linkify_never_lets_html_through(app):
    with app.test_request_context():
        for payload in XSS:
            out = linkify(payload)
            assert "<" not in out.replace("<a ", "").replace("</a>", "")
            assert "&lt;" in out
        tricky = linkify('https://x.org/"onmouseover="alert(1) <b>')
        assert tricky.count('"') == 6  # href, rel and target, nothing from the text
        assert "&lt;b&gt;" in tricky
        assert linkify(None) == Markup("")


# -- pages need sign-in and render ------------------------------------------------------
def test_pages_need_sign_in(client, ben):
    for path in ("/conversations", "/rooms", "/search?q=x", "/conversations/1"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/login")


def test_every_page_renders(logged_in_client, ben, ben_client):
    client = logged_in_client
    dm = open_dm(client)
    group = conversations.create_group(client.user, "Walkers", ["ben"], "Sunday walks")
    room = conversations.create_room(ben, "Open kitchen", description="Recipes welcome")
    message = sent_message(client.user, dm, "hello")
    for path in (
        "/conversations",
        "/rooms",
        "/rooms?category=films&q=kit",
        "/search?q=hello",
        f"/conversations/{dm}",
        f"/conversations/{group.id}",
        f"/conversations/{group.id}/members",
        f"/conversations/{room.id}",
        f"/conversations/{dm}/messages/{message.id}/edit",
    ):
        html = page(client, path)
        assert "<h1" in html, path
    assert "Open kitchen" in page(client, "/rooms")
    assert "You are reading this room without being in it" in page(
        client, f"/conversations/{room.id}"
    )
    nav = page(client, "/")
    assert 'href="/conversations"' in nav
    assert 'href="/rooms"' in nav


def test_a_public_room_is_read_before_joining(logged_in_client, ben):
    """Its recent messages, read-only (no compose form, no reactions, no live transcript),
    and a Join button that works without JavaScript; after joining, the room itself."""
    client = logged_in_client
    room = conversations.create_room(ben, "Open kitchen")
    sent_message(ben, room.id, "<b>soup</b> tonight")
    html = page(client, f"/conversations/{room.id}")
    assert "&lt;b&gt;soup&lt;/b&gt; tonight" in html
    assert 'name="body"' not in html
    assert "React" not in html
    assert f'sse-swap="message-new-{room.id}"' not in html
    assert f'action="/conversations/{room.id}/join"' in html
    response = post(client, f"/conversations/{room.id}/join")
    assert response.headers["Location"] == f"/conversations/{room.id}"
    joined = page(client, f"/conversations/{room.id}")
    assert 'name="body"' in joined
    assert "soup" in joined


def test_private_rooms_and_groups_are_not_read_by_others(logged_in_client, ben, user_factory):
    hidden = conversations.create_room(ben, "Back room", visibility="private")
    group = conversations.create_group(ben, "Pair", [user_factory("cat").username])
    for conversation in (hidden, group):
        sent_message(ben, conversation.id, "secret plans")
        response = logged_in_client.get(f"/conversations/{conversation.id}")
        assert response.status_code == 404
        assert "secret plans" not in response.get_data(as_text=True)


def test_list_shows_names_presence_previews_and_unread(logged_in_client, ben, ben_client):
    dm = open_dm(logged_in_client)
    group = conversations.create_group(ben, "Book club", ["alice"])
    sent_message(ben, dm, "are you there?")
    sent_message(ben, group.id, "first chapter")
    html = page(logged_in_client, "/conversations")
    assert ">ben</a>" in html
    assert f'sse-swap="presence-{ben.id}"' in html
    assert "are you there?" in html
    assert "Book club" in html
    assert '<span class="badge">1<span class="visually-hidden"> unread</span>' in html
    # The navigation's Messages badge counts both.
    nav = re.search(
        r'id="message-count" sse-swap="messages-count">(.*?)</span>\s*</a>', html, re.S
    ).group(1)
    assert '<span class="badge">2<span class="visually-hidden"> unread</span>' in nav
    # Opening the conversation reads it.
    page(logged_in_client, f"/conversations/{dm}")
    assert message_reading.unread_total(logged_in_client.user) == 1


# -- direct messages and groups ---------------------------------------------------------
def test_new_message_form_opens_the_one_direct_conversation(logged_in_client, ben):
    first = open_dm(logged_in_client, "@Ben")
    assert open_dm(logged_in_client) == first
    html = page(logged_in_client, f"/conversations/{first}")
    assert '<h1 id="conversation-title">ben</h1>' in html
    myself = post(logged_in_client, "/conversations/direct", username="alice")
    assert myself.status_code == 400
    assert "You cannot message yourself." in myself.get_data(as_text=True)


def test_unknown_username_is_shown_on_the_form(logged_in_client):
    response = post(logged_in_client, "/conversations/direct", username="nobody")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'aria-invalid="true"' in html
    assert 'value="nobody"' in html


def test_create_group_with_and_without_htmx(logged_in_client, ben, user_factory):
    user_factory("cal")
    response = post(
        logged_in_client,
        "/conversations/groups",
        name="Walkers",
        description="Sunday walks",
        category="local events",
        members="ben, @cal",
    )
    assert response.status_code == 302
    group_id = int(response.headers["Location"].rsplit("/", 1)[1])
    html = page(logged_in_client, f"/conversations/{group_id}")
    assert "Walkers" in html
    assert "Sunday walks" in html
    assert "3 members" in html
    hx = logged_in_client.post(
        "/conversations/groups",
        data={"name": "Second", "members": "ben", "category": "general"},
        headers={**HX, "X-CSRFToken": csrf_token(logged_in_client)},
    )
    assert hx.status_code == 204
    assert hx.headers["HX-Redirect"].startswith("/conversations/")


def test_group_form_errors_keep_what_was_typed(logged_in_client, ben):
    nameless = post(logged_in_client, "/conversations/groups", name=" ", members="ben")
    assert nameless.status_code == 400
    assert "Give it a name." in nameless.get_data(as_text=True)
    stranger = post(
        logged_in_client, "/conversations/groups", name="Club", members="ben, ghost_user"
    )
    assert stranger.status_code == 400
    html = stranger.get_data(as_text=True)
    assert "There is nobody called" in html
    assert 'value="Club"' in html
    assert 'value="ben, ghost_user"' in html


# -- sending ----------------------------------------------------------------------------
def test_send_without_js_redirects_to_the_new_message(logged_in_client, ben):
    dm = open_dm(logged_in_client)
    html = page(logged_in_client, f"/conversations/{dm}")
    client_id = re.search(r'name="client_id" value="([^"]+)"', html).group(1)
    response = post(
        logged_in_client, f"/conversations/{dm}/messages", body="Hi Ben!", client_id=client_id
    )
    assert response.status_code == 302
    [stored] = message_reading.history(logged_in_client.user, dm)
    assert response.headers["Location"] == f"/conversations/{dm}#message-{stored.id}"
    html = page(logged_in_client, f"/conversations/{dm}")
    assert f'id="message-{stored.id}"' in transcript(html)
    assert "Hi Ben!" in transcript(html)
    # Every page render gives a new client id.
    assert client_id not in html


def test_double_submit_stores_one_message(logged_in_client, ben):
    dm = open_dm(logged_in_client)
    for _ in range(2):
        response = post(
            logged_in_client, f"/conversations/{dm}/messages", body="once", client_id="same-id"
        )
        assert response.status_code == 302
    assert len(message_reading.history(logged_in_client.user, dm)) == 1


def test_send_with_htmx_leaves_the_form_alone(logged_in_client, ben):
    dm = open_dm(logged_in_client)
    response = hx_post(
        logged_in_client, f"/conversations/{dm}/messages", body="hey", client_id="x1"
    )
    # No new form: the page's own keeps what was typed since (the message comes live).
    assert response.status_code == 204
    assert response.get_data(as_text=True) == ""
    assert [m.body for m in message_reading.history(logged_in_client.user, dm)] == ["hey"]
    form = page(logged_in_client, f"/conversations/{dm}")
    assert 'id="compose"' in form
    assert f'hx-post="/conversations/{dm}/messages"' not in form
    assert "js/compose.js" in form


def test_send_errors_are_shown_in_the_form(logged_in_client, ben):
    dm = open_dm(logged_in_client)
    empty = post(logged_in_client, f"/conversations/{dm}/messages", body="   ")
    assert empty.status_code == 400
    text = empty.get_data(as_text=True)
    assert "Write something first." in text
    assert 'aria-invalid="true"' in text
    assert 'value="   "' in text  # the box keeps what was sent
    too_long = hx_post(logged_in_client, f"/conversations/{dm}/messages", body="x" * 4001)
    assert too_long.status_code == 400  # the page's script shows the words in the form
    assert too_long.mimetype == "text/plain"
    assert too_long.get_data(as_text=True) == "Messages are at most 4000 characters."
    assert message_reading.history(logged_in_client.user, dm) == []


def test_muted_member_sees_why(logged_in_client, ben, ben_client):
    group = conversations.create_group(logged_in_client.user, "Quiet", ["ben"])
    conversation_members.mute(logged_in_client.user, group.id, "ben", 10)
    response = post(ben_client, f"/conversations/{group.id}/messages", body="let me talk")
    assert response.status_code == 400
    assert "You are muted here for now." in response.get_data(as_text=True)


def test_csrf_is_required(logged_in_client, ben):
    dm = open_dm(logged_in_client)
    message = sent_message(logged_in_client.user, dm, "keep me")
    for url, data in (
        (f"/conversations/{dm}/messages", {"body": "forged"}),
        (f"/conversations/{dm}/messages/{message.id}/delete", {}),
        (f"/conversations/{dm}/messages/{message.id}/react", {"emoji": "👍"}),
        ("/conversations/groups", {"name": "Forged", "members": "ben"}),
        ("/rooms", {"name": "Forged"}),
        (f"/conversations/{dm}/typing", {}),
    ):
        response = logged_in_client.post(url, data=data)
        assert response.status_code == 400, url
        hx = logged_in_client.post(url, data=data, headers=HX)
        assert hx.status_code == 400, url
    [only] = message_reading.history(logged_in_client.user, dm)
    assert (only.body, only.deleted_at, only.reactions) == ("keep me", None, [])
    assert conversation_listing.directory() == []


def test_reply_to_a_message(logged_in_client, ben):
    dm = open_dm(logged_in_client)
    first = sent_message(ben, dm, "Lunch on Friday?")
    html = page(logged_in_client, f"/conversations/{dm}?reply_to={first.id}")
    assert f'name="reply_to" value="{first.id}"' in html
    assert "Replying to" in html
    hx_form = logged_in_client.get(f"/conversations/{dm}/compose?reply_to={first.id}", headers=HX)
    assert "Lunch on Friday?" in hx_form.get_data(as_text=True)
    post(logged_in_client, f"/conversations/{dm}/messages", body="Yes!", reply_to=str(first.id))
    html = transcript(page(logged_in_client, f"/conversations/{dm}"))
    assert '<blockquote class="message-quote">' in html
    assert f'href="#message-{first.id}"' in html


# -- pagination -------------------------------------------------------------------------
def test_older_messages_page_by_keyset(logged_in_client, ben):
    dm = open_dm(logged_in_client)
    sent = [sent_message(ben, dm, f"note {n:02d}") for n in range(60)]
    html = page(logged_in_client, f"/conversations/{dm}")
    log = transcript(html)
    assert "note 59" in log
    assert "note 10" in log
    assert "note 09" not in log
    assert log.index("note 10") < log.index("note 59")  # oldest first
    oldest_shown = sent[10].id
    link = f"/conversations/{dm}?before={oldest_shown}"
    assert f'href="{link}"' in html
    assert "Load older messages" in html
    older = page(logged_in_client, link)
    older_log = transcript(older)
    assert "note 00" in older_log
    assert "note 09" in older_log
    assert "note 10" not in older_log
    assert "Load older messages" not in older
    assert "Back to the newest messages" in older
    assert 'sse-swap="message-new' not in older  # an old page does not grow


# -- editing, deleting, reacting --------------------------------------------------------
def test_edit_own_message_with_and_without_htmx(logged_in_client, ben):
    dm = open_dm(logged_in_client)
    mine = sent_message(logged_in_client.user, dm, "teh typo")
    url = f"/conversations/{dm}/messages/{mine.id}/edit"
    form = page(logged_in_client, url)
    assert "teh typo</textarea>" in form
    response = post(logged_in_client, url, body="the typo")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/conversations/{dm}#message-{mine.id}"
    html = transcript(page(logged_in_client, f"/conversations/{dm}"))
    assert "the typo" in html
    assert "(edited)" in html
    hx_form = logged_in_client.get(url, headers=HX).get_data(as_text=True)
    assert hx_form.lstrip().startswith(f'<li id="message-{mine.id}"')
    swapped = hx_post(logged_in_client, url, body="fixed")
    assert swapped.status_code == 200
    assert swapped.get_data(as_text=True).lstrip().startswith(f'<li id="message-{mine.id}"')
    assert "fixed" in swapped.get_data(as_text=True)
    empty = post(logged_in_client, url, body="")
    assert empty.status_code == 400
    assert "Write something first." in empty.get_data(as_text=True)


def test_cannot_edit_or_delete_someone_elses_message_in_a_dm(logged_in_client, ben):
    dm = open_dm(logged_in_client)
    theirs = sent_message(ben, dm, "ben's words")
    assert logged_in_client.get(f"/conversations/{dm}/messages/{theirs.id}/edit").status_code == 403
    edit = post(logged_in_client, f"/conversations/{dm}/messages/{theirs.id}/edit", body="mine")
    assert edit.status_code == 403
    delete = post(logged_in_client, f"/conversations/{dm}/messages/{theirs.id}/delete")
    assert delete.status_code == 403
    html = transcript(page(logged_in_client, f"/conversations/{dm}"))
    assert "Edit<span" not in html
    assert "Delete<span" not in html


def test_delete_shows_a_placeholder_without_content(logged_in_client, ben):
    dm = open_dm(logged_in_client)
    mine = sent_message(logged_in_client.user, dm, "regrettable words")
    response = post(
        logged_in_client, f"/conversations/{dm}/messages/{mine.id}/delete", confirm="yes"
    )
    assert response.status_code == 302
    html = transcript(page(logged_in_client, f"/conversations/{dm}"))
    assert "Message deleted" in html
    assert "regrettable" not in html
    other = sent_message(logged_in_client.user, dm, "also gone")
    swapped = hx_post(
        logged_in_client, f"/conversations/{dm}/messages/{other.id}/delete", confirm="yes"
    )
    assert "Message deleted" in swapped.get_data(as_text=True)
    assert "also gone" not in swapped.get_data(as_text=True)


def test_managers_delete_others_messages_in_groups(logged_in_client, ben):
    group = conversations.create_group(logged_in_client.user, "Mods", ["ben"])
    theirs = sent_message(ben, group.id, "spam spam")
    html = transcript(page(logged_in_client, f"/conversations/{group.id}"))
    assert 'Delete<span class="visually-hidden"> the message from ben' in html
    post(logged_in_client, f"/conversations/{group.id}/messages/{theirs.id}/delete", confirm="yes")
    assert "spam spam" not in page(logged_in_client, f"/conversations/{group.id}")


def test_reactions_toggle(logged_in_client, ben):
    dm = open_dm(logged_in_client)
    theirs = sent_message(ben, dm, "Good news!")
    url = f"/conversations/{dm}/messages/{theirs.id}/react"
    assert post(logged_in_client, url, emoji="🎉").status_code == 302
    html = transcript(page(logged_in_client, f"/conversations/{dm}"))
    assert 'aria-pressed="true"' in html
    assert "🎉 1" in html
    swapped = hx_post(logged_in_client, url, emoji="🎉")
    assert swapped.status_code == 200
    assert "🎉 1" not in swapped.get_data(as_text=True)
    assert 'aria-pressed="true"' not in swapped.get_data(as_text=True)
    assert post(logged_in_client, url, emoji="<b>").status_code == 400


# -- read state and typing --------------------------------------------------------------
def test_read_and_typing_endpoints(logged_in_client, ben):
    dm = open_dm(logged_in_client)
    theirs = sent_message(ben, dm, "read me")
    read = hx_post(logged_in_client, f"/conversations/{dm}/read", message_id=str(theirs.id))
    assert read.status_code == 204
    assert message_reading.unread_total(logged_in_client.user) == 0
    plain = post(logged_in_client, f"/conversations/{dm}/read", message_id=str(theirs.id))
    assert plain.status_code == 302
    assert hx_post(logged_in_client, f"/conversations/{dm}/typing").status_code == 204


def test_seen_by_is_shown_to_the_sender(logged_in_client, ben, ben_client):
    dm = open_dm(logged_in_client)
    post(logged_in_client, f"/conversations/{dm}/messages", body="did you see this?")
    html = page(logged_in_client, f"/conversations/{dm}")
    assert re.search(rf'id="seen-{dm}" sse-swap="seen-{dm}">\s*</p>', html)
    page(ben_client, f"/conversations/{dm}")  # opening the page reads it
    html = page(logged_in_client, f"/conversations/{dm}")
    assert "Seen by ben" in html


# -- live fragments ---------------------------------------------------------------------
def test_live_fragments_for_the_conversation_page(app, logged_in_client, ben):
    dm = open_dm(logged_in_client)
    alice = logged_in_client.user
    message = sent_message(ben, dm, "<b>live</b> https://example.org")
    data = messages.to_dict(message)
    with app.test_request_context("/events/html"):
        to_alice = dict(render_fragments(Envelope("c", "message:new", data), frozenset(), alice.id))
        to_ben = dict(render_fragments(Envelope("c", "message:new", data), frozenset(), ben.id))
    item = to_alice[f"message-new-{dm}"]
    assert item.lstrip().startswith(f'<li id="message-{message.id}"')
    assert "&lt;b&gt;live&lt;/b&gt;" in item
    assert f'hx-post="/conversations/{dm}/read"' in item  # marks itself read for alice
    assert f'hx-post="/conversations/{dm}/read"' not in to_ben[f"message-new-{dm}"]
    # ... and takes its sender, only, off the typing line.
    assert to_alice[f"typing-{dm}"] == (
        f'<span id="typing-{dm}-{ben.id}" hx-swap-oob="delete"></span>'
    )

    message_edits.edit(ben, message.id, "changed")
    changed = messages.to_dict(db.session.get(Message, message.id))
    with app.test_request_context("/events/html"):
        update = dict(
            render_fragments(Envelope("c", "message:updated", changed), frozenset(), alice.id)
        )
        gone = {"conversation_id": dm, "message_id": message.id}
        message_edits.delete(ben, message.id)
        deleted = dict(
            render_fragments(Envelope("c", "message:deleted", gone), frozenset(), alice.id)
        )
        typing = {"conversation_id": dm, "user": ben.to_summary(), "typing": True}
        typed = dict(render_fragments(Envelope("c", "typing", typing), frozenset(), alice.id))
        own = dict(render_fragments(Envelope("c", "typing", typing), frozenset(), ben.id))
        stopped = {**typing, "typing": False}
        untyped = dict(render_fragments(Envelope("c", "typing", stopped), frozenset(), alice.id))
    assert 'hx-swap-oob="outerHTML"' in update[f"message-change-{dm}"]
    assert "changed" in update[f"message-change-{dm}"]
    assert "Message deleted" in deleted[f"message-change-{dm}"]
    assert typed[f"typing-{dm}"].strip() == (
        f'<span class="typer" id="typing-{dm}-{ben.id}" data-expires-in="6">ben is typing…</span>'
    )
    assert (
        untyped[f"typing-{dm}"] == f'<span id="typing-{dm}-{ben.id}" hx-swap-oob="delete"></span>'
    )
    assert own == {}


def test_read_fragment_tells_the_sender(app, logged_in_client, ben):
    dm = open_dm(logged_in_client)
    alice = logged_in_client.user
    message = sent_message(alice, dm, "seen?")
    message_reading.mark_read(ben, dm, message.id)
    read = {"conversation_id": dm, "message_id": message.id, "user_id": ben.id}
    with app.test_request_context("/events/html"):
        to_alice = dict(
            render_fragments(Envelope("c", "message:read", read), frozenset(), alice.id)
        )
        to_ben = dict(render_fragments(Envelope("c", "message:read", read), frozenset(), ben.id))
    assert to_alice[f"seen-{dm}"].strip() == "Seen by ben"
    # The reader's own pages recount their Messages badge and the conversation's row,
    # and their home page drops it from its unread list.
    assert set(to_ben) == {"messages-count", "conversation-row", "home-unread-gone"}
    assert to_ben["messages-count"] == '<span class="badge badge-empty"></span>'
    assert f'id="conversation-row-{dm}" class="conversation-row"' in to_ben["conversation-row"]
    assert "data-live-move" not in to_ben["conversation-row"]


# -- rooms ------------------------------------------------------------------------------
def test_rooms_directory_create_filter_and_join(logged_in_client, ben, ben_client):
    response = post(
        logged_in_client,
        "/rooms",
        name="Film night",
        description="Classics on Fridays",
        category="films",
        visibility="public",
        member_limit="50",
    )
    assert response.status_code == 302
    room_id = int(response.headers["Location"].rsplit("/", 1)[1])
    post(logged_in_client, "/rooms", name="Secret", visibility="private", member_limit="10")
    directory = page(ben_client, "/rooms")
    assert "Film night" in directory
    assert "Secret" not in directory
    assert "1 member" in directory
    assert "Film night" in page(ben_client, "/rooms?category=films")
    assert "Film night" not in page(ben_client, "/rooms?category=music")
    assert "Film night" in page(ben_client, "/rooms?q=classics")
    assert "No room matches." in page(ben_client, "/rooms?q=zzz")
    assert ben_client.get("/rooms?category=nonsense").status_code == 400
    joined = post(ben_client, f"/conversations/{room_id}/join")
    assert joined.status_code == 302
    assert joined.headers["Location"] == f"/conversations/{room_id}"
    assert 'id="transcript"' in page(ben_client, f"/conversations/{room_id}")
    assert "Open<span" in page(ben_client, "/rooms")


def test_join_with_htmx_and_a_full_room(logged_in_client, ben, ben_client, user_factory):
    room = conversations.create_room(logged_in_client.user, "Tiny", member_limit=2)
    hx = ben_client.post(
        f"/conversations/{room.id}/join", headers={**HX, "X-CSRFToken": csrf_token(ben_client)}
    )
    assert hx.status_code == 204
    assert hx.headers["HX-Redirect"] == f"/conversations/{room.id}"
    user_factory("cal")
    cal = signed_in(logged_in_client.application, "cal")
    full = post(cal, f"/conversations/{room.id}/join", headers=None)
    assert full.status_code == 302
    assert "It is full." in page(cal, "/rooms")


def test_someone_removed_is_told_why_the_room_does_not_take_them_back(
    logged_in_client, ben, ben_client
):
    room = conversations.create_room(logged_in_client.user, "Lobby")
    post(ben_client, f"/conversations/{room.id}/join", headers=None)
    conversation_members.remove_member(logged_in_client.user, room.id, "ben")
    again = post(ben_client, f"/conversations/{room.id}/join", headers=None)
    assert again.status_code == 302
    assert "You were removed from this room." in page(ben_client, "/rooms")


def test_room_form_errors(logged_in_client):
    response = post(logged_in_client, "/rooms", name="Big", member_limit="lots")
    assert response.status_code == 400
    said = "A room&#39;s member limit is a whole number from 2 to 10,000."
    assert said in response.get_data(as_text=True)
    response = post(logged_in_client, "/rooms", name="Big", member_limit="1")
    assert response.status_code == 400
    assert said in response.get_data(as_text=True)


# -- privacy ----------------------------------------------------------------------------
def test_non_members_get_404_for_private_conversations_and_files(
    logged_in_client, ben, ben_client, user_factory
):
    user_factory("cal")
    group = conversations.create_group(ben, "Private plans", ["cal"])
    upload = post(
        ben_client,
        f"/conversations/{group.id}/messages",
        body="",
        file=(io.BytesIO(PNG), "plan.png"),
    )
    assert upload.status_code == 302
    [message] = message_reading.history(ben, group.id)
    file_url = messages.to_dict(message)["attachment"]["url"]
    assert ben_client.get(file_url).status_code == 200
    for path in (
        f"/conversations/{group.id}",
        f"/conversations/{group.id}/members",
        file_url,
        f"/conversations/{group.id}/messages/{message.id}/edit",
        f"/conversations/{group.id}/compose",
    ):
        response = logged_in_client.get(path)
        assert response.status_code == 404, path
        assert "Private plans" not in response.get_data(as_text=True)
    for path in (
        f"/conversations/{group.id}/messages",
        f"/conversations/{group.id}/join",
        f"/conversations/{group.id}/read",
        f"/conversations/{group.id}/messages/{message.id}/react",
    ):
        response = post(logged_in_client, path, body="hi", emoji="👍", message_id=str(message.id))
        assert response.status_code == 404, path
    room = conversations.create_room(ben, "Public", members=[])
    sent_message(ben, room.id, "", attachment_id=_upload(ben, room.id).id)
    [room_message] = message_reading.history(ben, room.id)
    room_file = messages.to_dict(room_message)["attachment"]["url"]
    assert logged_in_client.get(room_file).status_code == 404


def _upload(user, conversation_id):
    from services import attachments

    return attachments.upload(user, conversation_id, io.BytesIO(PNG), "pic.png")


# -- attachments ------------------------------------------------------------------------
def test_files_images_inline_others_as_downloads(logged_in_client, ben, ben_client):
    dm = open_dm(logged_in_client)
    post(
        logged_in_client,
        f"/conversations/{dm}/messages",
        body="a picture",
        file=(io.BytesIO(PNG), "cat.png"),
    )
    post(
        logged_in_client,
        f"/conversations/{dm}/messages",
        body="",
        file=(io.BytesIO(b"plain notes\n" * 200_000), "notes <1>.txt"),  # 2.4 MB
    )
    image_message, text_message = reversed(message_reading.history(logged_in_client.user, dm))
    image_url = messages.to_dict(image_message)["attachment"]["url"]
    text_url = messages.to_dict(text_message)["attachment"]["url"]
    html = transcript(page(ben_client, f"/conversations/{dm}"))
    assert f'<img src="{image_url}" alt="cat.png"' in html
    assert f'<a href="{text_url}" download>notes &lt;1&gt;.txt</a>' in html
    image = ben_client.get(image_url)
    assert image.status_code == 200
    assert image.mimetype == "image/png"
    assert image.headers["Content-Disposition"].startswith("inline")
    assert image.headers["X-Content-Type-Options"] == "nosniff"
    text = ben_client.get(text_url)
    assert text.headers["Content-Disposition"].startswith("attachment")
    assert "notes" in text.headers["Content-Disposition"]
    assert len(text.data) == len(b"plain notes\n" * 200_000)


def test_unsupported_files_are_refused_in_the_form(logged_in_client, ben):
    dm = open_dm(logged_in_client)
    response = post(
        logged_in_client,
        f"/conversations/{dm}/messages",
        body="",
        file=(io.BytesIO(b"\x00\x01\x02binary"), "tool.exe"),
    )
    assert response.status_code == 400
    assert "Attach an image" in response.get_data(as_text=True)


# -- members ----------------------------------------------------------------------------
def test_member_management(logged_in_client, ben, ben_client, user_factory):
    user_factory("cal")
    group = conversations.create_group(logged_in_client.user, "Team", ["ben"])
    url = f"/conversations/{group.id}/members"
    html = page(logged_in_client, url)
    assert "Add member" in html
    assert "Make admin<span" in html
    assert "Add member" not in page(ben_client, url)
    assert post(logged_in_client, url, username="cal").status_code == 302
    assert "cal is a member now." in page(logged_in_client, url)
    post(logged_in_client, f"{url}/ben/role", role="admin")
    assert "Admin" in page(logged_in_client, url)
    post(logged_in_client, f"{url}/cal/mute", minutes="30")
    assert "Muted until" in page(logged_in_client, url)
    post(logged_in_client, f"{url}/cal/remove", confirm="yes")
    assert "@cal" not in page(logged_in_client, url)
    refused = post(ben_client, f"{url}/alice/remove", confirm="yes")
    assert refused.status_code == 302
    assert "You cannot remove them." in page(ben_client, url)
    unknown = post(logged_in_client, url, username="nobody_here")
    assert unknown.status_code == 302
    assert "flash-error" in page(logged_in_client, url)


def test_update_details_and_errors(logged_in_client, ben):
    group = conversations.create_group(logged_in_client.user, "Old name", ["ben"])
    url = f"/conversations/{group.id}/settings"
    response = post(logged_in_client, url, name="New name", description="About", category="news")
    assert response.status_code == 302
    html = page(logged_in_client, f"/conversations/{group.id}")
    assert "New name" in html
    assert "renamed this to" in html  # the system line
    bad = post(logged_in_client, url, name="", description="", category="news")
    assert bad.status_code == 400
    assert "Give it a name." in bad.get_data(as_text=True)


def test_leave_and_delete(logged_in_client, ben, ben_client):
    group = conversations.create_group(logged_in_client.user, "Short lived", ["ben"])
    left = post(ben_client, f"/conversations/{group.id}/leave")
    assert left.status_code == 302
    assert left.headers["Location"] == "/conversations"
    assert ben_client.get(f"/conversations/{group.id}").status_code == 404
    deleted = post(logged_in_client, f"/conversations/{group.id}/delete", confirm="yes")
    assert deleted.status_code == 302
    assert logged_in_client.get(f"/conversations/{group.id}").status_code == 404
    assert "Short lived" not in page(logged_in_client, "/conversations")


def _card(html: str) -> str:
    match = re.search(r"<section.*?</section>", html, re.S)
    assert match, "no card on the page"
    return match.group(0)


def test_an_open_page_its_viewer_left_says_why(app, logged_in_client, ben, ben_client):
    alice = logged_in_client.user
    room = conversations.create_room(alice, "Quiet talk", "private", members=["ben"])
    removed = {"conversation_id": room.id, "user": ben.to_summary(), "by": alice.to_summary()}
    left = {**removed, "by": None}
    with app.test_request_context("/events/html"):
        to_ben = dict(
            render_fragments(Envelope("u", "membership:removed", removed), frozenset(), ben.id)
        )
        to_alice = dict(
            render_fragments(Envelope("c", "membership:removed", removed), frozenset(), alice.id)
        )
        on_leaving = dict(
            render_fragments(Envelope("u", "membership:removed", left), frozenset(), ben.id)
        )
        deleted = {"conversation_id": room.id, "closed": False}
        on_deleting = dict(
            render_fragments(
                Envelope("c", "membership:conversation_deleted", deleted), frozenset(), ben.id
            )
        )
        closed = Envelope("c", "membership:conversation_deleted", {**deleted, "closed": True})
        on_closing = dict(render_fragments(closed, frozenset(), ben.id))
    ended = to_ben[f"message-change-{room.id}"]
    assert (
        '<div id="compose" class="compose compose-ended" role="alert" hx-swap-oob="outerHTML">'
        in ended
    )
    assert f"You were removed from this room by {alice.username}." in ended
    assert 'href="/conversations"' in ended
    assert f"message-change-{room.id}" not in to_alice  # the others' pages go on
    assert "You left this room." in on_leaving[f"message-change-{room.id}"]
    assert "This room was deleted." in on_deleting[f"message-change-{room.id}"]
    assert (
        "This room was closed by the site&#39;s moderators."
        in on_closing[f"message-change-{room.id}"]
    )
    # The member count goes with the message box: it would stay still from now on.
    assert f'<span id="member-count-{room.id}" hx-swap-oob="delete">' in ended
    # Reloaded, the page explains (the same words for any conversation one cannot see).
    conversation_members.remove_member(alice, room.id, "ben")
    reloaded = ben_client.get(f"/conversations/{room.id}")
    assert reloaded.status_code == 404
    assert "you are not a member of it" in reloaded.get_data(as_text=True)
    assert 'href="/conversations"' in reloaded.get_data(as_text=True)
    missing = ben_client.get("/conversations/999999")
    assert missing.status_code == 404
    assert _card(missing.get_data(as_text=True)) == _card(reloaded.get_data(as_text=True))
    assert ben_client.get(f"/conversations/{room.id}", headers=HX).status_code == 404
    assert ben_client.get(f"/api/v1/conversations/{room.id}").status_code == 404


def test_direct_conversations_have_no_member_page(logged_in_client, ben):
    dm = open_dm(logged_in_client)
    response = logged_in_client.get(f"/conversations/{dm}/members")
    assert response.status_code == 302
    assert post(logged_in_client, f"/conversations/{dm}/leave").status_code == 403


# -- search -----------------------------------------------------------------------------
def test_the_old_message_search_leads_to_the_one_search(logged_in_client):
    response = logged_in_client.get("/conversations/search?q=picnic")
    assert response.status_code == 302
    assert response.headers["Location"] == "/search?q=picnic&kind=messages"


# -- nothing users write becomes markup -------------------------------------------------
@pytest.mark.parametrize("payload", XSS)
def test_user_text_comes_out_escaped(logged_in_client, ben, payload):
    alice = logged_in_client.user
    group = conversations.create_group(alice, payload[:80], ["ben"], description=payload)
    room = conversations.create_room(alice, payload[:80], description=payload)
    sent_message(alice, group.id, payload)
    sent_message(alice, room.id, payload)
    for path in (
        f"/conversations/{group.id}",
        f"/conversations/{group.id}/members",
        f"/conversations/{room.id}",
        "/conversations",
        "/rooms",
        "/search?q=" + re.findall(r"[a-z]+", payload)[1],
    ):
        html = page(logged_in_client, path)
        for raw in ("<img src=x", "<script>alert", 'href="javascript:', '<div hx-get="/logout"'):
            assert raw not in html, (path, raw)
        assert "&lt;" in html, path


def test_new_message_recounts_the_recipients_messages_badge(app, logged_in_client, ben):
    dm = open_dm(logged_in_client)
    alice = logged_in_client.user
    message = sent_message(ben, dm, "ping")
    event = Envelope("c", "message:new", messages.to_dict(message))
    with app.test_request_context("/events/html"):
        to_alice = dict(render_fragments(event, frozenset(), alice.id))
        to_ben = dict(render_fragments(event, frozenset(), ben.id))
    assert to_alice["messages-count"].startswith('<span class="badge">1<')
    assert "messages-count" not in to_ben


def test_group_picture_upload_and_display(logged_in_client, ben):
    import io

    group = post(logged_in_client, "/conversations/groups", name="Pics", members="ben")
    cid = int(group.headers["Location"].split("/")[2].split("?")[0].split("#")[0])
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    token = csrf_token(logged_in_client)
    bad = logged_in_client.post(
        f"/conversations/{cid}/picture",
        data={"csrf_token": token, "image": (io.BytesIO(b"<svg/>"), "x.png")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "PNG, JPEG, GIF or WebP" in bad.get_data(as_text=True)
    good = logged_in_client.post(
        f"/conversations/{cid}/picture",
        data={"csrf_token": token, "image": (io.BytesIO(png), "x.png")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "The picture is up." in good.get_data(as_text=True)
    page = logged_in_client.get(f"/conversations/{cid}").get_data(as_text=True)
    assert f'src="/api/v1/conversations/{cid}/image"' in page
    assert logged_in_client.get(f"/api/v1/conversations/{cid}/image").mimetype == "image/png"


def test_a_refused_htmx_request_gets_its_reason_as_plain_text(logged_in_client):
    response = hx_post(logged_in_client, "/conversations/999999/typing")
    assert response.status_code == 404
    assert response.mimetype == "text/plain"
    assert "<html" not in response.get_data(as_text=True)
    assert response.get_data(as_text=True).strip()
