"""Reporting from the site: a Report link on a message, a profile, a room and a party; a
form with a reason and a note that works without JavaScript; the reporter's own list."""

from __future__ import annotations

import pytest

from extensions import db
from models.moderation import Report
from models.user import Role
from services import conversations, moderation_reports, playlists
from tests.conftest import csrf_token
from tests.support.messages import sent_message


def post(client, url, **data):
    return client.post(url, data={"csrf_token": csrf_token(client), **data})


@pytest.fixture
def bens_message(logged_in_client, user_factory):
    ben = user_factory("ben")
    group = conversations.create_group(ben, "Chat", [logged_in_client.user.username])
    return group, sent_message(ben, group.id, "buy cheap watches")


def test_a_message_has_a_report_link_and_a_form_that_says_what_is_reported(
    logged_in_client, bens_message
):
    group, message = bens_message
    page = logged_in_client.get(f"/conversations/{group.id}").get_data(as_text=True)
    assert f'href="/report/message/{message.id}"' in page
    form = logged_in_client.get(f"/report/message/{message.id}").get_data(as_text=True)
    assert "a message from @ben: “buy cheap watches”" in form
    assert 'name="reason"' in form
    assert 'name="note"' in form


def test_reporting_without_javascript_lands_on_ones_reports(logged_in_client, bens_message):
    _group, message = bens_message
    response = post(
        logged_in_client, f"/report/message/{message.id}", reason="spam", note="all day long"
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/reports"
    [entry] = moderation_reports.my_reports(logged_in_client.user)
    assert (entry.subject_type, entry.subject_id) == ("message", message.id)
    assert entry.reason == "Spam: all day long"
    mine = logged_in_client.get("/reports").get_data(as_text=True)
    assert "Spam: all day long" in mine
    assert "Waiting for a moderator" in mine


def test_the_reporter_sees_what_became_of_the_report(logged_in_client, bens_message, user_factory):
    _group, message = bens_message
    post(logged_in_client, f"/report/message/{message.id}", reason="spam")
    moderator = user_factory("mod", role=Role.MODERATOR)
    [entry] = moderation_reports.my_reports(logged_in_client.user)
    moderation_reports.resolve(moderator, entry.id, "remove", "gone")
    assert "Handled: it was removed" in logged_in_client.get("/reports").get_data(as_text=True)


def test_a_report_form_needs_a_reason_and_says_so(logged_in_client, bens_message):
    _group, message = bens_message
    response = post(logged_in_client, f"/report/message/{message.id}", note="hm")
    assert response.status_code == 400
    assert "Pick what is wrong." in response.get_data(as_text=True)


def test_what_one_cannot_see_cannot_be_reported(logged_in_client, user_factory):
    ben, carl = user_factory("ben"), user_factory("carl")
    private = conversations.create_group(ben, "Private", [carl.username])
    secret = sent_message(ben, private.id, "between us")
    assert logged_in_client.get(f"/report/message/{secret.id}").status_code == 404
    assert post(logged_in_client, f"/report/message/{secret.id}", reason="spam").status_code == 404
    assert logged_in_client.get("/report/nonsense/1").status_code == 404


def test_a_profile_has_a_report_link(logged_in_client, user_factory):
    ben = user_factory("ben")
    page = logged_in_client.get("/u/ben").get_data(as_text=True)
    assert f'href="/report/user/{ben.id}"' in page
    own = logged_in_client.get(f"/u/{logged_in_client.user.username}").get_data(as_text=True)
    assert "/report/user/" not in own


def test_a_group_page_has_a_report_link_for_its_members(logged_in_client, bens_message):
    group, _message = bens_message
    page = logged_in_client.get(f"/conversations/{group.id}").get_data(as_text=True)
    assert f'href="/report/group/{group.id}"' in page
    form = logged_in_client.get(f"/report/group/{group.id}").get_data(as_text=True)
    assert "the group “Chat”" in form
    response = post(logged_in_client, f"/report/group/{group.id}", reason="spam")
    assert response.status_code == 302
    [report] = db.session.query(Report).all()
    assert (report.subject_type, report.subject_id) == ("group", group.id)


def test_the_api_reports_a_group_for_its_members_only(
    client, logged_in_client, user_factory, bearer, bens_message
):
    group, _message = bens_message
    body = {"subject_type": "group", "subject_id": group.id, "reason": "spam"}
    outsider = client.post("/api/v1/reports", json=body, headers=bearer(user_factory("cat")))
    assert outsider.status_code == 404
    member = client.post("/api/v1/reports", json=body, headers=bearer(logged_in_client.user))
    assert member.status_code == 201
    assert member.get_json()["report"]["subject_type"] == "group"


def test_the_api_takes_a_username_for_a_person(app, client, user_factory, bearer):
    ann, ben = user_factory("ann"), user_factory("ben")
    response = client.post(
        "/api/v1/reports",
        json={"subject_type": "user", "subject_id": "@ben", "reason": "impersonation"},
        headers=bearer(ann),
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["report"]["subject_id"] == ben.id
    assert db.session.query(Report).count() == 1


def test_an_unlisted_playlist_is_reported_from_its_link(
    app, client, logged_in_client, user_factory, bearer
):
    """Its page's Report link and form carry the link's token; without it, not found."""
    ben = user_factory("ben")
    playlist = playlists.create(ben, "Watch ads", "", "unlisted")
    token = playlist.share_token
    shown = logged_in_client.get(f"/playlists/{playlist.id}?token={token}").get_data(as_text=True)
    assert f'href="/report/playlist/{playlist.id}?token={token}"' in shown
    form = logged_in_client.get(f"/report/playlist/{playlist.id}?token={token}")
    assert f'name="token" value="{token}"' in form.get_data(as_text=True)
    assert logged_in_client.get(f"/report/playlist/{playlist.id}").status_code == 404
    assert (
        post(logged_in_client, f"/report/playlist/{playlist.id}", reason="spam").status_code == 404
    )
    sent = post(logged_in_client, f"/report/playlist/{playlist.id}", reason="spam", token=token)
    assert sent.status_code == 302
    body = {"subject_type": "playlist", "subject_id": playlist.id, "reason": "spam"}
    cat = bearer(user_factory("cat"))
    assert client.post("/api/v1/reports", json=body, headers=cat).status_code == 404
    by_link = client.post("/api/v1/reports", json={**body, "token": token}, headers=cat)
    assert by_link.status_code == 201, by_link.get_json()
    assert db.session.query(Report).count() == 2


def test_the_api_keeps_the_reporters_note(app, client, user_factory, bearer):
    ann, _ben = user_factory("ann"), user_factory("ben")
    body = {"subject_type": "user", "subject_id": "ben", "reason": "spam", "note": "all day"}
    response = client.post("/api/v1/reports", json=body, headers=bearer(ann))
    assert response.status_code == 201, response.get_json()
    assert db.session.query(Report).one().reason == "Spam: all day"
