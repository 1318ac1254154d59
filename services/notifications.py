"""Notifications: stored per user, announced live, collapsed when they repeat."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from datetime import datetime

import orjson
from sqlalchemy import delete, func, select, tuple_, update

from errors import ValidationError
from extensions import db
from models.clock import iso, utcnow
from models.social import Notification, NotificationActor, NotificationMute
from models.user import User
from realtime.bus import bus
from realtime.events import user_channel
from realtime.subjects import channel_owner
from services import notification_subjects
from services.notification_subjects import CONVERSATION_INVITE, PARTY_INVITE, PARTY_STARTED
from services.relations import is_blocked_between

FOLLOW = "follow"
MESSAGE = "message"
MENTION = "mention"
MODERATION = "moderation"
PLAYLIST_INVITE = "playlist_invite"
PLAYLIST_ITEM = "playlist_item"
KINDS = (
    FOLLOW,
    MESSAGE,
    MENTION,
    PARTY_INVITE,
    PARTY_STARTED,
    MODERATION,
    CONVERSATION_INVITE,
    PLAYLIST_INVITE,
    PLAYLIST_ITEM,
)
LABELS = {
    FOLLOW: "New followers",
    MESSAGE: "Direct messages while you are away",
    MENTION: "Mentions",
    PARTY_INVITE: "Watch-party invitations",
    PARTY_STARTED: "Watch parties starting",
    MODERATION: "Moderation notices",
    CONVERSATION_INVITE: "Being added to groups and rooms",
    PLAYLIST_INVITE: "Being invited to build a playlist",
    PLAYLIST_ITEM: "Videos added to your playlists",
}
# Kinds that collapse into one unread notification per subject ("3 new followers").
COLLAPSING = {
    FOLLOW: lambda subject: "follow",
    MESSAGE: lambda s: f"message:{s.get('id')}",
    PARTY_INVITE: lambda s: f"party_invite:{s.get('id')}",
    PLAYLIST_ITEM: lambda s: f"playlist_item:{s.get('id')}",
}

# Kinds whose count is of people: a repeat by someone already counted ("ann followed you"
# twice) brings it back to the top without counting them again.
COUNTING_PEOPLE = (FOLLOW, PARTY_INVITE)

# Posts and comments (services/notifications_posts.py; mentions in them are MENTION).
# A post's likes collapse per post and count people; its comments per post, and the
# replies to one comment per comment, counting comments.
POST_LIKED = "post_liked"
POST_COMMENTED = "post_commented"
COMMENT_REPLIED = "comment_replied"
KINDS = (*KINDS, POST_LIKED, POST_COMMENTED, COMMENT_REPLIED)
LABELS |= {
    POST_LIKED: "Likes of your posts",
    POST_COMMENTED: "Comments on your posts",
    COMMENT_REPLIED: "Replies to your comments",
}
COLLAPSING |= {
    POST_LIKED: lambda s: f"post_liked:{s.get('id')}",
    POST_COMMENTED: lambda s: f"post_commented:{s.get('post_id')}",
    COMMENT_REPLIED: lambda s: f"comment_replied:{s.get('parent_id')}",
}
COUNTING_PEOPLE = (*COUNTING_PEOPLE, POST_LIKED)

NOTIFICATION_NEW = "notification:new"
NOTIFICATION_READ = "notification:read"
NOTIFICATION_UPDATED = "notification:updated"
NOTIFICATION_REMOVED = "notification:removed"
LIST_MAX = 100


def muted_kinds(user_id: int) -> set[str]:
    return set(
        db.session.scalars(select(NotificationMute.kind).where(NotificationMute.user_id == user_id))
    )


def set_muted_kinds(user_id: int, kinds: Iterable[str]) -> set[str]:
    wanted = set(kinds)
    unknown = wanted - set(KINDS)
    if unknown:
        raise ValidationError(f"Unknown notification kind: {sorted(unknown)[0]}.", field="muted")
    db.session.execute(delete(NotificationMute).where(NotificationMute.user_id == user_id))
    db.session.add_all(NotificationMute(user_id=user_id, kind=kind) for kind in sorted(wanted))
    db.session.commit()
    return wanted


def notify(user_id: int, kind: str, *, actor: User | None, subject: dict) -> Notification | None:
    """Store and announce a notification, unless the user muted the kind or the two
    block each other. A repeat of a collapsing kind updates the unread one. Part of the
    caller's unit of work: it goes out when the caller commits."""
    if kind not in KINDS:
        raise ValueError(kind)
    if kind in muted_kinds(user_id):
        return None
    if actor is not None and is_blocked_between(user_id, actor.id):
        return None
    now = utcnow()
    notification = _unread_to_collapse_into(user_id, kind, subject)
    if notification is None:
        notification = Notification(
            user_id=user_id,
            kind=kind,
            group_key=COLLAPSING[kind](subject) if kind in COLLAPSING else uuid.uuid4().hex,
            created_at=now,
            count=0,
        )
        db.session.add(notification)
        db.session.flush()
    known = actor is not None and _record_actor(notification.id, actor.id, now)
    if not (kind in COUNTING_PEOPLE and known):
        notification.count += 1
    notification.actor_id = actor.id if actor else None
    notification.subject = orjson.dumps(subject).decode()
    notification.subject_key = subject_key(subject)
    notification.updated_at = now
    db.session.flush()
    bus.publish(
        user_channel(user_id), NOTIFICATION_NEW, to_dict(notification, unread_count(user_id))
    )
    return notification


