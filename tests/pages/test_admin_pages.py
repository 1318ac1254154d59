"""Moderation pages: hidden from everyone but staff, each action through its form, the
service's refusals in words, CSRF, and hostile text shown inert."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from markupsafe import escape

from extensions import db
from models.conversation import Message
from models.moderation import Report
from models.party import Party
from models.user import Role, User
from realtime.events import Envelope
from realtime.fragments import render_fragments
from services import (
    conversations,
    moderation,
    moderation_reports,
    moderation_views,
    notifications,
    parties,
    profiles,
)
from tests.conftest import PASSWORD, log_in, make_app
from tests.support.messages import sent_message
from tests.support.pages import csrf_token, post, signed_in

XSS = '<img src=x onerror=alert(1)><script>alert(2)</script><div hx-get="/logout">'

GET_URLS = [
    "/admin",
    "/admin/figures",
    "/admin/reports",
    "/admin/reports?status=resolved",
    "/admin/users",
    "/admin/users?q=tr",
    "/admin/users/trol",
    "/admin/content",
    "/admin/audit",
]
POST_URLS = [
    ("/admin/reports/1/resolve", {"action": "dismiss"}),
    ("/admin/users/trol/warn", {"text": "stop"}),
    ("/admin/users/trol/mute", {"minutes": "30"}),
    ("/admin/users/trol/ban", {"reason": "spam"}),
    ("/admin/users/trol/unban", {}),
    ("/admin/users/trol/role", {"role": "admin"}),
    ("/admin/parties/1/end", {}),
    ("/admin/rooms/1/close", {}),
]


@pytest.fixture
def people(user_factory):
    return {
        "admin": user_factory("ada", role=Role.ADMIN),
        "mod": user_factory("moe", role=Role.MODERATOR),
        "user": user_factory("uli"),
        "troll": user_factory("trol"),
    }


@pytest.fixture
def reported(people):
    """A direct message from the troll to uli, reported by uli."""
    conversation = conversations.open_direct(people["troll"], "uli")
    message = sent_message(people["troll"], conversation.id, "bad words")
    report = moderation_reports.report(people["user"], "message", message.id, "abusive")
    return report, message


@pytest.fixture
def mod(app, people):
    return signed_in(app, "moe")


@pytest.fixture
def admin(app, people):
    return signed_in(app, "ada")


def flashed(client, url, **data) -> str:
    """Post a form (sure of it, where the action asks), follow the redirect, and give the
    page it lands on."""
    response = client.post(
        url,
        data={"csrf_token": csrf_token(client), "confirm": "yes", **data},
        follow_redirects=True,
    )
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def page_text(client, url: str) -> str:
    """A page's text as a person reads it: tags out, spaces as the browser shows them."""
    html = client.get(url).get_data(as_text=True)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def fresh(model, row_id):
    db.session.expire_all()
    return db.session.get(model, row_id)


# -- nobody else sees any of it ---------------------------------------------------------
@pytest.mark.parametrize("who", ["anonymous", "user"])
def test_every_admin_url_is_404_to_everyone_else(app, people, reported, who):
    client = app.test_client() if who == "anonymous" else signed_in(app, "uli")
    for url in GET_URLS:
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Page not found" in response.get_data(as_text=True)
    for url, data in POST_URLS:
        assert post(client, url, **data).status_code == 404, url
    troll = fresh(User, people["troll"].id)
    assert not troll.is_banned
    assert not troll.is_muted
    assert troll.role == "user"
    assert fresh(Report, reported[0].id).status == "open"
    assert notifications.unread_count(troll.id) == 0


def test_the_admin_link_is_for_staff_only(app, people, mod):
    page = mod.get("/").get_data(as_text=True)
    assert 'href="/admin"' in page
    assert 'sse-swap="reports-count"' in page
    plain = signed_in(app, "uli").get("/").get_data(as_text=True)
    assert 'href="/admin"' not in plain
    assert "reports-count" not in plain


def test_the_badge_counts_open_reports_and_updates_live(app, people, reported, mod):
    page = mod.get("/").get_data(as_text=True)
    assert '<span class="badge">1<span class="visually-hidden"> open report</span>' in page
    event = Envelope("staff", moderation_reports.REPORTS_CHANGED, {"open_count": 3})
    with app.test_request_context("/events/html"):
        staff = dict(render_fragments(event, frozenset(), people["mod"].id))
        plain = dict(render_fragments(event, frozenset(), people["user"].id))
    assert "3<span" in staff["reports-count"]
    assert "open reports" in staff["reports-count"]
    assert staff["reports-open"] == "3"
    assert plain == {}


