"""One's own account as a whole: deleting it, downloading its data, its sign-ins and
tokens, and tokens that expire."""

from __future__ import annotations

import io
import time
from datetime import timedelta

import gevent
import pytest
from sqlalchemy import func, select

from errors import NotFound, ValidationError
from extensions import db
from jobs import housekeeping
from models.clock import as_utc, utcnow
from models.conversation import Membership, Message
from models.party import Party
from models.social import Block, Follow, Notification
from models.stream import StreamEvent
from models.user import DELETED_NAME, ApiToken, LoginSession, User
from realtime.bus import bus
from services import (
    account_data,
    accounts,
    api_tokens,
    conversation_members,
    conversation_settings,
    conversations,
    messages,
    moderation_reports,
    parties,
    party_membership,
    profiles,
    social,
    uploads,
)
from tests.conftest import PASSWORD, log_in, make_app
from tests.support.messages import sent_message

VIDEO = "https://media.example/film.mp4"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def closes(monkeypatch) -> list[dict]:
    """The close control messages the bus is asked to send."""
    sent: list[dict] = []
    original = bus.close_connections

    def spy(user_id, login_id=None, token_id=None, keep_login_id=None):
        sent.append({"user": user_id, "login_id": login_id, "token_id": token_id})
        return original(user_id, login_id, token_id, keep_login_id)

    monkeypatch.setattr(bus, "close_connections", spy)
    return sent


@pytest.fixture
def people(app, user_factory):
    ann, bob, cat = user_factory("ann"), user_factory("bob"), user_factory("cat")
    profiles.update_profile(ann, "Ann A", "I like films", 3)
    profiles.set_avatar(ann, io.BytesIO(PNG))
    social.follow(ann, "bob")
    social.follow(bob, "ann")
    social.block(ann, "cat")
    return ann, bob, cat


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_delete_needs_the_password(people):
    ann, _bob, _cat = people
    with pytest.raises(ValidationError) as caught:
        account_data.delete_account(ann, "not my password")
    assert caught.value.field == "password"
    db.session.expire_all()
    assert db.session.get(User, ann.id).deleted_at is None
    assert accounts.authenticate("ann", PASSWORD) is not None


def test_delete_removes_everything_personal_and_frees_the_name(people, closes):
    ann, _bob, cat = people
    ann_id = ann.id
    avatar = uploads.folder(profiles.AVATARS) / ann.avatar_file
    assert avatar.is_file()
    raw = api_tokens.issue_token(ann)
    sign_in = accounts.start_sign_in(ann, "Firefox")
    session_id = f"{ann.id}.{ann.session_epoch}.{sign_in.key}"
    assert accounts.load_session_user(session_id) is not None
    direct = conversations.open_direct(ann, "bob")
    kept = sent_message(ann, direct.id, "see you at the film")
    assert count(Notification, Notification.user_id == ann_id) >= 1  # bob followed her

    account_data.delete_account(ann, PASSWORD)
    db.session.expire_all()

    ghost = db.session.get(User, ann_id)
    assert ghost.deleted_at is not None
    assert ghost.username != "ann"
    assert (ghost.display_name, ghost.bio, ghost.avatar_file) == ("", "", None)
    assert not avatar.exists()
    for model, where in (
        (Follow, (Follow.follower_id == ann_id) | (Follow.followee_id == ann_id)),
        (Block, (Block.blocker_id == ann_id) | (Block.blocked_id == ann_id)),
        (ApiToken, ApiToken.user_id == ann_id),
        (LoginSession, LoginSession.user_id == ann_id),
        (Notification, Notification.user_id == ann_id),
    ):
        assert count(model, where) == 0, model
    # Signing in with the old credentials, the token or the cookie fails.
    assert accounts.authenticate("ann", PASSWORD) is None
    assert api_tokens.token_record(raw) is None
    assert accounts.load_session_user(session_id) is None
    assert accounts.why_signed_out(session_id) == {"reason": "deleted"}
    # Her live connections close everywhere, all of them at once.
    assert {"user": ann_id, "login_id": None, "token_id": None} in closes
    # The message bob needs stays, and says who sent it: a deleted account.
    message = db.session.get(Message, kept.id)
    assert message.body == "see you at the film"
    summary = messages.to_dict(message)["sender"]
    assert summary["deleted"] is True
    assert summary["display_name"] == DELETED_NAME
    # The name is free: anyone may take it, and finding it finds the new person.
    newcomer = accounts.register("ann", PASSWORD)
    assert accounts.get_by_username("ann").id == newcomer.id
    assert profiles.search(cat, "ann") == [newcomer]
    with pytest.raises(NotFound):
        accounts.get_by_username(ghost.username)


