"""Announcements: a few words from the admins to everyone signed in, shown as a banner on
every page until they expire or are withdrawn, and until each person dismisses them.

Posting and withdrawing are admin actions, written to the moderation audit log; both
are announced on the site channel, which is in every signed-in person's stream, so open
pages show or drop the banner at once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from errors import Forbidden, NotFound, ValidationError
from extensions import db
from models.announcement import Announcement, AnnouncementDismissal
from models.clock import as_utc, iso, utcnow
from models.user import User
from realtime.bus import bus
from realtime.channels import provider
from realtime.events import user_channel
from services import moderation
from services.unit_of_work import unit_of_work
from services.validation import clean_text, is_id, refuse_longer

SITE_CHANNEL = "site"
POSTED = "announcement:posted"
WITHDRAWN = "announcement:withdrawn"
DISMISSED = "announcement:dismissed"
BODY_MAX = 500
DEFAULT_HOURS = 24
MAX_HOURS = 24 * 30
# At most this many are shown at once (the newest).
SHOWN_MAX = 5


@provider
def _site_channel(_user_id: int) -> list[str]:
    return [SITE_CHANNEL]


def _require_admin(actor: User) -> None:
    moderation.require_staff(actor)  # to everyone but staff this does not exist
    if not actor.is_admin:
        raise Forbidden("Only admins post announcements.")


def _body(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError("Write the announcement.", field="body")
    text = clean_text(value.strip(), "body", multiline=True)
    refuse_longer(text, BODY_MAX, "body", f"Keep an announcement under {BODY_MAX} characters.")
    return text


def _expiry(expires_at: object, hours: object) -> datetime:
    """When it stops showing: `expires_at` (ISO 8601 with a zone), or `hours` from now,
    or DEFAULT_HOURS from now; never more than MAX_HOURS ahead."""
    now = utcnow()
    if expires_at is not None and hours is not None:
        raise ValidationError("Give 'expires_at' or 'hours', not both.", field="expires_at")
    if hours is not None:
        if isinstance(hours, bool) or not isinstance(hours, int) or not 1 <= hours <= MAX_HOURS:
            raise ValidationError(f"'hours' must be from 1 to {MAX_HOURS}.", field="hours")
        return now + timedelta(hours=hours)
    if expires_at is None:
        return now + timedelta(hours=DEFAULT_HOURS)
    if not isinstance(expires_at, str) or len(expires_at) > 40:
        raise ValidationError("'expires_at' must be an ISO 8601 time.", field="expires_at")
    try:
        moment = datetime.fromisoformat(expires_at.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError(
            "'expires_at' must be an ISO 8601 time.", field="expires_at"
        ) from None
    if moment.tzinfo is None or moment <= now:
        raise ValidationError("'expires_at' must be a future time with a zone.", field="expires_at")
    if moment > now + timedelta(hours=MAX_HOURS):
        raise ValidationError(
            f"An announcement shows for at most {MAX_HOURS // 24} days.", field="expires_at"
        )
    return moment


def to_dict(announcement: Announcement) -> dict:
    return {
        "id": announcement.id,
        "body": announcement.body,
        "author": announcement.author.to_summary() if announcement.author else None,
        "created_at": iso(announcement.created_at),
        "expires_at": iso(announcement.expires_at),
    }


@unit_of_work
def post(
    actor: User, body: object, expires_at: object = None, hours: object = None
) -> Announcement:
    """Admins only. Every open page shows it at once; later pages until it expires."""
    _require_admin(actor)
    announcement = Announcement(
        author_id=actor.id, body=_body(body), expires_at=_expiry(expires_at, hours)
    )
    db.session.add(announcement)
    db.session.flush()
    moderation.audit(
        actor,
        "post_announcement",
        "announcement",
        announcement.id,
        expires_at=iso(announcement.expires_at),
    )
    bus.publish(SITE_CHANNEL, POSTED, to_dict(announcement))
    return announcement


@unit_of_work
def withdraw(actor: User, announcement_id: object) -> Announcement:
    """Admins only: the banner leaves every open page. Withdrawing one already withdrawn
    or expired changes nothing and is not logged again."""
    _require_admin(actor)
    announcement = db.session.get(Announcement, announcement_id) if is_id(announcement_id) else None
    if announcement is None:
        raise NotFound("No such announcement.")
    if announcement.withdrawn_at is not None or as_utc(announcement.expires_at) <= utcnow():
        return announcement
    announcement.withdrawn_at = utcnow()
    moderation.audit(actor, "withdraw_announcement", "announcement", announcement.id)
    # A replay of its posting no longer carries what it said.
    bus.redact(f"announcement:{announcement.id}", (POSTED,), lambda stored: {**stored, "body": ""})
    bus.publish(SITE_CHANNEL, WITHDRAWN, {"id": announcement.id})
    return announcement


def current(viewer: User | None = None, limit: int = SHOWN_MAX) -> list[Announcement]:
    """The announcements showing now, newest first; with a viewer, those they have not
    dismissed."""
    query = select(Announcement).where(
        Announcement.withdrawn_at.is_(None), Announcement.expires_at > utcnow()
    )
    if viewer is not None:
        dismissed = select(AnnouncementDismissal.announcement_id).where(
            AnnouncementDismissal.user_id == viewer.id
        )
        query = query.where(Announcement.id.not_in(dismissed))
    return list(db.session.scalars(query.order_by(Announcement.id.desc()).limit(limit)))


def showing(announcement_id: int, viewer_id: int) -> bool:
    """Whether the viewer's pages should show this announcement now."""
    announcement = db.session.get(Announcement, announcement_id)
    if announcement is None or announcement.withdrawn_at is not None:
        return False
    if as_utc(announcement.expires_at) <= utcnow():
        return False
    return db.session.get(AnnouncementDismissal, (announcement_id, viewer_id)) is None


@unit_of_work
def dismiss(actor: User, announcement_id: object) -> None:
    """The actor closes the banner, on every device of theirs: their open pages drop it at
    once, later ones never show it. Dismissing one that is gone or already dismissed is
    fine (a page may be older than the withdrawal)."""
    announcement = db.session.get(Announcement, announcement_id) if is_id(announcement_id) else None
    if announcement is None:
        raise NotFound("No such announcement.")
    if db.session.get(AnnouncementDismissal, (announcement.id, actor.id)) is None:
        db.session.add(AnnouncementDismissal(announcement_id=announcement.id, user_id=actor.id))
        db.session.flush()
        bus.publish(user_channel(actor.id), DISMISSED, {"id": announcement.id})