# -- every page renders for staff -------------------------------------------------------
def test_every_page_renders_for_a_moderator(people, reported, mod):
    moderation.warn(people["mod"], "trol", "first warning")
    expected = {
        "/admin": ["Open reports", "On this worker only", "first warning", "Long-polling"],
        "/admin/figures": ["People online", "Events per second", "Live connections"],
        "/admin/reports": ["Report #1", "abusive", "bad words", "Resolve", "a direct conversation"],
        "/admin/reports?status=resolved": ["No resolved reports yet."],
        "/admin/users": ["Newest accounts", "@trol", "Moderator"],
        "/admin/users?q=tr": ["Matching", "@trol"],
        "/admin/users?q=zzz": ["Nobody matches"],
        "/admin/users/trol": ["Not banned", "Not muted", "Send warning", "first warning"],
        "/admin/content": ["Live public parties", "Public rooms"],
        "/admin/audit": ["Audit log", "Warned", "@trol", "first warning"],
    }
    for url, texts in expected.items():
        response = mod.get(url)
        assert response.status_code == 200, url
        page = response.get_data(as_text=True)
        for text in texts:
            assert text in page, (url, text)
    assert mod.get("/admin/users/nobody").status_code == 404


def test_the_newest_accounts_leave_out_deleted_ones(people, mod):
    from services import account_data

    gone = people["user"]
    account_data.delete_account(gone, PASSWORD)
    assert gone.deleted_at is not None
    assert gone.username == f"deleted:{gone.id}"
    page = mod.get("/admin/users").get_data(as_text=True)
    assert "Newest accounts" in page
    assert "@trol" in page
    assert "deleted:" not in page
    found = moderation_views.newest_accounts(people["mod"])
    assert gone.id not in [person.id for person in found]
    assert people["troll"].id in [person.id for person in found]


def test_moderators_find_people_who_blocked_them(people, mod):
    from services import social

    social.block(people["troll"], "moe")
    page = mod.get("/admin/users?q=trol").get_data(as_text=True)
    assert 'href="/admin/users/trol"' in page


# -- reports ----------------------------------------------------------------------------
def test_resolving_a_report_through_the_page(people, reported, mod):
    report, message = reported
    page = flashed(mod, f"/admin/reports/{report.id}/resolve", action="remove", note="gone")
    assert f"Report #{report.id} is resolved: removed." in page
    assert "No open reports" in page
    resolved = fresh(Report, report.id)
    assert (resolved.status, resolved.action, resolved.note) == ("resolved", "remove", "gone")
    assert fresh(Message, message.id).deleted_at is not None
    told = notifications.listing(people["user"].id)
    assert len(told) == 1
    assert "your report was handled" in told[0].subject
    # Who wrote it is told too, in words, on their notifications page.
    troll = signed_in(mod.application, "trol")
    assert "A moderator removed your message: “gone”" in page_text(troll, "/notifications")
    done = mod.get("/admin/reports?status=resolved").get_data(as_text=True)
    assert "Remove by" in done
    assert "Removed" in done
    assert "gone" in done
    again = flashed(mod, f"/admin/reports/{report.id}/resolve", action="dismiss")
    assert "That report is already resolved." in again


def test_a_bad_decision_is_refused_in_words(people, mod):
    report = moderation_reports.report(people["user"], "user", people["troll"].id, "rude name")
    page = mod.get("/admin/reports").get_data(as_text=True)
    assert 'value="remove"' not in page  # people are banned or warned, not removed
    refused = flashed(mod, f"/admin/reports/{report.id}/resolve", action="remove")
    assert "A person is warned or banned, not removed." in refused
    unknown = flashed(mod, f"/admin/reports/{report.id}/resolve", action="explode")
    assert "is one of dismiss, warn, remove, ban" in unknown
    assert fresh(Report, report.id).status == "open"
    warned = flashed(mod, f"/admin/reports/{report.id}/resolve", action="warn", note="Be nice")
    assert "resolved: warned who is responsible" in warned
    assert notifications.listing(people["troll"].id)[0].subject.find("Be nice") != -1


