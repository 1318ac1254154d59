"""Pages for announcements and invitations: the admin form and its refusals, the banner on
every signed-in page with its dismiss form (with and without htmx), the live fragments,
the party page's invite search, the Join button of an invitation, and the members page's
search for people to add."""

from __future__ import annotations

import pytest
from flask import g

from models.user import Role
from realtime.events import Envelope
from realtime.fragments import render_fragments
from services import (
    announcements,
    conversation_listing,
    conversations,
    notifications,
    parties,
    party_membership,
    social,
)
from tests.conftest import log_in

VIDEO = "https://media.example/film.mp4"
XSS = "<img src=x onerror=alert(1)><script>alert(2)</script>"


@pytest.fixture
def people(user_factory):
    return {
        "admin": user_factory("ada", role=Role.ADMIN),
        "mod": user_factory("moe", role=Role.MODERATOR),
        "ann": user_factory("ann"),
        "ben": user_factory("ben"),
        "cid": user_factory("cid"),
    }


def signed_in(app, username):
    client = app.test_client()
    g.pop("csrf_token", None)
    assert log_in(client, username).status_code == 302
    client.get("/")  # a page makes this client's token
    client.token = g.get("csrf_token")  # type: ignore[attr-defined]
    return client


def post(client, url, headers=None, **data):
    return client.post(url, data={"csrf_token": client.token, **data}, headers=headers or {})


# -- announcements ----------------------------------------------------------------------
def test_the_admin_posts_from_the_page_and_everyone_sees_the_banner(app, people):
    admin = signed_in(app, "ada")
    page = admin.get("/admin/announcements").get_data(as_text=True)
    assert '<label for="announcement-body">Announcement</label>' in page
    assert "No announcement is showing." in page

    done = post(admin, "/admin/announcements", body="Maintenance at 22:00 " + XSS, hours="6")
    assert done.status_code == 302
    [shown] = announcements.current()
    ann = signed_in(app, "ann")
    home = ann.get("/").get_data(as_text=True)
    assert f'id="announcement-{shown.id}"' in home
    assert "Maintenance at 22:00" in home
    assert "<script>alert(2)" not in home
    assert "&lt;script&gt;" in home
    listed = admin.get("/admin/announcements").get_data(as_text=True)
    assert "Withdraw" in listed
    assert f"Posted announcement #{shown.id}" in admin.get("/admin/audit").get_data(as_text=True)


def test_the_form_says_what_is_wrong(app, people):
    admin = signed_in(app, "ada")
    response = post(admin, "/admin/announcements", body="   ", hours="24")
    assert response.status_code == 400
    assert "Write the announcement." in response.get_data(as_text=True)
    response = post(admin, "/admin/announcements", body="Fine", hours="99999")
    assert response.status_code == 400
    assert announcements.current() == []


def test_moderators_see_but_do_not_post_and_people_find_nothing(app, people):
    mod = signed_in(app, "moe")
    page = mod.get("/admin/announcements").get_data(as_text=True)
    assert "Only admins post and withdraw announcements." in page
    refused = post(mod, "/admin/announcements", body="Hello", hours="24")
    assert refused.status_code == 400
    assert announcements.current() == []
    ann = signed_in(app, "ann")
    assert ann.get("/admin/announcements").status_code == 404
    assert post(ann, "/admin/announcements", body="Hello", hours="24").status_code == 404


def test_withdraw_from_the_page(app, people):
    posted = announcements.post(people["admin"], "Soon gone")
    admin = signed_in(app, "ada")
    asked = post(admin, f"/admin/announcements/{posted.id}/withdraw")
    assert asked.status_code == 200  # without the script, a page asks first
    assert "Withdraw this announcement from every page?" in asked.get_data(as_text=True)
    assert announcements.current() == [posted]
    done = post(admin, f"/admin/announcements/{posted.id}/withdraw", confirm="yes")
    assert done.status_code == 302
    assert announcements.current() == []
    assert f'id="announcement-{posted.id}"' not in admin.get("/").get_data(as_text=True)


def test_dismiss_without_javascript_and_with_htmx(app, people):
    first = announcements.post(people["admin"], "First")
    second = announcements.post(people["admin"], "Second")
    ann = signed_in(app, "ann")
    back = post(ann, f"/announcements/{first.id}/dismiss", next="/parties?tab=live")
    assert back.status_code == 302
    assert back.headers["Location"].endswith("/parties?tab=live")
    away = post(ann, f"/announcements/{second.id}/dismiss", next="https://evil.example/")
    assert away.headers["Location"] == "/"
    page = ann.get("/").get_data(as_text=True)
    assert f'id="announcement-{first.id}"' not in page
    assert f'id="announcement-{second.id}"' not in page
    # Someone else still sees both; htmx takes the banner away in place.
    ben = signed_in(app, "ben")
    assert f'id="announcement-{first.id}"' in ben.get("/").get_data(as_text=True)
    swapped = post(ben, f"/announcements/{first.id}/dismiss", headers={"HX-Request": "true"})
    assert swapped.status_code == 200
    assert swapped.get_data(as_text=True) == ""
    assert post(ben, "/announcements/999999/dismiss").status_code == 404


def test_the_dismiss_form_needs_its_csrf_token(app, people):
    posted = announcements.post(people["admin"], "Guarded")
    ann = signed_in(app, "ann")
    refused = ann.post(f"/announcements/{posted.id}/dismiss", data={})
    assert refused.status_code in (400, 403)
    assert announcements.current(people["ann"]) != []