def test_delete_rewrites_stored_events_that_showed_her(people):
    ann, bob, _cat = people
    direct = conversations.open_direct(bob, "ann")
    sent_message(ann, direct.id, "hello bob")
    assert count(StreamEvent, StreamEvent.payload.contains('"username":"ann"')) > 0

    account_data.delete_account(ann, PASSWORD)

    assert count(StreamEvent, StreamEvent.payload.contains('"username":"ann"')) == 0
    assert count(StreamEvent, StreamEvent.payload.contains("Ann A")) == 0
    assert count(StreamEvent, StreamEvent.payload.contains(DELETED_NAME)) > 0
    # The conversation hears of it, so open pages can say so at once.
    told = db.session.scalars(
        select(StreamEvent).where(StreamEvent.name == conversations.ACCOUNT_DELETED)
    ).all()
    assert [event.channel for event in told] == [conversations.channel(direct.id)]


def test_delete_hands_over_what_others_share(people):
    ann, bob, _cat = people
    group = conversations.create_group(ann, "Film club", ["bob"])
    shared = parties.create(ann, {"title": "Shared", "media_url": VIDEO, "visibility": "public"})
    party_membership.join_by_code(bob, shared.code)
    alone = parties.create(ann, {"title": "Alone", "media_url": VIDEO, "visibility": "public"})

    account_data.delete_account(ann, PASSWORD)
    db.session.expire_all()

    members = db.session.scalars(
        select(Membership).where(Membership.conversation_id == group.id)
    ).all()
    assert [(m.user_id, m.role) for m in members] == [(bob.id, "owner")]
    assert db.session.get(Party, shared.id).host_id == bob.id
    assert db.session.get(Party, shared.id).status == "live"
    assert db.session.get(Party, alone.id).status == "ended"


def test_export_holds_her_data_and_only_names_of_others(people):
    ann, bob, cat = people
    direct = conversations.open_direct(ann, "bob")
    sent = sent_message(ann, direct.id, "mine")
    sent_message(bob, direct.id, "bob's secret")
    party = parties.create(ann, {"title": "Mine", "media_url": VIDEO, "visibility": "private"})
    report = moderation_reports.report(ann, "user", cat.id, "spam")

    data = account_data.export(ann)

    assert data["profile"]["username"] == "ann"
    assert data["profile"]["bio"] == "I like films"
    assert data["messages"] == [
        {
            "id": sent.id,
            "conversation_id": direct.id,
            "body": "mine",
            "created_at": data["messages"][0]["created_at"],
        }
    ]
    assert data["following"] == ["bob"]
    assert data["followers"] == ["bob"]
    assert [p["id"] for p in data["parties"]] == [party.id]
    assert [r["id"] for r in data["reports"]] == [report.id]
    assert {n["kind"] for n in data["notifications"]} == {"follow"}
    assert "bob's secret" not in str(data)


