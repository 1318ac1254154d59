"""The navigation's status control, with and without htmx, and the status shown wherever
presence is."""

from __future__ import annotations

import pytest

from realtime.bus import bus
from services import presence
from tests.conftest import csrf_token, log_in


def post(client, **data):
    return client.post("/settings/status", data={"csrf_token": csrf_token(client), **data})


@pytest.fixture
def ben(user_factory):
    person = user_factory("ben")
    bus.presence.store.renew([person.id], ttl=20)  # ben has a page open
    return person


def test_the_control_is_in_the_navigation_labelled(logged_in_client):
    page = logged_in_client.get("/").get_data(as_text=True)
    assert 'id="status-control"' in page
    assert '<span class="visually-hidden">Your status: </span>' in page
    assert "<legend>Your status</legend>" in page
    assert '<label for="status-text">Status text' in page
    assert 'maxlength="80"' in page
    assert 'data-idle-seconds="300"' in page
    assert "js/idle.js" in page


def test_signed_out_pages_have_no_control(client):
    assert 'id="status-control"' not in client.get("/login").get_data(as_text=True)


def test_without_js_the_form_posts_and_comes_back(logged_in_client):
    response = post(logged_in_client, status="busy", text="Reading", next="/parties?x=1")
    assert response.status_code == 302
    assert response.headers["Location"] == "/parties?x=1"
    shown = presence.mine(logged_in_client.user.id)
    assert (shown["status"], shown["text"]) == ("busy", "Reading")
    page = logged_in_client.get("/parties").get_data(as_text=True)
    assert 'data-status="busy"' in page
    assert 'class="status-summary-text"' in page
    assert "Reading" in page


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil"])
def test_it_comes_back_only_to_this_site(logged_in_client, target):
    response = post(logged_in_client, status="away", next=target)
    assert response.headers["Location"] == "/"


def test_with_htmx_the_control_swaps_itself(logged_in_client):
    response = logged_in_client.post(
        "/settings/status",
        data={"status": "away", "text": "Lunch", "next": "/people"},
        headers={"HX-Request": "true", "X-CSRFToken": csrf_token(logged_in_client)},
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<details class="status-control" id="status-control"')
    assert 'data-status="away"' in html
    assert 'value="Lunch"' in html
    assert 'name="next" value="/people"' in html


def test_bad_text_is_refused_in_words(logged_in_client):
    no_js = post(logged_in_client, status="busy", text="x" * 81, next="/people")
    assert no_js.status_code == 302
    page = logged_in_client.get("/people").get_data(as_text=True)
    assert "at most 80 characters" in page
    htmx = logged_in_client.post(
        "/settings/status",
        data={"status": "sleeping"},
        headers={"HX-Request": "true", "X-CSRFToken": csrf_token(logged_in_client)},
    )
    assert htmx.status_code == 400
    assert htmx.mimetype == "text/plain"
    assert "online, away or busy" in htmx.get_data(as_text=True)
    assert presence.mine(logged_in_client.user.id)["status"] == "online"


def test_the_form_needs_its_csrf_token(logged_in_client):
    response = logged_in_client.post("/settings/status", data={"status": "busy"})
    assert response.status_code == 400
    assert presence.mine(logged_in_client.user.id)["status"] == "online"


def test_status_text_is_escaped_everywhere(logged_in_client, ben):
    presence.set_status(ben.id, {"status": "busy", "text": "<b>bold</b> & <script>x</script>"})
    logged_in_client.post(
        "/settings/status",
        data={"csrf_token": csrf_token(logged_in_client), "status": "busy", "text": "<i>me</i>"},
    )
    profile = logged_in_client.get("/u/ben").get_data(as_text=True)
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;script&gt;x&lt;/script&gt;" in profile
    assert "<script>x</script>" not in profile
    own = logged_in_client.get("/").get_data(as_text=True)
    assert "&lt;i&gt;me&lt;/i&gt;" in own
    assert "<i>me</i>" not in own


def test_others_see_the_status_and_text_on_profiles_and_lists(logged_in_client, ben):
    presence.set_status(ben.id, {"status": "busy", "text": "In a meeting"})
    profile = logged_in_client.get("/u/ben").get_data(as_text=True)
    assert "presence-busy" in profile
    assert 'class="presence-text"' in profile
    assert "In a meeting" in profile
    found = logged_in_client.get("/people?q=ben").get_data(as_text=True)
    assert "In a meeting" in found


def test_nobody_is_told_the_text_of_someone_offline(logged_in_client, ben):
    presence.set_status(ben.id, {"status": "busy", "text": "In a meeting"})
    bus.presence.store.release(ben.id)
    profile = logged_in_client.get("/u/ben").get_data(as_text=True)
    assert "Offline" in profile
    assert "In a meeting" not in profile


def test_the_status_is_kept_across_sign_ins(client, user_factory):
    user = user_factory("dee")
    log_in(client, "dee")
    post(client, status="busy", text="Focus", next="/")
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    log_in(client, "dee")
    page = client.get("/").get_data(as_text=True)
    assert 'data-status="busy"' in page
    assert 'value="Focus"' in page
    assert presence.mine(user.id)["text"] == "Focus"