def test_live_fragments_add_and_drop_the_banner(app, people):
    posted = announcements.post(people["admin"], "Live now")
    added = Envelope("site", announcements.POSTED, announcements.to_dict(posted), id=1)
    with app.test_request_context("/events/html"):
        shown = dict(render_fragments(added, frozenset(), people["ann"].id))
    assert f'id="announcement-{posted.id}"' in shown["announcement"]
    assert "Live now" in shown["announcement"]
    assert 'name="next"' not in shown["announcement"]  # a live page dismisses through htmx
    announcements.dismiss(people["ann"], posted.id)
    with app.test_request_context("/events/html"):
        assert render_fragments(added, frozenset(), people["ann"].id) == []
    gone = Envelope("site", announcements.WITHDRAWN, {"id": posted.id}, id=2)
    with app.test_request_context("/events/html"):
        dropped = dict(render_fragments(gone, frozenset(), people["ben"].id))
    assert dropped["announcement-gone"] == (
        f'<div id="announcement-{posted.id}" hx-swap-oob="delete"></div>'
    )


# -- party invitations ------------------------------------------------------------------
def test_the_party_page_searches_and_invites(app, people):
    party = parties.create(people["ann"], {"title": "Films", "media_url": VIDEO})
    ann = signed_in(app, "ann")
    page = ann.get(f"/parties/{party.id}").get_data(as_text=True)
    assert '<label for="invite-q">Invite someone by name</label>' in page

    found = ann.get(f"/parties/{party.id}/invite?q=b").get_data(as_text=True)
    # A page of its own without htmx; with htmx, the results alone.
    assert '<h1 id="invite-people-title">' in found
    assert '<input type="hidden" name="username" value="ben">' in found
    assert 'name="username" value="ann"' not in found
    fragment = ann.get(f"/parties/{party.id}/invite?q=b", headers={"HX-Request": "true"})
    assert fragment.get_data(as_text=True).lstrip().startswith('<div id="invite-results"')

    sent = post(ann, f"/parties/{party.id}/invite", username="ben", q="b")
    assert sent.status_code == 302
    assert sent.headers["Location"].endswith(f"/parties/{party.id}/invite?q=b&invited=ben")
    [item] = notifications.listing(people["ben"].id)
    assert item.kind == "party_invite"
    # Back on the results, whoever was just invited shows as invited, without a button.
    after = ann.get(sent.headers["Location"]).get_data(as_text=True)
    assert '<span class="picked-done">Invited</span>' in after
    assert '<input type="hidden" name="username" value="ben">' not in after

    again = post(ann, f"/parties/{party.id}/invite", headers={"HX-Request": "true"}, username="ben")
    assert "is already" not in again.get_data(as_text=True)  # invited, not in: may repeat
    assert "ben is invited" in again.get_data(as_text=True)
    with_query = post(
        ann, f"/parties/{party.id}/invite", headers={"HX-Request": "true"}, username="ben", q="b"
    ).get_data(as_text=True)
    assert '<span class="picked-done">Invited</span>' in with_query
    assert '<input type="hidden" name="username" value="ben">' not in with_query
    social.block(people["cid"], "ann")
    refused = post(
        ann, f"/parties/{party.id}/invite", headers={"HX-Request": "true"}, username="cid"
    )
    assert "You cannot invite cid." in refused.get_data(as_text=True)


def test_the_invitation_joins_in_one_click(app, people):
    party = parties.create(
        people["ann"], {"title": "Secret films", "media_url": VIDEO, "visibility": "private"}
    )
    ann = signed_in(app, "ann")
    post(ann, f"/parties/{party.id}/invite", username="ben")
    ben = signed_in(app, "ben")
    page = ben.get("/notifications").get_data(as_text=True)
    assert "invited you to" in page
    assert "Secret films" in page
    assert f'action="/join/{party.code}"' in page
    joined = post(ben, f"/join/{party.code}")
    assert joined.status_code == 302
    assert joined.headers["Location"].endswith(f"/parties/{party.id}")
    assert party_membership.is_participant(people["ben"], party.id)


def test_strangers_cannot_open_the_invite_search(app, people):
    party = parties.create(
        people["ann"], {"title": "Secret", "media_url": VIDEO, "visibility": "private"}
    )
    ben = signed_in(app, "ben")
    assert ben.get(f"/parties/{party.id}/invite").status_code == 404
    assert post(ben, f"/parties/{party.id}/invite", username="cid").status_code == 404
    assert notifications.listing(people["cid"].id) == []


# -- groups ------------------------------------------------------------------------------
def test_the_members_page_finds_people_to_add(app, people):
    group = conversations.create_group(people["ann"], "Crew", ["ben"])
    ann = signed_in(app, "ann")
    page = ann.get(f"/conversations/{group.id}/members?q=c").get_data(as_text=True)
    assert '<label for="member-q">Find people to add</label>' in page
    assert "@cid" in page
    found = ann.get(f"/conversations/{group.id}/members?q=b").get_data(as_text=True)
    assert "Nobody you can add matches" in found  # ben is a member already
    added = post(ann, f"/conversations/{group.id}/members", username="cid", q="c")
    assert added.status_code == 302
    assert added.headers["Location"].endswith(f"/conversations/{group.id}/members?q=c")
    assert [m.user.username for m in conversation_listing.members(people["ann"], group.id)] == [
        "ann",
        "ben",
        "cid",
    ]
    # A plain member sees no search.
    ben = signed_in(app, "ben")
    assert 'id="member-q"' not in ben.get(f"/conversations/{group.id}/members?q=c").get_data(
        as_text=True
    )