def test_sign_ins_are_listed_and_only_ones_own_end(people, closes):
    ann, bob, _cat = people
    first = accounts.start_sign_in(ann, "Firefox on Linux")
    second = accounts.start_sign_in(ann, "Chrome on Android")
    bobs = accounts.start_sign_in(bob, "Safari")

    listed = [s.id for s in accounts.sign_ins_of(ann)]
    assert set(listed) == {first.id, second.id}
    shown = accounts.sign_in_dict(accounts.sign_ins_of(ann)[0], first.id)
    assert set(shown) == {"id", "user_agent", "created_at", "last_seen_at", "current"}

    with pytest.raises(NotFound):
        accounts.end_sign_in_of(ann, bobs.id)
    with pytest.raises(NotFound):
        accounts.end_sign_in_of(ann, "nonsense")
    accounts.end_sign_in_of(ann, second.id)
    assert [s.id for s in accounts.sign_ins_of(ann)] == [first.id]
    assert {"user": ann.id, "login_id": second.id, "token_id": None} in closes
    with pytest.raises(NotFound):  # once
        accounts.end_sign_in_of(ann, second.id)


def test_tokens_are_listed_and_only_ones_own_revoked(people, closes):
    ann, bob, _cat = people
    api_tokens.issue_token(ann)
    api_tokens.issue_token(bob)
    (mine,) = api_tokens.tokens_of(ann)
    (bobs,) = api_tokens.tokens_of(bob)
    with pytest.raises(NotFound):
        api_tokens.revoke_token_of(ann, bobs.id)
    with pytest.raises(NotFound):
        api_tokens.revoke_token_of(ann, "1")
    api_tokens.revoke_token_of(ann, mine.id)
    assert api_tokens.tokens_of(ann) == []
    assert {"user": ann.id, "login_id": None, "token_id": mine.id} in closes


def test_token_use_is_recorded_at_most_once_a_minute(people):
    ann, _bob, _cat = people
    raw = api_tokens.issue_token(ann)
    token = api_tokens.token_record(raw)
    first = token.last_used_at
    assert first is not None
    assert api_tokens.token_record(raw).last_used_at == first
    token.last_used_at = first - timedelta(minutes=2)
    db.session.commit()
    assert api_tokens.token_record(raw).last_used_at > first - timedelta(minutes=2)


def test_token_uses_noted_together_never_move_last_use_back(people):
    ann, bob, _cat = people
    first, second = api_tokens.issue_token(ann), api_tokens.issue_token(bob)
    newer = api_tokens.token_record(first)
    older_id = api_tokens.token_in_force(second).id
    assert db.session.get(ApiToken, older_id).last_used_at is None
    when = utcnow() - timedelta(seconds=30)
    api_tokens.record_uses([newer.id, older_id], when)
    assert as_utc(db.session.get(ApiToken, older_id).last_used_at) == when
    assert as_utc(db.session.get(ApiToken, newer.id).last_used_at) > when


@pytest.mark.parametrize("value", [0, 59, -5, 366 * 24 * 3600, "3600", 3600.5, True])
def test_token_lifetime_is_checked(app, value):
    with pytest.raises(ValidationError) as caught:
        api_tokens.token_lifetime(value)
    assert caught.value.field == "expires_in"


def test_expired_tokens_are_refused_and_closed_by_the_sweep(people, closes):
    ann, _bob, _cat = people
    assert api_tokens.token_lifetime(None) is None
    raw = api_tokens.issue_token(ann, api_tokens.token_lifetime(60))
    lasting = api_tokens.issue_token(ann)
    token = db.session.scalars(select(ApiToken).where(ApiToken.expires_at.is_not(None))).one()
    assert api_tokens.token_record(raw) is not None

    token.expires_at = token.expires_at - timedelta(seconds=61)
    db.session.commit()
    assert api_tokens.token_record(raw) is None
    assert api_tokens.token_record(lasting) is not None
    assert token.id not in [t.id for t in api_tokens.tokens_of(ann)]

    assert api_tokens.expire_tokens() == 1
    assert {"user": ann.id, "login_id": None, "token_id": token.id} in closes
    assert api_tokens.expire_tokens() == 0  # once, whoever sweeps again


def swept_by_housekeeping(app, token_id: int) -> bool:
    """Whether the workers' housekeeping, started now, revokes the token within 10 s."""
    workers = housekeeping.start(app)
    deadline = time.monotonic() + 10
    try:
        while db.session.get(ApiToken, token_id).revoked_at is None:
            if time.monotonic() > deadline:
                return False
            db.session.remove()
            gevent.sleep(0.05)
    finally:
        gevent.killall(workers)
    return True


