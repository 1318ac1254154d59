"""Whom a notification is from, when that person goes from it: their account is
deleted, or a block parts them from its owner. Notifications that count people ("ann and
2 others followed you") lose them; the owner's open pages hear of each change."""

from __future__ import annotations

import orjson
from sqlalchemy import delete, select

from extensions import db
from models.social import Notification, NotificationActor
from realtime.bus import bus
from realtime.events import user_channel
from services.notifications import (
    COLLAPSING,
    COUNTING_PEOPLE,
    FOLLOW,
    MODERATION,
    NOTIFICATION_REMOVED,
    NOTIFICATION_UPDATED,
    PARTY_INVITE,
    to_dict,
    unread_count,
)


def forget_person(person_id: int) -> None:
    """A deleted account leaves the notifications it was collapsed into, in the caller's
    unit of work: "Deleted account and 2 others followed you" becomes "ann and 1 other
    followed you", and a follow notification nobody else is left in goes. An invitation
    only they gave stays (it is still a way into the party), as do their messages,
    mentions and the rest, which still stand where they were written."""
    for notification in _counting(person_id):
        if notification.kind == PARTY_INVITE and notification.count <= 1:
            continue
        _take_out(notification, person_id)


def part(owner_id: int, person_id: int) -> None:
    """A block between the two: the owner's notifications lose `person_id` where they
    count people (an invitation only they gave goes with them), and those each of which
    is of one thing they did (a mention, an invitation to a group) go. Those that sum up
    many people's doing (new messages, comments under a post) stay, and so do the site's
    moderation notices. In the caller's unit of work."""
    for notification in _counting(person_id, owner_id):
        _take_out(notification, person_id)
    theirs = db.session.scalars(
        select(Notification)
        .where(
            Notification.user_id == owner_id,
            Notification.actor_id == person_id,
            Notification.kind.not_in([*COLLAPSING, MODERATION]),
        )
        .order_by(Notification.id)
    ).all()
    for notification in theirs:
        _remove(notification)


def _counting(person_id: int, owner_id: int | None = None) -> list[Notification]:
    query = (
        select(Notification)
        .join(NotificationActor, NotificationActor.notification_id == Notification.id)
        .where(NotificationActor.user_id == person_id, Notification.kind.in_(COUNTING_PEOPLE))
        .order_by(Notification.id)
    )
    if owner_id is not None:
        query = query.where(Notification.user_id == owner_id)
    return list(db.session.scalars(query))


def _remove(notification: Notification) -> None:
    owner = notification.user_id
    db.session.delete(notification)
    db.session.flush()
    bus.publish(
        user_channel(owner),
        NOTIFICATION_REMOVED,
        {"id": notification.id, "unread_count": unread_count(owner)},
    )


def _take_out(notification: Notification, person_id: int) -> None:
    db.session.execute(
        delete(NotificationActor).where(
            NotificationActor.notification_id == notification.id,
            NotificationActor.user_id == person_id,
        )
    )
    notification.count -= 1
    if notification.count <= 0:
        _remove(notification)
        return
    owner = notification.user_id
    latest = db.session.scalar(
        select(NotificationActor.user_id)
        .where(NotificationActor.notification_id == notification.id)
        .order_by(NotificationActor.at.desc(), NotificationActor.user_id.desc())
        .limit(1)
    )
    notification.actor_id = latest  # None: the others are not known (counted before)
    if notification.kind == FOLLOW and latest is not None:
        notification.subject = orjson.dumps({"type": "user", "id": latest}).decode()
        notification.subject_key = f"user:{latest}"
    db.session.flush()
    db.session.refresh(notification)  # the actor relationship, for the event
    bus.publish(
        user_channel(owner), NOTIFICATION_UPDATED, to_dict(notification, unread_count(owner))
    )
