"""Announcements: only admins post and withdraw them, each action is audited and
announced on the site channel, expiry and dismissal decide who still sees them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from errors import Forbidden, NotFound, ValidationError
from extensions import db
from models.clock import as_utc, iso, utcnow
from models.moderation import AuditEntry
from models.user import Role
from realtime import store
from realtime.channels import channels_for
from realtime.events import user_channel
from services import announcements


@pytest.fixture
def cast(user_factory):
    return {
        "admin": user_factory("ada", role=Role.ADMIN),
        "mod": user_factory("moe", role=Role.MODERATOR),
        "ann": user_factory("ann"),
    }


def site_events() -> list:
    return store.read_after(0, [announcements.SITE_CHANNEL])


def test_an_admin_posts_and_it_is_audited_announced_and_current(cast):
    posted = announcements.post(cast["admin"], "  Maintenance at 22:00 UTC  ")

    assert posted.body == "Maintenance at 22:00 UTC"
    hours = (as_utc(posted.expires_at) - utcnow()).total_seconds() / 3600
    assert 23.9 < hours <= 24
    assert announcements.current(cast["ann"]) == [posted]
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "post_announcement"))
    assert (entry.actor_id, entry.target_type, entry.target_id) == (
        cast["admin"].id,
        "announcement",
        posted.id,
    )
    [event] = site_events()
    assert event.name == announcements.POSTED
    assert event.data == announcements.to_dict(posted)


def test_every_signed_in_person_has_the_site_channel(cast):
    assert announcements.SITE_CHANNEL in channels_for(cast["ann"].id)


def test_only_admins_post_or_withdraw(cast):
    with pytest.raises(NotFound):  # to people who are not staff it does not exist
        announcements.post(cast["ann"], "Hello")
    with pytest.raises(Forbidden):
        announcements.post(cast["mod"], "Hello")
    posted = announcements.post(cast["admin"], "Hello")
    with pytest.raises(NotFound):
        announcements.withdraw(cast["ann"], posted.id)
    with pytest.raises(Forbidden):
        announcements.withdraw(cast["mod"], posted.id)
    assert len(site_events()) == 1


@pytest.mark.parametrize(
    ("body", "expires_at", "hours"),
    [
        ("", None, None),
        ("   ", None, None),
        (None, None, None),
        ("x" * 501, None, None),
        ("ok", "tomorrow", None),
        ("ok", iso(utcnow() - timedelta(minutes=1)), None),
        ("ok", iso(utcnow() + timedelta(days=31)), None),
        ("ok", "2030-01-01T00:00:00", None),  # no zone
        ("ok", None, 0),
        ("ok", None, 721),
        ("ok", None, True),
        ("ok", None, "24"),
        ("ok", iso(utcnow() + timedelta(hours=2)), 2),
    ],
)
def test_bad_input_is_refused(cast, body, expires_at, hours):
    with pytest.raises(ValidationError):
        announcements.post(cast["admin"], body, expires_at, hours)
    assert announcements.current() == []


def test_expiry_from_a_time_or_hours(cast):
    at = utcnow() + timedelta(hours=3)
    by_time = announcements.post(cast["admin"], "At a time", expires_at=iso(at))
    by_hours = announcements.post(cast["admin"], "In hours", hours=2)
    assert abs((as_utc(by_time.expires_at) - at).total_seconds()) < 1
    assert timedelta(hours=1.9) < as_utc(by_hours.expires_at) - utcnow() <= timedelta(hours=2)


def test_an_expired_one_is_no_longer_current(cast):
    posted = announcements.post(cast["admin"], "Soon gone", hours=1)
    posted.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert announcements.current() == []
    assert not announcements.showing(posted.id, cast["ann"].id)


def test_withdraw_tells_everyone_once_and_is_audited_once(cast):
    posted = announcements.post(cast["admin"], "Oops")
    announcements.withdraw(cast["admin"], posted.id)
    announcements.withdraw(cast["admin"], posted.id)

    assert announcements.current() == []
    assert [e.name for e in site_events()] == [announcements.POSTED, announcements.WITHDRAWN]
    assert site_events()[1].data == {"id": posted.id}
    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["post_announcement", "withdraw_announcement"]
    with pytest.raises(NotFound):
        announcements.withdraw(cast["admin"], 999_999)


def test_dismissal_is_per_person(cast):
    posted = announcements.post(cast["admin"], "Read me")
    announcements.dismiss(cast["ann"], posted.id)
    announcements.dismiss(cast["ann"], posted.id)  # twice is fine

    assert announcements.current(cast["ann"]) == []
    assert announcements.current(cast["mod"]) == [posted]
    assert announcements.current() == [posted]
    assert not announcements.showing(posted.id, cast["ann"].id)
    assert announcements.showing(posted.id, cast["mod"].id)
    with pytest.raises(NotFound):
        announcements.dismiss(cast["ann"], 999_999)


def test_a_dismissal_tells_the_persons_other_pages_once(cast):
    posted = announcements.post(cast["admin"], "Read me once")
    announcements.dismiss(cast["ann"], posted.id)
    announcements.dismiss(cast["ann"], posted.id)

    mine = store.read_after(0, [user_channel(cast["ann"].id)])
    assert [(e.name, e.data) for e in mine] == [(announcements.DISMISSED, {"id": posted.id})]
    assert store.read_after(0, [user_channel(cast["mod"].id)]) == []
