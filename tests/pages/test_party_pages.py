"""Watch-party pages: listing, creating (with its errors), invite links and approval, the
party page and its Content-Security-Policy, the no-JS chat and reaction forms, and the
host's forms, which refuse everyone else."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest

from extensions import db
from realtime import cursor as cursors
from realtime import store
from services import parties, party_chat, party_membership, party_queue, party_shapes, playback
from tests.conftest import running
from tests.support.pages import HX, csrf_token, hx_post, page, post, signed_in

VIDEO = "https://media.example/film.mp4"
YOUTUBE = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"


@pytest.fixture
def app(tmp_path):
    """Generous page limits: these tests create and join many parties."""
    with running(
        tmp_path,
        PARTY_CREATE_RATE_LIMIT="1000 per hour",
        PARTY_JOIN_RATE_LIMIT="1000 per hour",
        CONVERSATION_WRITE_RATE_LIMIT="1000 per minute",
        PARTY_WRITE_RATE_LIMIT="1000 per minute",
    ) as application:
        yield application


def new_party(user, **fields):
    return parties.create(user, {"title": "Film night", "media_url": VIDEO, **fields})


def party_id_from(response) -> int:
    match = re.fullmatch(r"/parties/(\d+)(#.*)?", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def field_error(html: str, field_id: str) -> str:
    match = re.search(rf'<p class="error" id="{field_id}-error">(.*?)</p>', html, re.S)
    assert match, f"no error shown next to {field_id}"
    return match.group(1)


# -- every page renders ------------------------------------------------------------------
def test_pages_need_sign_in(client, ben):
    party = new_party(ben)
    for path in ("/parties", "/parties/new", f"/join/{party.code}", f"/parties/{party.id}"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/login")


def test_every_page_renders(logged_in_client, ben):
    client = logged_in_client
    live = new_party(ben, description="Bring snacks")
    later = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    new_party(ben, title="Next week", scheduled_at=later)
    finished = new_party(ben, title="Last week")
    parties.end(ben, finished.id)
    mine = new_party(client.user, title="Mine", media_url=YOUTUBE)
    for path in (
        "/parties",
        "/parties?tab=upcoming",
        "/parties?tab=ended",
        "/parties?tab=bogus&page=x",
        "/parties/new",
        f"/join/{live.code}",
        f"/join/{live.code.lower()}",
        f"/parties/{live.id}",  # not in it yet: the invite card
        f"/parties/{mine.id}",
        f"/parties/{mine.id}?before=1",
        f"/parties/{finished.id}",
        "/u/ben",
    ):
        assert "<h1" in page(client, path), path
    assert 'href="/parties"' in page(client, "/")
    listing = page(client, "/parties")
    assert "Film night" in listing
    assert "Next week" not in listing
    assert "Next week" in page(client, "/parties?tab=upcoming")
    assert "Last week" in page(client, "/parties?tab=ended")
    assert "This party has ended." in page(client, f"/parties/{finished.id}")
    profile = page(client, "/u/ben")
    assert "Watch parties by ben" in profile
    assert "Film night" in profile
    assert "Next week" in profile
    assert "Last week" not in profile


def test_listing_shows_host_count_and_a_join_link_and_pages(logged_in_client, ben, user_factory):
    party = new_party(ben)
    party_membership.join_by_code(user_factory("cal"), party.code)
    hidden = new_party(ben, title="Secret screening", visibility="private")
    html = page(logged_in_client, "/parties")
    listed = r'<li class="party-card" id="party-card-\d+">.*?Film night.*?</li>'
    card = re.search(listed, html, re.S).group(0)
    assert ">ben</a>" in card
    assert "2 people" in card
    assert f'href="/join/{party.code}"' in card
    assert "Secret screening" not in html
    assert hidden.code not in html
    for n in range(parties.LIST_PAGE):
        new_party(ben, title=f"Marathon {n}")
    first = page(logged_in_client, "/parties")
    assert 'href="/parties?tab=live&amp;page=2" rel="next"' in first
    second = page(logged_in_client, "/parties?tab=live&page=2")
    assert 'rel="prev"' in second
    assert "Film night" in second  # the oldest, pushed to the second page
    # Joined parties say Open instead of Join.
    party_membership.join_by_code(logged_in_client.user, party.code)
    assert f'href="/parties/{party.id}">Open' in page(logged_in_client, "/parties?page=2")


# -- creating ----------------------------------------------------------------------------
def test_create_a_party_from_the_form(logged_in_client):
    response = post(
        logged_in_client,
        "/parties/new",
        title="Sunday matinee",
        description="Classics",
        media_url=VIDEO,
        visibility="friends",
        max_participants="12",
        requires_approval="1",
        allow_suggestions="1",
    )
    assert response.status_code == 302
    party_id = party_id_from(response)
    access = parties.get(logged_in_client.user, party_id)
    party = access.party
    assert (party.title, party.description, party.visibility) == (
        "Sunday matinee",
        "Classics",
        "friends",
    )
    assert (party.max_participants, party.requires_approval, party.allow_suggestions) == (
        12,
        True,
        True,
    )
    assert party.status == "live"
    assert access.is_host
    html = page(logged_in_client, f"/parties/{party_id}")
    assert "Sunday matinee" in html
    assert f"http://localhost/join/{party.code}" in html
    assert f">{party.code}</strong>" in html
    assert '<video id="party-video"' in html
    assert 'id="party-data"' in html


def test_scheduled_time_is_read_in_the_browsers_zone(logged_in_client):
    local = datetime.now(UTC) + timedelta(days=3)
    # A browser two hours ahead of UTC says -120, as JavaScript's getTimezoneOffset does.
    typed = (local + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    response = post(
        logged_in_client,
        "/parties/new",
        title="Later",
        media_url=VIDEO,
        visibility="public",
        scheduled_at=typed,
        tz_offset="-120",
    )
    assert response.status_code == 302
    party = parties.get(logged_in_client.user, party_id_from(response)).party
    assert party.status == "upcoming"
    when = party.scheduled_at.replace(tzinfo=party.scheduled_at.tzinfo or UTC)
    assert abs((when - local).total_seconds()) < 60
    html = page(logged_in_client, f"/parties/{party.id}")
    assert "Start now" in html


@pytest.mark.parametrize(
    ("fields", "field_id", "words"),
    [
        ({"media_url": "javascript:alert(1)"}, "party-media", "Use a YouTube link"),
        ({"media_url": "https://youtu.be/"}, "party-media", "names no video"),
        ({"media_url": ""}, "party-media", "Use a YouTube link"),
        ({"title": "   "}, "party-title", "Give the party a title."),
        ({"title": "x" * 121}, "party-title", "at most 120 characters"),
        ({"max_participants": "1"}, "party-limit", "from 2 to 1000"),
        ({"max_participants": "lots"}, "party-limit", "from 2 to 1000"),
        ({"visibility": "everyone"}, "party-visibility", "public, private or friends"),
        ({"scheduled_at": "2001-01-01T10:00"}, "party-when", "within the next year"),
        ({"scheduled_at": "soon"}, "party-when", "ISO 8601"),
    ],
)
def test_bad_input_is_explained_next_to_its_field(logged_in_client, fields, field_id, words):
    form = {"title": "Nice", "media_url": VIDEO, "visibility": "public", **fields}
    response = post(logged_in_client, "/parties/new", **form)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert words in field_error(html, field_id)
    assert 'aria-invalid="true"' in html or field_id == "party-visibility"
    me = logged_in_client.user
    assert parties.hosted_by(me, me) == []


def test_form_keeps_what_was_typed_and_shows_every_field_error(logged_in_client):
    response = post(
        logged_in_client,
        "/parties/new",
        title="",
        media_url="javascript:alert(1)",
        description="<b>keep me</b>",
        visibility="private",
        requires_approval="1",
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Give the party a title." in field_error(html, "party-title")
    assert "Use a YouTube link" in field_error(html, "party-media")
    assert 'value="javascript:alert(1)"' in html
    assert "&lt;b&gt;keep me&lt;/b&gt;</textarea>" in html
    assert 'value="private" checked' in html
    assert 'id="party-approval" name="requires_approval" value="1" checked' in html


# -- invite links ------------------------------------------------------------------------
def test_join_by_link(logged_in_client, ben, ben_client):
    party = new_party(logged_in_client.user, visibility="private")
    invite = page(ben_client, f"/join/{party.code}")
    assert "Film night" in invite
    assert f'action="/join/{party.code}"' in invite
    assert "Join the party" in invite
    # Before joining, a private party's page does not exist for ben.
    page(ben_client, f"/parties/{party.id}", status=404)
    response = post(ben_client, f"/join/{party.code.lower()}")
    assert response.status_code == 302
    assert party_id_from(response) == party.id
    html = page(ben_client, f"/parties/{party.id}")
    assert 'id="party-data"' in html
    assert "You are in this party." in page(ben_client, f"/join/{party.code}")
    people = re.search(
        r'<section class="card party-panel" id="party-people".*?</section>', html, re.S
    )
    assert ">ben</a>" in people.group(0)


def test_a_private_party_waiting_for_approval_shows_the_waiting_page(
    logged_in_client, ben, ben_client
):
    party = new_party(logged_in_client.user, requires_approval=True, visibility="private")
    assert post(ben_client, f"/join/{party.code}").status_code == 202
    assert "Waiting for the host" in page(ben_client, f"/parties/{party.id}")


def test_join_needing_approval_waits_for_the_host(logged_in_client, ben, ben_client):
    host = logged_in_client
    party = new_party(host.user, requires_approval=True)
    assert "Ask to join" in page(ben_client, f"/join/{party.code}")
    response = post(ben_client, f"/join/{party.code}")
    assert response.status_code == 202
    assert "Waiting for the host to let you in." in response.get_data(as_text=True)
    assert "js/party/waiting.js" in response.get_data(as_text=True)
    assert "Waiting for the host" in page(ben_client, f"/parties/{party.id}")
    # The host sees the request and lets ben in.
    html = page(host, f"/parties/{party.id}")
    assert "Asking to join" in html
    assert f"/parties/{party.id}/requests/ben/approve" in html
    response = post(host, f"/parties/{party.id}/requests/ben/approve")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/parties/{party.id}#party-people"
    assert 'id="party-data"' in page(ben_client, f"/parties/{party.id}")


def test_refusing_with_htmx_answers_the_people_panel(logged_in_client, ben, ben_client):
    party = new_party(logged_in_client.user, requires_approval=True)
    post(ben_client, f"/join/{party.code}")
    response = hx_post(logged_in_client, f"/parties/{party.id}/requests/ben/refuse")
    assert response.status_code == 200
    panel = response.get_data(as_text=True)
    assert panel.lstrip().startswith('<section class="card party-panel" id="party-people"')
    assert "ben was turned away." in panel
    assert "<html" not in panel
    assert party_membership.pending_requests(logged_in_client.user, party.id) == []


def test_someone_turned_away_asks_again_only_after_a_while(logged_in_client, ben, ben_client):
    party = new_party(logged_in_client.user, requires_approval=True)
    post(ben_client, f"/join/{party.code}")
    post(logged_in_client, f"/parties/{party.id}/requests/ben/refuse")
    for asked in (
        post(ben_client, f"/join/{party.code}"),
        post(ben_client, f"/parties/{party.id}/join"),
    ):
        assert asked.status_code == 403
        assert "You can ask again after" in asked.get_data(as_text=True)
    card = page(ben_client, f"/join/{party.code}")
    assert "You can ask again after" in card
    assert "Ask to join" not in card
    assert party_membership.pending_requests(logged_in_client.user, party.id) == []
    turned_away = party_membership.party_access.participant_of(party.id, ben.id)
    turned_away.joined_at -= party_membership.ASK_AGAIN_AFTER
    db.session.commit()
    assert "Ask to join" in page(ben_client, f"/join/{party.code}")
    assert post(ben_client, f"/join/{party.code}").status_code == 202


def test_join_from_the_party_page_of_a_public_party(logged_in_client, ben):
    party = new_party(ben)
    card = page(logged_in_client, f"/parties/{party.id}")
    assert f'action="/parties/{party.id}/join"' in card
    response = post(logged_in_client, f"/parties/{party.id}/join")
    assert response.status_code == 302
    assert 'id="party-data"' in page(logged_in_client, f"/parties/{party.id}")


def test_unknown_codes_are_a_404_page(logged_in_client):
    for path in ("/join/ZZZZZZ", "/join/nope", "/join/%3Cscript%3E"):
        html = page(logged_in_client, path, status=404)
        assert "Page not found" in html or "No party has that code." in html
    response = post(logged_in_client, "/join/ZZZZZZ")
    assert response.status_code == 404
    assert "No party has that code." in response.get_data(as_text=True)
    code_box = logged_in_client.get("/join?code=abc234")
    assert code_box.headers["Location"] == "/join/ABC234"


def test_private_parties_are_404_for_outsiders(logged_in_client, ben, ben_client):
    party = new_party(logged_in_client.user, visibility="private")
    for path in (
        f"/parties/{party.id}",
        f"/parties/{party.id}/people",
        f"/parties/{party.id}/queue",
    ):
        assert ben_client.get(path, headers=HX).status_code in (403, 404), path
    html = page(ben_client, f"/parties/{party.id}", status=404)
    assert "Film night" not in html
    for path in (
        f"/parties/{party.id}/join",
        f"/parties/{party.id}/messages",
        f"/parties/{party.id}/leave",
        f"/parties/{party.id}/end",
    ):
        response = post(ben_client, path, body="hi")
        assert response.status_code == 404, path
        assert "Film night" not in response.get_data(as_text=True)
    assert party.code not in page(ben_client, "/parties")


# -- the party page ----------------------------------------------------------------------
def test_party_page_policy_allows_youtube_only_there(logged_in_client):
    party = new_party(logged_in_client.user, media_url=YOUTUBE)
    response = logged_in_client.get(f"/parties/{party.id}")
    policy = response.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["script-src"] == "'self' https://www.youtube.com https://s.ytimg.com"
    assert directives["frame-src"] == "https://www.youtube.com https://www.youtube-nocookie.com"
    assert directives["media-src"] == "'self' http: https: blob:"
    # The rest of the site-wide policy stays.
    for kept in ("default-src 'self'", "style-src 'self'", "object-src 'none'"):
        assert kept in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    html = response.get_data(as_text=True)
    assert 'id="party-youtube"' in html
    assert '"youtube_id": "dQw4w9WgXcQ"' in html
    for path in ("/", "/parties", "/parties/new", f"/join/{party.code}"):
        elsewhere = logged_in_client.get(path).headers["Content-Security-Policy"]
        assert "script-src 'self';" in elsewhere, path
        assert "youtube.com" not in elsewhere.split("script-src", 1)[1].split(";")[0]
        assert "http:" not in elsewhere


def test_party_page_has_no_inline_script_or_style(logged_in_client, ben):
    party = new_party(logged_in_client.user)
    party_membership.join_by_code(ben, party.code)
    party_chat.send(ben, party.id, "</script><script>alert(1)</script>", video_time=3)
    html = page(logged_in_client, f"/parties/{party.id}")
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, re.S)
    for attributes, body in scripts:
        assert "src=" in attributes or 'type="application/json"' in attributes, attributes
        if 'type="application/json"' in attributes:
            assert "<" not in body  # data, with < escaped
        else:
            assert not body.strip()
    assert " style=" not in html
    assert "<style" not in html
    assert not re.search(r"\son[a-z]+=", html)
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_party_page_data_and_controls_by_role(logged_in_client, ben, ben_client):
    party = new_party(logged_in_client.user)
    party_membership.join_by_code(ben, party.code)
    host_html = page(logged_in_client, f"/parties/{party.id}")
    viewer_html = page(ben_client, f"/parties/{party.id}")
    host_video = re.search(r'<video id="party-video"[^>]*>', host_html).group(0)
    viewer_video = re.search(r'<video id="party-video"[^>]*>', viewer_html).group(0)
    assert f'src="{VIDEO}"' in host_video
    # Nobody gets the browser's own controls: the host's timeline makes one seek of a drag,
    # the viewer sees a progress bar.
    assert "controls" not in host_video
    assert "controls" not in viewer_video
    assert 'id="seek-slider"' in host_html
    assert 'aria-label="Position in the video for everyone"' in host_html
    assert re.search(r'<progress id="party-progress"[^>]*hidden', host_html)
    assert not re.search(r'<progress id="party-progress"[^>]*hidden', viewer_html)
    for html in (host_html, viewer_html):
        ids = re.findall(r'\sid="([^"]+)"', html)
        assert sorted({i for i in ids if ids.count(i) > 1}) == []
    assert '"role": "host"' in host_html
    assert '"role": "viewer"' in viewer_html
    # Role toggles and removal are the host's; the viewer sees none.
    assert f"/parties/{party.id}/participants/ben/role" in host_html
    assert "/participants/" not in viewer_html
    assert "data-host-only hidden" in viewer_html
    for emoji in party_chat.REACTIONS:
        assert f'value="{emoji}"' in viewer_html
    assert 'id="stay-in-sync" checked' in viewer_html
    assert "Click to join playback" in viewer_html


def party_data(html: str) -> dict:
    found = re.search(r'<script type="application/json" id="party-data">(.*?)</script>', html, re.S)
    assert found, "no party data on the page"
    return json.loads(found.group(1))


def test_party_page_renders_the_cursor_its_stream_starts_from(logged_in_client, ben, ben_client):
    """The page's stream (SSE when sockets are refused) resumes from the moment the page
    was rendered: the newest event then, so what happens after it is replayed, and what
    the page already shows is not."""
    party = new_party(logged_in_client.user)
    party_membership.join_by_code(ben, party.code)
    party_chat.send(ben, party.id, "before the page")
    data = party_data(page(logged_in_client, f"/parties/{party.id}"))
    assert cursors.decode(data["stream_cursor"]) == store.latest_id()
    assert data["urls"]["stream"] == "/api/v1/events/stream"
    assert data["urls"]["time"] == "/api/v1/time"

    party_chat.send(ben, party.id, "after the page")
    later = party_data(page(logged_in_client, f"/parties/{party.id}"))["stream_cursor"]
    assert cursors.decode(later) > cursors.decode(data["stream_cursor"])
    # Resuming from the first page's cursor brings exactly what came after it.
    response = logged_in_client.get(f"/api/v1/events?cursor={data['stream_cursor']}&timeout=0")
    bodies = [
        event["data"]["body"]
        for event in response.get_json()["events"]
        if event["event"] == "party:message"
    ]
    assert bodies == ["after the page"]


def test_chat_history_pages_back(logged_in_client):
    party = new_party(logged_in_client.user)
    sent = [party_chat.send(logged_in_client.user, party.id, f"line {n}") for n in range(55)]
    html = page(logged_in_client, f"/parties/{party.id}")
    assert "line 54" in html
    assert "line 5<" in html
    assert "line 4<" not in html
    assert html.index("line 53") < html.index("line 54")  # newest at the bottom
    assert f"?before={sent[5].id}" in html
    older = page(logged_in_client, f"/parties/{party.id}?before={sent[5].id}")
    assert "line 0<" in older
    assert "line 4<" in older
    assert "line 5<" not in older
    assert "Back to the newest messages" in older


# -- chat and reactions without JavaScript -----------------------------------------------
def test_chat_form_without_javascript(logged_in_client, ben, ben_client):
    party = new_party(logged_in_client.user)
    party_membership.join_by_code(ben, party.code)
    response = post(
        ben_client,
        f"/parties/{party.id}/messages",
        body="  Look at this bit!  ",
        video_time="65.5",
        client_id="form-1",
    )
    assert response.status_code == 302
    [message] = party_chat.history(ben, party.id)
    assert response.headers["Location"] == f"/parties/{party.id}#chat-message-{message.id}"
    assert (message.body, message.video_time) == ("Look at this bit!", 65.5)
    again = post(ben_client, f"/parties/{party.id}/messages", body="x", client_id="form-1")
    assert again.status_code == 302
    assert len(party_chat.history(ben, party.id)) == 1
    html = page(logged_in_client, f"/parties/{party.id}")
    assert 'class="chat-time" data-seek="65.5"' in html
    assert ">1:05</button>" in html
    assert "Look at this bit!" in html
    # Without a time there is no button.
    post(ben_client, f"/parties/{party.id}/messages", body="no time")
    assert html.count('class="chat-time"') == 1


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"body": "   "}, "Write something first."),
        ({"body": "x" * 1001}, "at most 1000 characters"),
        ({"body": "ok", "video_time": "later"}, "must be a number of seconds"),
        ({"body": "ok", "video_time": "-5"}, "out of range"),
    ],
)
def test_chat_form_errors_are_shown(logged_in_client, fields, words):
    party = new_party(logged_in_client.user)
    response = post(logged_in_client, f"/parties/{party.id}/messages", **fields)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert words in re.search(r'<p class="error" id="chat-error"[^>]*>(.*?)</p>', html).group(1)
    assert "Content-Security-Policy" in response.headers


def test_chat_is_for_people_in_the_party(logged_in_client, ben_client):
    party = new_party(logged_in_client.user)
    response = post(ben_client, f"/parties/{party.id}/messages", body="hi")
    assert response.status_code == 403
    assert "Join the party first." in response.get_data(as_text=True)


def test_reaction_form(logged_in_client):
    party = new_party(logged_in_client.user)
    response = post(logged_in_client, f"/parties/{party.id}/reactions", emoji="🎉")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/parties/{party.id}"
    assert (
        hx_post(logged_in_client, f"/parties/{party.id}/reactions", emoji="👍").status_code == 204
    )
    assert post(logged_in_client, f"/parties/{party.id}/reactions", emoji="💩").status_code == 400


# -- the host's forms --------------------------------------------------------------------
def test_host_forms_refuse_everyone_else(logged_in_client, ben, ben_client, user_factory):
    host = logged_in_client
    cal = user_factory("cal")
    party = new_party(host.user, requires_approval=True)
    _ben_party, _ = party_membership.join_by_code(ben, party.code)
    party_membership.decide(host.user, party.id, "ben", True)
    party_membership.join_by_code(cal, party.code)  # waits
    item = party_queue.add(host.user, party.id, VIDEO, "Second film")
    pid = party.id
    for path, data in (
        (f"/parties/{pid}/end", {}),
        (f"/parties/{pid}/start", {}),
        (f"/parties/{pid}/participants/{host.user.username}/role", {"role": "viewer"}),
        (f"/parties/{pid}/participants/cal/remove", {}),
        (f"/parties/{pid}/requests/cal/approve", {}),
        (f"/parties/{pid}/requests/cal/refuse", {}),
        (f"/parties/{pid}/queue/{item.id}/remove", {}),
        (f"/parties/{pid}/queue/{item.id}/accept", {}),
        (f"/parties/{pid}/queue/{item.id}/down", {}),
        (f"/parties/{pid}/next", {}),
        (f"/parties/{pid}/queue", {"media_url": VIDEO}),  # suggestions are off
    ):
        response = post(ben_client, path, **data)
        assert response.status_code == 403, path
        html = response.get_data(as_text=True)
        assert "Not allowed" in html, path
        assert "<h1" in html
    assert parties.get(host.user, pid).party.status == "live"
    assert [p.user.username for p in party_membership.pending_requests(host.user, pid)] == ["cal"]
    assert len(party_queue.listing(host.user, pid)) == 1


def test_forms_need_the_csrf_token(logged_in_client, ben):
    party = new_party(logged_in_client.user)
    party_membership.join_by_code(ben, party.code)
    pid = party.id
    for path, data in (
        ("/parties/new", {"title": "x", "media_url": VIDEO}),
        (f"/join/{party.code}", {}),
        (f"/parties/{pid}/messages", {"body": "hi"}),
        (f"/parties/{pid}/reactions", {"emoji": "🎉"}),
        (f"/parties/{pid}/end", {}),
        (f"/parties/{pid}/leave", {}),
        (f"/parties/{pid}/participants/ben/remove", {}),
        (f"/parties/{pid}/queue", {"media_url": VIDEO}),
    ):
        response = logged_in_client.post(path, data=data)
        assert response.status_code == 400, path
        assert "Reload the page and try again." in response.get_data(as_text=True)
    assert parties.get(logged_in_client.user, pid).party.status == "live"
    assert party_chat.history(logged_in_client.user, pid) == []
    assert len(party_membership.participants(logged_in_client.user, pid)) == 2


def test_roles_and_removal(logged_in_client, ben, user_factory):
    host = logged_in_client
    cal = user_factory("cal")
    party = new_party(host.user)
    for person in (ben, cal):
        party_membership.join_by_code(person, party.code)
    response = post(host, f"/parties/{party.id}/participants/ben/role", role="co-host")
    assert response.status_code == 302
    assert parties.get(ben, party.id).role == "co-host"
    panel = hx_post(host, f"/parties/{party.id}/participants/ben/role", role="viewer")
    assert "ben is a viewer now." in panel.get_data(as_text=True)
    assert parties.get(ben, party.id).role == "viewer"
    bad = hx_post(host, f"/parties/{party.id}/participants/ben/role", role="king")
    assert "co-host or viewer" in bad.get_data(as_text=True)
    response = post(host, f"/parties/{party.id}/participants/cal/remove", confirm="yes")
    assert response.status_code == 302
    assert parties.get(cal, party.id).participant.status == "removed"
    assert "You were removed from this party." in page(
        signed_in(host.application, "cal"), f"/parties/{party.id}"
    )


def test_queue_forms(logged_in_client, ben, ben_client):
    host = logged_in_client
    party = new_party(host.user, allow_suggestions=True)
    party_membership.join_by_code(ben, party.code)
    pid = party.id
    assert post(host, f"/parties/{pid}/queue", media_url=VIDEO, title="One").status_code == 302
    panel = hx_post(host, f"/parties/{pid}/queue", media_url=YOUTUBE, title="Two")
    assert "Added to the queue." in panel.get_data(as_text=True)
    suggestion = post(ben_client, f"/parties/{pid}/queue", media_url=VIDEO, title="Mine!")
    assert suggestion.status_code == 302
    one, two, mine = party_queue.listing(host.user, pid)
    assert mine.status == "suggested"
    html = page(host, f"/parties/{pid}")
    assert "Suggested" in html
    assert f"/queue/{mine.id}/accept" in html
    assert post(host, f"/parties/{pid}/queue/{mine.id}/accept").status_code == 302
    assert post(host, f"/parties/{pid}/queue/{two.id}/up").status_code == 302
    assert [i.id for i in party_queue.listing(host.user, pid)] == [two.id, one.id, mine.id]
    assert post(host, f"/parties/{pid}/queue/{one.id}/remove").status_code == 302
    assert [i.id for i in party_queue.listing(host.user, pid)] == [two.id, mine.id]
    # A bad link is explained next to the field, with and without htmx.
    bad = post(host, f"/parties/{pid}/queue", media_url="javascript:alert(1)", title="Bad")
    assert bad.status_code == 400
    assert "Use a YouTube link" in field_error(bad.get_data(as_text=True), "queue-media")
    hx_bad = hx_post(host, f"/parties/{pid}/queue", media_url="ftp://x", title="Bad")
    assert hx_bad.status_code == 200
    assert "Use a YouTube link" in field_error(hx_bad.get_data(as_text=True), "queue-media")
    # Playing the next one takes it off the queue.
    assert post(host, f"/parties/{pid}/next").status_code == 302
    assert party_shapes.state(parties.get(host.user, pid).party)["media_url"] == YOUTUBE
    assert [i.id for i in party_queue.listing(host.user, pid)] == [mine.id]


def test_leave_end_and_start(logged_in_client, ben, ben_client):
    party = new_party(logged_in_client.user)
    party_membership.join_by_code(ben, party.code)
    response = post(ben_client, f"/parties/{party.id}/leave")
    assert response.status_code == 302
    assert response.headers["Location"] == "/parties"
    assert "You left “Film night”." in page(ben_client, "/parties")
    response = post(logged_in_client, f"/parties/{party.id}/end", confirm="yes")
    assert response.status_code == 302
    html = page(logged_in_client, f"/parties/{party.id}")
    assert "This party has ended." in html
    assert 'id="party-data"' not in html
    later = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    upcoming = new_party(logged_in_client.user, scheduled_at=later)
    assert post(logged_in_client, f"/parties/{upcoming.id}/start").status_code == 302
    assert parties.get(logged_in_client.user, upcoming.id).party.status == "live"


def test_people_panel_refreshes_for_people_in_the_party(logged_in_client, ben, ben_client):
    party = new_party(logged_in_client.user)
    party_membership.join_by_code(ben, party.code)
    playback.heartbeat(ben, party.id, 0.0, False)
    panel = ben_client.get(f"/parties/{party.id}/people", headers=HX)
    assert panel.status_code == 200
    html = panel.get_data(as_text=True)
    assert 'hx-trigger="party-refresh"' in html
    assert "data-drift-user" not in html  # drift is for the host and co-hosts
    host_panel = logged_in_client.get(f"/parties/{party.id}/people", headers=HX)
    assert f'data-drift-user="{ben.id}"' in host_panel.get_data(as_text=True)
    plain = ben_client.get(f"/parties/{party.id}/queue")
    assert plain.headers["Location"] == f"/parties/{party.id}#party-queue"


def test_the_party_page_counts_who_watches_and_shows_me_online(ben_client, ben, user_factory):
    """One's own entry is online and watching (this page is open); a participant online on
    another page is neither counted nor marked as watching."""
    from realtime import resume
    from realtime.connections import Identity

    party = new_party(ben)
    cole = user_factory("cole")
    party_membership.enter(cole, party.id)
    resume.open_stream(Identity(user_id=cole.id), "sse")  # cole is on another page
    html = page(ben_client, f"/parties/{party.id}")
    assert re.search(r'id="party-count">1</span> watching', html)
    rows = dict(re.findall(r'data-user-id="(\d+)">(.*?)</li>', html, re.S))
    assert "Online" in rows[str(ben.id)]
    assert "Offline" not in rows[str(ben.id)]
    assert re.search(r"data-watching>Watching", rows[str(ben.id)])
    assert "Online" in rows[str(cole.id)]
    assert re.search(r"data-watching hidden>Watching", rows[str(cole.id)])
    # The page's stream resumes from its render and watches the party.
    assert re.search(rf'sse-connect="/events/html\?cursor=[^"&]+&amp;party={party.id}"', html)


def test_an_ended_party_says_so_once_and_what_was_watched(logged_in_client, ben, ben_client):
    party = new_party(logged_in_client.user, title="Film night")
    party_membership.join_by_code(ben, party.code)
    party_queue.add(logged_in_client.user, party.id, VIDEO + "?2", "The sequel")
    assert 'Now playing: <strong id="now-playing">Film night</strong>' in page(
        ben_client, f"/parties/{party.id}"
    )
    playback.next_item(logged_in_client.user, party.id)
    assert ">The sequel</strong>" in page(ben_client, f"/parties/{party.id}")

    response = logged_in_client.post(
        f"/parties/{party.id}/end",
        data={"csrf_token": csrf_token(logged_in_client), "confirm": "yes"},
    )
    assert response.status_code == 302
    for client in (logged_in_client, ben_client):
        html = page(client, f"/parties/{party.id}")
        assert html.count("has ended") == 1
        assert "This party has ended." in html
        assert "party-status-live" not in html
        assert "party-status-ended" not in html
        assert 'id="party-count"' not in html
        assert "watching-tag" not in html  # nobody watches an ended party
        assert "/leave" not in html
        assert "Now playing" not in html
        assert 'Film night</span>, <span class="watched-item">The sequel' in html
        assert 'href="/parties/new"' in html


def test_the_mine_tab_lists_every_party_of_the_host(logged_in_client, ben):
    hidden = new_party(logged_in_client.user, title="Just us", visibility="private")
    over = new_party(logged_in_client.user, title="Done already")
    parties.end(logged_in_client.user, over.id)
    new_party(ben, title="Not mine")
    html = page(logged_in_client, "/parties?tab=mine")
    assert f'href="/parties/{hidden.id}"' in html
    assert "Done already" in html
    assert "Not mine" not in html
    assert "Just us" not in page(logged_in_client, "/parties")
