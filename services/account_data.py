"""One's own account as a whole: download everything it holds, or delete it."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, or_, select
from werkzeug.security import check_password_hash

from errors import ValidationError
from extensions import db
from models.clip import Clip
from models.clock import iso, utcnow
from models.conversation import Message
from models.moderation import Report
from models.party import Party
from models.playlist import Playlist, PlaylistItem
from models.post import Post
from models.social import Block, Follow, Notification, NotificationMute
from models.user import DELETED_NAME, ApiToken, LoginSession, User
from realtime.bus import bus
from realtime.events import presence_channel
from services import (
    clips,
    comment_likes,
    conversation_members,
    conversations,
    messages,
    notification_people,
    parties,
    playlist_people,
    post_images,
    posts,
    profiles,
    social,
    uploads,
)


def export(user: User) -> dict[str, Any]:
    """Everything the account holds, as one JSON-ready object: the profile, the messages
    it sent, its follows both ways (usernames only), the parties it created, its posts,
    playlists (with their items) and clips, its notifications and its reports. Nothing
    of anyone else's beyond their username."""
    return {
        "exported_at": iso(utcnow()),
        "profile": {**user.to_public(), "bio": user.bio, "avatar_color": user.avatar_color},
        "messages": _records(
            select(Message)
            .where(
                Message.sender_id == user.id, Message.kind == "text", Message.deleted_at.is_(None)
            )
            .order_by(Message.id),
            "id conversation_id body created_at",
        ),
        "following": _usernames(Follow.followee_id, Follow.follower_id == user.id),
        "followers": _usernames(Follow.follower_id, Follow.followee_id == user.id),
        "parties": _records(
            select(Party).where(Party.created_by == user.id).order_by(Party.id),
            "id title description media_url visibility status created_at ended_at",
        ),
        "posts": _posts(user),
        "playlists": _records(
            select(Playlist).where(Playlist.owner_id == user.id).order_by(Playlist.id),
            "id title description visibility created_at updated_at",
        ),
        "playlist_items": _records(
            select(PlaylistItem)
            .join(Playlist, Playlist.id == PlaylistItem.playlist_id)
            .where(Playlist.owner_id == user.id)
            .order_by(PlaylistItem.playlist_id, PlaylistItem.position),
            "playlist_id position video_url title start_seconds",
        ),
        "clips": _records(
            select(Clip)
            .where(Clip.owner_id == user.id, Clip.deleted_at.is_(None))
            .order_by(Clip.id),
            "code title video_url start_seconds end_seconds view_count created_at",
        ),
        "notifications": [
            {
                "id": note.id,
                "kind": note.kind,
                # What it is about, by type and id: the text others wrote is theirs.
                "subject": {
                    key: value
                    for key, value in json.loads(note.subject or "{}").items()
                    if key in ("type", "id")
                },
                "count": note.count,
                "created_at": iso(note.created_at),
                "read_at": iso(note.read_at),
            }
            for note in db.session.scalars(
                select(Notification)
                .where(Notification.user_id == user.id)
                .order_by(Notification.id)
            )
        ],
        "reports": _records(
            select(Report).where(Report.reporter_id == user.id).order_by(Report.id),
            "id subject_type subject_id reason status action created_at resolved_at",
        ),
    }


def _records(statement: Select, fields: str) -> list[dict[str, Any]]:
    """Each row `statement` selects, as its `fields` (named in order, separated by
    spaces), times as ISO text."""
    names = fields.split()
    return [_record(row, names) for row in db.session.scalars(statement)]


def _record(row: object, names: list[str]) -> dict[str, Any]:
    return {name: _plain(getattr(row, name)) for name in names}


def _posts(user: User) -> list[dict[str, Any]]:
    """Its posts, each with where its image is fetched (while the account stands)."""
    names = ["id", "text", "video_url", "image_alt", "audience", "created_at", "edited_at"]
    mine = select(Post).where(Post.author_id == user.id, Post.deleted_at.is_(None))
    return [
        {**_record(post, names), "image_url": post_images.url(post)}
        for post in db.session.scalars(mine.order_by(Post.id))
    ]


def _plain(value: object) -> object:
    return iso(value) if isinstance(value, datetime) else value


def _usernames(person_column: ColumnElement[int], condition: ColumnElement[bool]) -> list[str]:
    """The usernames of the people on the `person_column` side of the follows matching
    `condition`, alphabetically; deleted accounts have none."""
    return list(
        db.session.scalars(
            select(User.username)
            .join(Follow, User.id == person_column)
            .where(condition, User.deleted_at.is_(None))
            .order_by(User.username)
        )
    )