def app_with_a_token(tmp_path, sweep_every: float, ends_in: float):
    """An app whose token sweep runs every `sweep_every` seconds, and the id of a token of
    ann's that ends `ends_in` seconds from now (before now when negative)."""
    app = make_app(
        tmp_path,
        TOKEN_SWEEP_INTERVAL_SECONDS=sweep_every,
        PARTY_SWEEP_INTERVAL_SECONDS=3600.0,
        UPLOAD_SWEEP_INTERVAL_SECONDS=3600.0,
    )
    with app.app_context():
        api_tokens.issue_token(accounts.register("ann", PASSWORD), 60)
        token = db.session.scalars(select(ApiToken)).one()
        token.expires_at = utcnow() + timedelta(seconds=ends_in)
        db.session.commit()
        token_id = token.id
        db.session.remove()
    return app, token_id


def test_housekeeping_runs_the_token_sweep(tmp_path):
    app, token_id = app_with_a_token(tmp_path, sweep_every=0.05, ends_in=-1)
    with app.app_context():
        assert swept_by_housekeeping(app, token_id)
        db.session.remove()


def test_delete_takes_her_old_name_out_of_system_lines_and_notifications(people, user_factory, app):
    ann, bob, _cat = people
    user_factory("anna")  # a name that starts like hers stays as it is
    social.unblock(ann, "cat")
    club = conversations.create_group(ann, "Club", ["bob", "cat"])
    conversation_settings.update(ann, club.id, {"name": "Ann's club"})
    conversation_members.remove_member(ann, club.id, "cat")
    conversation_members.add_member(ann, club.id, "anna")
    kicked = conversations.create_group(bob, "Kicked", ["ann"])
    conversation_members.remove_member(bob, kicked.id, "ann")
    left = conversations.create_group(bob, "Left", [])
    conversation_members.add_member(bob, left.id, "ann")
    conversation_members.leave(ann, left.id)
    lines = lambda: db.session.scalars(  # noqa: E731
        select(Message.body).where(Message.kind == "system").order_by(Message.id)
    ).all()
    assert "ann renamed this to “Ann's club”." in lines()
    assert "cat was removed by ann." in lines()

    account_data.delete_account(ann, PASSWORD)
    db.session.expire_all()

    assert lines() == [
        f"{DELETED_NAME} renamed this to “Ann's club”.",
        f"cat was removed by {DELETED_NAME}.",
        "anna joined.",
        f"{DELETED_NAME} was removed by bob.",
        f"{DELETED_NAME} joined.",
        f"{DELETED_NAME} left.",
        "A member deleted their account.",
    ]
    # Replays carry the new lines only, and open transcripts redraw them.
    for old in ("ann joined", "ann left", "by ann.", "ann renamed", "ann was removed"):
        assert count(StreamEvent, StreamEvent.payload.contains(old)) == 0, old
    redrawn = db.session.scalars(
        select(StreamEvent).where(StreamEvent.name == messages.MESSAGE_UPDATED)
    ).all()
    assert len(redrawn) == 5
    # Bob's notifications name her as she is now.
    client = app.test_client()
    log_in(client, "bob")
    page = client.get("/notifications").get_data(as_text=True)
    assert f"{DELETED_NAME} added you to" in " ".join(page.split())
    assert "Ann A" not in page
    assert "/u/ann" not in page


def test_the_token_sweep_wakes_when_a_token_expires_not_at_its_interval(tmp_path):
    """A connection that sends nothing is closed when its token ends, on every worker,
    not up to a sweep's interval later: the sweep knows the next expiry and wakes then."""
    app, token_id = app_with_a_token(tmp_path, sweep_every=3600.0, ends_in=1)
    with app.app_context():
        assert 0 < api_tokens.next_expiry_in() <= 1
        db.session.remove()
        assert swept_by_housekeeping(app, token_id)
        assert api_tokens.next_expiry_in() is None
        db.session.remove()