# -- people -----------------------------------------------------------------------------
def test_ban_and_unban_through_the_pages(app, people, mod):
    victim = signed_in(app, "trol")
    assert victim.get("/settings").status_code == 200
    until = (datetime.now(UTC) + timedelta(days=2)).replace(second=0, microsecond=0)
    page = flashed(
        mod,
        "/admin/users/trol/ban",
        reason="spam links",
        expires_at=until.strftime("%Y-%m-%dT%H:%M"),
    )
    assert "trol is banned until" in page
    assert "signed out everywhere" in page
    assert "Lift the ban" in page
    assert "spam links" in page
    troll = fresh(User, people["troll"].id)
    assert troll.is_banned
    assert troll.banned_until.replace(tzinfo=UTC) == until
    signed_out = victim.get("/settings")
    assert signed_out.status_code == 302
    assert signed_out.headers["Location"].startswith("/login")

    page = flashed(mod, "/admin/users/trol/unban")
    assert "The ban on trol is lifted." in page
    assert not fresh(User, people["troll"].id).is_banned

    page = flashed(mod, "/admin/users/trol/ban", reason="for good", expires_at="")
    assert "until it is lifted" in page
    troll = fresh(User, people["troll"].id)
    assert troll.is_banned
    assert troll.banned_until is None
    history = mod.get("/admin/users/trol").get_data(as_text=True)
    assert history.count("Banned") >= 2
    assert "Lifted the ban on" in history


def test_ban_form_errors_are_shown_in_words(people, mod):
    page = flashed(mod, "/admin/users/trol/ban", reason="x", expires_at="next tuesday")
    assert "Give the end of the ban as a date and time" in page
    page = flashed(mod, "/admin/users/trol/ban", reason="x", expires_at="2001-01-01T10:00")
    assert "must be a future time" in page
    page = flashed(mod, "/admin/users/trol/ban", reason="  ")
    assert "Give a reason." in page
    page = flashed(mod, "/admin/users/moe/ban", reason="me")
    assert "Not on yourself." in page
    assert not fresh(User, people["troll"].id).is_banned


def test_moderators_cannot_ban_admins_nor_each_other(people, mod, user_factory):
    page = mod.get("/admin/users/ada").get_data(as_text=True)
    assert "This person is an admin. Only admins act on moderators and admins." in page
    assert 'action="/admin/users/ada/ban"' not in page
    page = flashed(mod, "/admin/users/ada/ban", reason="coup")
    assert "Moderators cannot act on admins." in page
    assert not fresh(User, people["admin"].id).is_banned
    other = user_factory("mia", role=Role.MODERATOR)
    page = mod.get("/admin/users/mia").get_data(as_text=True)
    assert "This person is a moderator." in page
    assert 'action="/admin/users/mia/mute"' not in page
    page = flashed(mod, "/admin/users/mia/mute", minutes="60", reason="rival")
    assert "Moderators cannot act on moderators." in page
    assert not fresh(User, other.id).is_muted


def test_only_admins_change_roles(people, mod, admin):
    page = mod.get("/admin/users/trol").get_data(as_text=True)
    assert "Change role" not in page
    page = flashed(mod, "/admin/users/trol/role", role="admin")
    assert "Only admins change roles." in page
    assert fresh(User, people["troll"].id).role == "user"

    assert "Change role" in admin.get("/admin/users/trol").get_data(as_text=True)
    page = flashed(admin, "/admin/users/trol/role", role="moderator")
    assert "trol is now moderator." in page
    assert fresh(User, people["troll"].id).role == "moderator"
    page = flashed(admin, "/admin/users/trol/role", role="emperor")
    assert escape("'role' is user, moderator or admin.") in page


def test_warn_and_mute_through_the_pages(people, mod):
    page = flashed(mod, "/admin/users/trol/warn", text="Calm down, please.")
    assert "trol is warned" in page
    warning = notifications.listing(people["troll"].id)[0]
    assert warning.kind == "moderation"
    assert "Calm down, please." in warning.subject
    troll = signed_in(mod.application, "trol")
    assert "A moderator warned you: “Calm down, please.”" in page_text(troll, "/notifications")

    page = flashed(mod, "/admin/users/trol/mute", minutes="90")
    assert "muted site-wide for 90 minutes" in page
    assert fresh(User, people["troll"].id).is_muted
    told = page_text(troll, "/notifications")
    assert "A moderator muted you until " in told
    assert "until then you can read, but not write" in told
    assert "Muted</span> until" in page
    page = flashed(mod, "/admin/users/trol/mute", minutes="0")
    assert "trol may post again." in page
    assert not fresh(User, people["troll"].id).is_muted
    assert "Your mute is lifted: you can write again." in page_text(troll, "/notifications")
    page = flashed(mod, "/admin/users/trol/mute", minutes="soon")
    assert "Give the mute in whole minutes" in page
    page = flashed(mod, "/admin/users/trol/mute", minutes="99999999")
    assert escape("'minutes' must be from 0 to") in page
    # More digits than Python converts to a number: refused in words like any other.
    page = flashed(mod, "/admin/users/trol/mute", minutes="1" * 4400)
    assert "Give the mute in whole minutes" in page
    page = flashed(mod, "/admin/users/nobody/warn", text="hello")
    assert "No such user." in page
    assert "Newest accounts" in page