def delete_account(user: User, password: str) -> None:
    """Delete the account, in one unit of work, once the password is confirmed.

    The row stays as a tombstone, so the messages others need keep their place and show
    "Deleted account"; everything personal goes: the name (free for anyone again), the
    profile and picture, follows and blocks both ways, tokens, browser sign-ins,
    notifications and preferences, and their place in others' collapsed notifications,
    its posts and likes (of posts and comments), playlists and clips. Groups and rooms
    are left, parties left or handed over (or ended), and every live connection closes,
    its pages going to /signed-out."""
    if not isinstance(password, str) or not check_password_hash(user.password_hash, password):
        raise ValidationError("The password is wrong.", code="wrong_password", field="password")
    old_username, avatar_file = user.username, user.avatar_file
    follower_ids = list(
        db.session.scalars(select(Follow.follower_id).where(Follow.followee_id == user.id))
    )
    followed_ids = list(
        db.session.scalars(select(Follow.followee_id).where(Follow.follower_id == user.id))
    )
    user.deleted_at = utcnow()
    user.username = f"deleted:{user.id}"
    user.password_hash = ""
    user.display_name = ""
    user.bio = ""
    user.avatar_file = None
    user.avatar_color = 0
    user.session_epoch += 1
    db.session.flush()

    parties.withdraw(user)
    conversation_members.withdraw(user)
    posts.withdraw(user)
    comment_likes.withdraw(user)
    playlist_people.withdraw(user)
    clips.withdraw(user)
    db.session.execute(
        delete(Follow).where(or_(Follow.follower_id == user.id, Follow.followee_id == user.id))
    )
    db.session.execute(
        delete(Block).where(or_(Block.blocker_id == user.id, Block.blocked_id == user.id))
    )
    # Their profiles, open elsewhere, count one follow fewer, and this one's says the
    # account is gone: told before its followers stop hearing it.
    social.tell_counts(user.id, *follower_ids, *followed_ids)
    for follower_id in follower_ids:
        bus.unsubscribe_user(follower_id, presence_channel(user.id))
    notification_people.forget_person(user.id)
    db.session.execute(delete(Notification).where(Notification.user_id == user.id))
    db.session.execute(delete(NotificationMute).where(NotificationMute.user_id == user.id))
    db.session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
    db.session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
    _scrub_system_lines(old_username)
    # Replays show the tombstone too, never the old name.
    bus.redact_person(user.to_summary(), old_username=old_username)
    bus.account_changed(user.id)
    bus.close_connections(user.id)
    db.session.commit()
    uploads.discard(profiles.AVATARS, avatar_file)


def _system_line_rewrites(name: str) -> tuple[tuple[re.Pattern[str], str], ...]:
    """Where a name stands in the transcript lines services/conversations.py writes about
    people ("ann joined.", "ann left.", "ann was removed by bob.", "bob was removed by
    ann.", "ann renamed this to “…”."), with what replaces it."""
    who = re.escape(name)
    about = r"(?:joined|left|was removed by .+|renamed this to “.*”)"
    return (
        (re.compile(rf"^{who}( {about}\.)$", re.S), rf"{DELETED_NAME}\1"),
        (re.compile(rf"^(.+ was removed by ){who}\.$", re.S), rf"\1{DELETED_NAME}."),
    )


def _scrub_system_lines(old_username: str) -> None:
    """The transcript lines naming the deleted person say "Deleted account" instead, in
    the deletion's unit of work: their stored events are rewritten (replays never carry
    the old name, which anyone may take now) and open transcripts redraw them."""
    escaped = re.sub(r"([\\%_])", r"\\\1", old_username)
    candidates = db.session.scalars(
        select(Message).where(
            Message.kind == "system",
            or_(
                Message.body.like(f"{escaped} %", escape="\\"),
                Message.body.like(f"% by {escaped}.", escape="\\"),
            ),
        )
    ).all()
    rewrites = _system_line_rewrites(old_username)
    for line in candidates:
        body = line.body
        for pattern, replacement in rewrites:
            body = pattern.sub(replacement, body)
        if body == line.body:
            continue
        line.body = body
        current = messages.to_dict(line)
        bus.redact(
            f"message:{line.id}",
            (messages.MESSAGE_NEW, messages.MESSAGE_UPDATED),
            lambda _stored, current=current: current,
        )
        bus.publish(conversations.channel(line.conversation_id), messages.MESSAGE_UPDATED, current)
