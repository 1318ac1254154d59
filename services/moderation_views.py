"""What the staff pages show: reports with what they are about, audit entries with the
people they name, the newest accounts, and the dashboard's figures. Read-only; staff
only (the admin pages check it before asking)."""

from __future__ import annotations

import logging
from collections.abc import Iterable

import redis
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from extensions import db
from models.clock import iso
from models.conversation import Conversation, Kind, Message
from models.moderation import AuditEntry, Report
from models.party import Party
from models.user import User
from realtime.bus import bus
from services import moderation, moderation_reports, parties
from services.reportables import REPORTABLE

log = logging.getLogger(__name__)

EXCERPT = 300


# -- people -----------------------------------------------------------------------------
def newest_accounts(actor: User, limit: int = 20) -> list[User]:
    """The newest accounts, newest first; deleted ones (their tombstones) are left out."""
    moderation.require_staff(actor)
    return list(
        db.session.scalars(
            select(User).where(User.deleted_at.is_(None)).order_by(User.id.desc()).limit(limit)
        )
    )


def online(user_id: int) -> bool | None:
    """Whether someone is online on any worker; None when the presence store is away."""
    try:
        return bus.presence.store.is_online(user_id)
    except redis.RedisError:
        return None


# -- the dashboard ----------------------------------------------------------------------
def figures() -> dict:
    """The dashboard's figures: "online" is None when the presence store cannot be reached
    (it answers per person, and has no site-wide count otherwise)."""
    return {
        "open_count": moderation_reports.open_count(),
        "online": _online_count(),
        "live_parties": parties.live_count(),
        "events_per_second": bus.hub.event_rate.per_second(),
        "transport_counts": bus.hub.transport_counts(),
        "people_here": len(bus.hub.local_users()),
        "worker_id": bus.worker_id,
    }


def _online_count() -> int | None:
    try:
        return bus.presence.store.online_count()
    except redis.RedisError:
        log.warning("Presence store unreachable; the dashboard shows no online count")
        return None


# -- reports ----------------------------------------------------------------------------
def report_views(found: list[Report]) -> list[dict]:
    """Each report (`report_dict`) with its `subject` and `resolver`, loaded a kind at a
    time."""
    ids: dict[str, set[int]] = {kind: set() for kind in moderation_reports.SUBJECTS}
    for entry in found:
        ids.setdefault(entry.subject_type, set()).add(entry.subject_id)
    found_messages = _by_id(
        Message, ids["message"], selectinload(Message.sender), selectinload(Message.attachment)
    )
    rooms = _by_id(
        Conversation,
        ids["room"] | ids["group"] | {m.conversation_id for m in found_messages.values()},
    )
    found_parties = _by_id(Party, ids["party"], selectinload(Party.host))
    people = _by_id(User, ids["user"] | {r.resolved_by for r in found if r.resolved_by is not None})
    views = []
    for entry in found:
        view = moderation_reports.report_dict(entry)
        view["subject"] = _subject(entry, found_messages, rooms, found_parties, people)
        resolver = people.get(entry.resolved_by) if entry.resolved_by else None
        view["resolver"] = resolver.to_summary() if resolver else None
        views.append(view)
    return views


def _by_id(model, ids: Iterable[int], *options) -> dict:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = db.session.scalars(select(model).where(model.id.in_(wanted)).options(*options))
    return {row.id: row for row in rows}


def _subject(entry: Report, found_messages, rooms, found_parties, people) -> dict:
    kind, subject_id = entry.subject_type, entry.subject_id
    if kind in REPORTABLE:
        return REPORTABLE[kind].staff_view(kind, subject_id)
    if kind == "message":
        return _message_subject(found_messages.get(subject_id), rooms)
    if kind == "user":
        user = people.get(subject_id)
        return {"kind": kind, "missing": user is None, "user": user.to_summary() if user else None}
    if kind == "party":
        party = found_parties.get(subject_id)
        if party is None:
            return {"kind": kind, "missing": True}
        return {
            "kind": kind,
            "id": party.id,
            "title": party.title,
            "status": party.status,
            "visibility": party.visibility,
            "author": party.host.to_summary(),
        }
    room = rooms.get(subject_id)
    if room is None:
        return {"kind": kind, "missing": True}
    return {"kind": kind, **_place(room)}


def _message_subject(message: Message | None, rooms: dict) -> dict:
    if message is None:
        return {"kind": "message", "missing": True}
    return {
        "kind": "message",
        "removed": message.deleted_at is not None,
        "text": _excerpt(message.body),
        "file": message.attachment.original_name if message.attachment else None,
        "author": message.sender.to_summary() if message.sender else None,
        "created_at": iso(message.created_at),
        "place": _place(rooms.get(message.conversation_id)),
    }


def _place(conversation: Conversation | None) -> dict:
    """Where a message was: a public room links to itself; private ones are named only."""
    if conversation is None:
        return {"label": "a conversation that is gone"}
    closed = conversation.deleted_at is not None
    if conversation.kind == Kind.DIRECT:
        return {"label": "a direct conversation", "closed": closed}
    public = conversation.kind == Kind.ROOM and conversation.visibility == "public"
    return {
        "label": conversation.name,
        "type": "room" if conversation.kind == Kind.ROOM else "group",
        "id": conversation.id if public and not closed else None,
        "private": not public,
        "closed": closed,
    }


def _excerpt(text: str) -> str:
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…"


# -- the audit log ----------------------------------------------------------------------
def audit_views(entries: list[AuditEntry]) -> list[dict]:
    """Each entry (`audit_dict`) with its `target`: the account it names (by username
    while it exists), or a label."""
    user_ids = {e.target_id for e in entries if e.target_type == "user" and e.target_id}
    people = _by_id(User, user_ids)
    views = []
    for entry in entries:
        view = moderation.audit_dict(entry)
        view["target"] = _target(entry.target_type, entry.target_id, people)
        views.append(view)
    return views


def _target(kind: str, target_id: int | None, people: dict) -> dict:
    if kind == "user":
        person = people.get(target_id)
        if person is not None:
            return {"kind": kind, "username": person.username}
        return {"kind": kind, "label": "a deleted account"}
    if kind == "party":
        return {"kind": kind, "label": f"party #{target_id}", "id": target_id}
    return {"kind": kind, "label": f"{kind} #{target_id}"}