def _record_actor(notification_id: int, person_id: int, now: datetime) -> bool:
    """Note that `person_id` acted now; True if they already had."""
    row = db.session.get(NotificationActor, (notification_id, person_id))
    if row is None:
        db.session.add(
            NotificationActor(notification_id=notification_id, user_id=person_id, at=now)
        )
        return False
    row.at = now
    return True


def subject_key(subject: dict) -> str | None:
    """ "<type>:<id>" of what a notification is about; the same key names the stored
    events about it (realtime.subjects.subject_of)."""
    if subject.get("type") and subject.get("id"):
        return f"{subject['type']}:{subject['id']}"
    return None


def retext(key: str, text: str | None, sees: Callable[[int], bool] | None = None) -> None:
    """What the notifications about `key` quote becomes `text` (None: they quote nothing),
    in the stored rows and in their stored events, within the caller's transaction. With
    `sees` (whether a person may still see the thing), those of someone who may not quote
    nothing: what changed after they lost sight of it (removed from the group, blocked by
    its author) does not reach them through a notification they had."""
    shown, withheld = _quoting(text), _quoting(None)

    def allowed(user_id: int | None) -> bool:
        return sees is None or (user_id is not None and sees(user_id))

    changed = []
    for notification in db.session.scalars(
        select(Notification).where(Notification.subject_key == key)
    ):
        rewrite = shown if allowed(notification.user_id) else withheld
        before = notification.subject
        notification.subject = orjson.dumps(rewrite(orjson.loads(before))).decode()
        if notification.subject != before:
            changed.append(notification)
    bus.redact(
        key,
        (NOTIFICATION_NEW, NOTIFICATION_UPDATED),
        lambda stored: {**stored, "subject": shown(stored["subject"])},
        lambda stored: {**stored, "subject": withheld(stored["subject"])},
        None if sees is None else lambda channel: allowed(channel_owner(channel)),
    )
    for notification in changed:  # open pages redraw it in place
        owner = notification.user_id
        bus.publish(
            user_channel(owner), NOTIFICATION_UPDATED, to_dict(notification, unread_count(owner))
        )


def _quoting(text: str | None) -> Callable[[dict], dict]:
    """A notification's subject quoting `text` (None: quoting nothing)."""

    def rewrite(subject: dict) -> dict:
        if "text" not in subject:
            return subject
        if text is None:
            return {name: value for name, value in subject.items() if name != "text"}
        return {**subject, "text": text}

    return rewrite


def _unread_to_collapse_into(user_id: int, kind: str, subject: dict) -> Notification | None:
    if kind not in COLLAPSING:
        return None
    return db.session.scalar(
        select(Notification).where(
            Notification.user_id == user_id,
            Notification.group_key == COLLAPSING[kind](subject),
            Notification.read_at.is_(None),
        )
    )


def to_dict(notification: Notification, unread: int | None = None) -> dict:
    data = {
        "id": notification.id,
        "kind": notification.kind,
        "actor": notification.actor.to_summary() if notification.actor else None,
        "subject": notification_subjects.as_it_is_now(
            notification.kind, orjson.loads(notification.subject), notification.user_id
        ),
        "count": notification.count,
        "created_at": iso(notification.updated_at or notification.created_at),
        "read": notification.read_at is not None,
    }
    if unread is not None:
        data["unread_count"] = unread
    return data