# -- parties and rooms ------------------------------------------------------------------
def test_end_a_party_and_close_a_room(people, mod):
    party = parties.create(
        people["troll"], {"title": "Loud party", "media_url": "https://media.example/a.mp4"}
    )
    room = conversations.create_room(people["troll"], "Noisy room")
    page = mod.get("/admin/content").get_data(as_text=True)
    assert "Loud party" in page
    assert "Noisy room" in page
    assert "1 member" in page

    page = flashed(mod, f"/admin/parties/{party.id}/end", reason="off topic")
    assert "The party is ended for everyone in it." in page
    assert fresh(Party, party.id).status == "ended"
    assert "Loud party" not in page

    page = flashed(mod, f"/admin/rooms/{room.id}/close", reason="spam")
    assert "The room is closed." in page
    assert "Noisy room" not in page
    page = flashed(mod, "/admin/rooms/999/close")
    assert "No such conversation." in page
    audit = mod.get("/admin/audit").get_data(as_text=True)
    assert "Ended party #" in audit
    assert "Closed room #" in audit
    assert "off topic" in audit
    told = page_text(signed_in(mod.application, "trol"), "/notifications")
    assert "A moderator ended your party: “off topic”" in told
    assert "A moderator closed your room: “spam”" in told


# -- defences ---------------------------------------------------------------------------
def test_forms_need_csrf(people, reported, mod):
    assert mod.post("/admin/users/trol/ban", data={"reason": "spam"}).status_code == 400
    assert (
        mod.post(f"/admin/reports/{reported[0].id}/resolve", data={"action": "dismiss"}).status_code
        == 400
    )
    assert not fresh(User, people["troll"].id).is_banned
    assert fresh(Report, reported[0].id).status == "open"


def test_hostile_text_is_shown_escaped(people, mod):
    profiles.update_profile(people["troll"], XSS[:64], "", 0)
    moderation_reports.report(people["user"], "user", people["troll"].id, XSS)
    moderation.warn(people["mod"], "trol", XSS)
    for url in (
        "/admin/reports",
        "/admin/users?q=trol",
        "/admin/users/trol",
        "/admin/audit",
        "/admin",
    ):
        page = mod.get(url).get_data(as_text=True)
        assert "<img src=x" not in page, url
        assert "<script>alert" not in page, url
        assert 'hx-get="/logout"' not in page, url
    reports = mod.get("/admin/reports").get_data(as_text=True)
    assert escape(XSS) in reports
    assert escape(XSS[:64]) in reports


def test_actions_are_rate_limited(tmp_path):
    from services import accounts

    limited = make_app(tmp_path, MODERATION_RATE_LIMIT="2 per minute")
    with limited.app_context():
        accounts.register("mia", PASSWORD, Role.MODERATOR)
        accounts.register("tim", PASSWORD)
        client = limited.test_client()
        assert log_in(client, "mia").status_code == 302
        codes = [post(client, "/admin/users/tim/warn", text="hi").status_code for _ in range(3)]
        assert codes == [302, 302, 429]
        db.session.remove()
        db.engine.dispose()


def test_a_moderator_is_told_in_words_that_only_admins_take_down_staffs_content(people, mod, admin):
    room = conversations.create_room(people["admin"], "Staff notices")
    close = f'action="/admin/rooms/{room.id}/close"'
    listed = mod.get("/admin/content").get_data(as_text=True)
    assert "Staff's: only admins take it down." in listed
    assert close not in listed
    assert close in admin.get("/admin/content").get_data(as_text=True)

    page = flashed(mod, f"/admin/rooms/{room.id}/close", reason="spam")

    assert "Only admins take down what staff made: this room is ada&#39;s." in page
    assert "Staff notices" in page  # still listed: still open
    page = flashed(admin, f"/admin/rooms/{room.id}/close", reason="moved")
    assert "The room is closed." in page


def test_a_report_about_staff_offers_a_moderator_only_to_dismiss_it(people, mod, admin):
    conversation = conversations.open_direct(people["admin"], "uli")
    said = sent_message(people["admin"], conversation.id, "read the rules")
    report = moderation_reports.report(people["user"], "message", said.id, "rude")
    decision = f'id="action-{report.id}"'

    shown = mod.get("/admin/reports").get_data(as_text=True)
    form = shown[shown.index(decision) :].split("</select>")[0]
    assert "Answered for by staff: only admins warn, ban or remove." in shown
    assert 'value="dismiss"' in form
    assert 'value="remove"' not in form
    assert 'value="ban"' not in form
    to_admin = admin.get("/admin/reports").get_data(as_text=True)
    assert 'value="remove"' in to_admin[to_admin.index(decision) :].split("</select>")[0]