def about(user_id: int, key: str) -> list[dict]:
    """The user's notifications about `key` ("party:3"), as they read now."""
    found = db.session.scalars(
        select(Notification)
        .where(Notification.user_id == user_id, Notification.subject_key == key)
        .order_by(Notification.id)
    )
    return [to_dict(notification) for notification in found]


def redraw(user_id: int, key: str, kind: str) -> None:
    """What the user's notifications of `kind` about `key` read as changed (their subject
    as it is now, `notification_subjects`): open pages redraw each in place."""
    found = [data for data in about(user_id, key) if data["kind"] == kind]
    unread = unread_count(user_id) if found else 0
    for data in found:
        bus.publish(user_channel(user_id), NOTIFICATION_UPDATED, {**data, "unread_count": unread})


def redraw_mentions(user_id: int, conversation_id: int) -> None:
    """The user is no longer in the conversation: its mentions of them quote nothing now
    (`notification_subjects`), and open pages redraw each."""
    mentions = db.session.execute(
        select(Notification.subject_key, Notification.subject).where(
            Notification.user_id == user_id, Notification.kind == MENTION
        )
    )
    keys = {key for key, subject in mentions if _in_conversation(subject, conversation_id)}
    for key in sorted(keys):
        redraw(user_id, key, MENTION)


def _in_conversation(subject: str, conversation_id: int) -> bool:
    return orjson.loads(subject).get("conversation_id") == conversation_id


def holders(key: str, kind: str) -> set[int]:
    """Who holds a notification of `kind` about `key` ("party:3"): whom a change to that
    subject concerns (an invitation to a party that has ended)."""
    return set(
        db.session.scalars(
            select(Notification.user_id).where(
                Notification.subject_key == key, Notification.kind == kind
            )
        )
    )


def unread_count(user_id: int) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
    )


def listing(user_id: int, before: int | None = None, limit: int = 20) -> list[Notification]:
    """Latest update first: a notification a repeat collapsed into comes back to the top.
    `before` is the id of the last notification of the page before (the next page starts
    after it in this order; an id not one's own gives nothing)."""
    if not 1 <= limit <= LIST_MAX:
        raise ValidationError(f"'limit' must be between 1 and {LIST_MAX}.", field="limit")
    query = select(Notification).where(Notification.user_id == user_id)
    if before is not None:
        anchor = db.session.get(Notification, before)
        if anchor is None or anchor.user_id != user_id:
            return []
        query = query.where(
            tuple_(Notification.updated_at, Notification.id) < (anchor.updated_at, anchor.id)
        )
    order = (Notification.updated_at.desc(), Notification.id.desc())
    return list(db.session.scalars(query.order_by(*order).limit(limit)))


def owned(user_id: int, ids: list[int]) -> list[Notification]:
    """The user's notifications among `ids` (others' are not theirs to see)."""
    if not ids:
        return []
    return list(
        db.session.scalars(
            select(Notification).where(Notification.user_id == user_id, Notification.id.in_(ids))
        )
    )


def mark_read(user_id: int, ids: list[int] | None) -> int:
    """Mark some (or, with None, all) of the user's notifications read; others' ids are
    ignored. Returns the new unread count and tells the user's other tabs which of their
    notifications it marked."""
    query = update(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)
    )
    if ids is not None:
        query = query.where(Notification.id.in_(ids))
    marked = db.session.scalars(query.values(read_at=utcnow()).returning(Notification.id)).all()
    unread = unread_count(user_id)
    bus.publish(
        user_channel(user_id),
        NOTIFICATION_READ,
        {
            "ids": None if ids is None else sorted(marked),
            "all": ids is None,
            "unread_count": unread,
        },
    )
    db.session.commit()
    return unread


def conversation_read(user_id: int, conversation_id: int) -> None:
    """The person read the conversation: its messages' notification is read too (else it
    stays unread, and the next message counts the read ones again). In the caller's unit
    of work; the person's tabs hear of it only when there was one."""
    marked = db.session.scalars(
        update(Notification)
        .where(
            Notification.user_id == user_id,
            Notification.group_key == COLLAPSING[MESSAGE]({"id": conversation_id}),
            Notification.read_at.is_(None),
        )
        .values(read_at=utcnow())
        .returning(Notification.id)
    ).all()
    if marked:
        read = {"ids": sorted(marked), "all": False, "unread_count": unread_count(user_id)}
        bus.publish(user_channel(user_id), NOTIFICATION_READ, read)
