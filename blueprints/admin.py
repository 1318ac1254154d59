"""Moderation pages for moderators and admins. To everyone else, signed in or not, every
address under /admin does not exist (404)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

import redis
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

import budgets
from blueprints.confirm import not_yet_sure
from errors import NotFound, ServiceError
from extensions import db
from models.clock import as_utc, iso
from models.conversation import Conversation, Kind, Message
from models.moderation import Report
from models.party import Party
from models.user import Role, User
from realtime.bus import bus
from route_limits import per_user
from services import (
    accounts,
    announcements,
    conversation_listing,
    conversations,
    moderation,
    parties,
    profiles,
)

log = logging.getLogger(__name__)

bp = Blueprint("admin", __name__, url_prefix="/admin")

# "Online" is checked for the newest accounts and everyone connected to this worker:
# the presence store answers per person, and has no site-wide count.
NEWEST_USERS = 20
EXCERPT = 300

TRANSPORTS = {
    "socketio": "Socket.IO",
    "sse": "Event stream (JSON)",
    "sse-html": "Event stream (pages)",
    "longpoll": "Long-polling",
}
DECISIONS = {
    "dismiss": "Dismiss",
    "warn": "Warn who is responsible",
    "remove": "Remove it",
    "ban": "Ban who is responsible",
}
DECIDED = {
    "dismiss": "dismissed",
    "warn": "warned who is responsible",
    "remove": "removed",
    "ban": "banned who is responsible",
}
ACTIONS = {
    "resolve_report": "resolved",
    "ban": "banned",
    "unban": "lifted the ban on",
    "mute": "muted",
    "warn": "warned",
    "remove_message": "removed",
    "end_party": "ended",
    "close_room": "closed",
    "close_group": "closed",
    "set_role": "changed the role of",
    "post_announcement": "posted",
    "withdraw_announcement": "withdrew",
}
ANNOUNCEMENT_DURATIONS = [
    (1, "1 hour"),
    (6, "6 hours"),
    (24, "24 hours"),
    (72, "3 days"),
    (168, "7 days"),
]
ROLES = {
    Role.USER.value: "User",
    Role.MODERATOR.value: "Moderator",
    Role.ADMIN.value: "Admin",
}


@bp.before_request
def _staff_only() -> None:
    """Moderators and admins only; anyone else, signed in or not, gets the 404 page."""
    if not current_user.is_authenticated:
        raise NotFound("There is nothing here.")
    moderation.require_staff(current_user)


@bp.context_processor
def _helpers() -> dict:
    return {"utc": utc, "iso": iso, "role_names": ROLES}


@bp.app_context_processor
def _open_reports() -> dict:
    """The navigation's reports badge, counted only for staff and only when shown."""

    def count() -> int:
        if current_user and current_user.is_authenticated and current_user.is_moderator:
            return moderation.open_count()
        return 0

    return {"open_reports": count}


def utc(moment: str | datetime | None) -> str:
    """A moment as words moderators can compare: '3 May 2025, 14:05 UTC'."""
    if not moment:
        return ""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    moment = as_utc(moment)
    return f"{moment.day} {moment:%b %Y, %H:%M} UTC"


# -- the overview -----------------------------------------------------------------------
@bp.get("")
def dashboard():
    entries = moderation.audit_log(current_user, limit=10)
    return render_template("admin/dashboard.html", entries=_audit_views(entries), **_figures())


@bp.get("/figures")
def figures():
    """The dashboard's figures alone: the page refreshes them every few seconds."""
    return render_template("admin/_figures.html", **_figures())


def _figures() -> dict:
    counts = bus.hub.transport_counts()
    transports = [(label, counts.get(name, 0)) for name, label in TRANSPORTS.items()]
    transports += [(name, n) for name, n in counts.items() if name not in TRANSPORTS]
    live_parties = db.session.scalar(
        select(func.count()).select_from(Party).where(Party.status == "live")
    )
    return {
        "open_count": moderation.open_count(),
        "online": _online_count(),
        "live_parties": live_parties,
        "events_per_second": bus.hub.event_rate.per_second(),
        "transports": transports,
        "connections": sum(counts.values()),
        "people_here": len(bus.hub.local_users()),
        "worker_id": bus.worker_id,
    }


def _online_count() -> int | None:
    """People online on any worker; None when the presence store cannot be reached."""
    try:
        return bus.presence.store.online_count()
    except redis.RedisError:
        log.warning("Presence store unreachable; the dashboard shows no online count")
        return None


# -- reports ----------------------------------------------------------------------------
@bp.get("/reports")
def reports():
    status = request.args.get("status", "open")
    if status not in ("open", "resolved"):
        status = "open"
    found = moderation.reports(current_user, status)
    return render_template(
        "admin/reports.html",
        status=status,
        reports=_report_views(found),
        open_count=moderation.open_count(),
        decisions=DECISIONS,
    )


@bp.post("/reports/<int:report_id>/resolve")
@per_user(budgets.MODERATION)
def resolve(report_id: int):
    action = request.form.get("action", "")
    done = _act(
        lambda: moderation.resolve(current_user, report_id, action, request.form.get("note", ""))
    )
    if done:
        flash(f"Report #{report_id} is resolved: {DECIDED.get(action, action)}.", "success")
    return redirect(url_for("admin.reports"))


def _report_views(found: list[Report]) -> list[dict]:
    """Each report with what it is about, loaded a kind at a time."""
    ids: dict[str, set[int]] = {
        "message": set(),
        "user": set(),
        "party": set(),
        "room": set(),
        "group": set(),
    }
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
        view = moderation.report_dict(entry)
        view["subject"] = _subject(entry, found_messages, rooms, found_parties, people)
        resolver = people.get(entry.resolved_by) if entry.resolved_by else None
        view["resolver"] = resolver.to_summary() if resolver else None
        view["decisions"] = {
            name: label
            for name, label in DECISIONS.items()
            if not (name == "remove" and entry.subject_type == "user")
        }
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
    if kind == "message":
        message = found_messages.get(subject_id)
        if message is None:
            return {"kind": kind, "missing": True}
        conversation = rooms.get(message.conversation_id)
        return {
            "kind": kind,
            "removed": message.deleted_at is not None,
            "text": _excerpt(message.body),
            "file": message.attachment.original_name if message.attachment else None,
            "author": message.sender.to_summary() if message.sender else None,
            "created_at": iso(message.created_at),
            "place": _place(conversation),
        }
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


# -- people -----------------------------------------------------------------------------
@bp.get("/users")
def users():
    query = request.args.get("q", "").strip()
    error = None
    found: list[User] = []
    if query:
        try:
            found = profiles.search(current_user, query)
        except ServiceError as problem:
            error = problem.message
        # The people search leaves out whoever blocked the viewer; staff find them by name.
        exact = accounts.find_by_username(query) if len(query) <= 64 else None
        if exact is not None and exact not in found:
            found.insert(0, exact)
    else:
        found = list(db.session.scalars(select(User).order_by(User.id.desc()).limit(NEWEST_USERS)))
    return render_template("admin/users.html", query=query, found=found, error=error)


@bp.get("/users/<username>")
def user(username: str):
    person = accounts.get_by_username(username)
    history = moderation.user_history(current_user, person.username)
    try:
        online = bus.presence.store.is_online(person.id)
    except redis.RedisError:
        online = None
    return render_template(
        "admin/user.html",
        person=person,
        online=online,
        entries=_audit_views(history),
        may_act=person.id != current_user.id and (current_user.is_admin or not person.is_admin),
        mute_max=moderation.MUTE_MAX_MINUTES,
        reason_max=moderation.REASON_MAX,
    )


@bp.post("/users/<username>/warn")
@per_user(budgets.MODERATION)
def warn(username: str):
    if _act(lambda: moderation.warn(current_user, username, request.form.get("text", ""))):
        flash(f"{username} is warned; they see it in their notifications.", "success")
    return _back_to(username)


@bp.post("/users/<username>/mute")
@per_user(budgets.MODERATION)
def mute(username: str):
    raw = request.form.get("minutes", "").strip()
    if not raw.isdecimal():
        flash("Give the mute in whole minutes (0 lifts it).", "error")
        return _back_to(username)
    minutes = int(raw)
    if _act(lambda: moderation.mute(current_user, username, minutes)):
        if minutes:
            flash(f"{username} is muted site-wide for {_duration(minutes)}.", "success")
        else:
            flash(f"{username} may post again.", "success")
    return _back_to(username)


@bp.post("/users/<username>/ban")
@per_user(budgets.MODERATION)
def ban(username: str):
    raw = request.form.get("expires_at", "").strip()
    expires_at = None
    if raw:
        try:
            moment = datetime.fromisoformat(raw)
        except ValueError:
            flash("Give the end of the ban as a date and time, or leave it empty.", "error")
            return _back_to(username)
        # The form's date and time are in UTC, as the page says.
        expires_at = iso(moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment)
    reason = request.form.get("reason", "")
    back = url_for("admin.user", username=username)
    detail = "Banning signs them out everywhere at once."
    if page := not_yet_sure(f"Ban {username}?", f"Ban {username}", back, detail):
        return page
    if _act(lambda: moderation.ban(current_user, username, reason, expires_at)):
        until = f" until {utc(expires_at)}" if expires_at else " until it is lifted"
        flash(f"{username} is banned{until} and signed out everywhere.", "success")
    return _back_to(username)


@bp.post("/users/<username>/unban")
@per_user(budgets.MODERATION)
def unban(username: str):
    if _act(lambda: moderation.unban(current_user, username)):
        flash(f"The ban on {username} is lifted.", "success")
    return _back_to(username)


@bp.post("/users/<username>/role")
@per_user(budgets.MODERATION)
def role(username: str):
    wanted = request.form.get("role", "")
    if _act(lambda: moderation.set_role(current_user, username, wanted)):
        flash(f"{username} is now {ROLES.get(wanted, wanted).lower()}.", "success")
    return _back_to(username)


def _back_to(username: str):
    if accounts.find_by_username(username) is None:
        return redirect(url_for("admin.users"))
    return redirect(url_for("admin.user", username=username.lower()))


def _duration(minutes: int) -> str:
    for size, unit in ((1440, "day"), (60, "hour")):
        if minutes % size == 0:
            count = minutes // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


# -- parties and rooms ------------------------------------------------------------------
@bp.get("/content")
def content():
    page = request.args.get("page", "1")
    number = int(page) if page.isdecimal() and 1 <= int(page) <= 10_000 else 1
    live, more = parties.listing("live", number)
    rooms = conversation_listing.directory(limit=100)
    shaped = conversations.shape_many(rooms, current_user.id)
    return render_template(
        "admin/content.html",
        parties=live,
        page=number,
        more=more,
        rooms=[shaped[room.id] for room in rooms],
        reason_max=moderation.REASON_MAX,
    )


@bp.post("/parties/<int:party_id>/end")
@per_user(budgets.MODERATION)
def end_party(party_id: int):
    if page := not_yet_sure(
        "End this party for everyone?", "End the party", url_for("admin.content")
    ):
        return page
    if _act(lambda: moderation.end_party(current_user, party_id, request.form.get("reason", ""))):
        flash("The party is ended for everyone in it.", "success")
    return redirect(url_for("admin.content"))


@bp.post("/rooms/<int:conversation_id>/close")
@per_user(budgets.MODERATION)
def close_room(conversation_id: int):
    reason = request.form.get("reason", "")
    back = url_for("admin.content")
    if page := not_yet_sure("Close this room for all its members?", "Close the room", back):
        return page
    if _act(lambda: moderation.close_room(current_user, conversation_id, reason)):
        flash("The room is closed.", "success")
    return redirect(url_for("admin.content"))


# -- announcements ----------------------------------------------------------------------
@bp.get("/announcements", endpoint="announcements")
def announcements_page(status: int = 200, error: str | None = None, body: str = "", hours=None):
    return render_template(
        "admin/announcements.html",
        current=[announcements.to_dict(a) for a in announcements.current()],
        may_post=current_user.is_admin,
        body_max=announcements.BODY_MAX,
        durations=ANNOUNCEMENT_DURATIONS,
        hours=hours or announcements.DEFAULT_HOURS,
        error=error,
        body=body,
    ), status


@bp.post("/announcements")
@per_user(budgets.ANNOUNCEMENT)
def post_announcement():
    body = request.form.get("body", "")
    raw = request.form.get("hours", "").strip()
    hours = int(raw) if raw.isdecimal() and len(raw) < 6 else raw or None
    try:
        announcements.post(current_user, body, hours=hours)
    except ServiceError as error:
        db.session.rollback()
        if error.status == 404:
            raise
        return announcements_page(400, error.message, body, hours)
    flash("The announcement is showing on every page.", "success")
    return redirect(url_for("admin.announcements"))


@bp.post("/announcements/<int:announcement_id>/withdraw")
@per_user(budgets.ANNOUNCEMENT)
def withdraw_announcement(announcement_id: int):
    back = url_for("admin.announcements")
    if page := not_yet_sure("Withdraw this announcement from every page?", "Withdraw", back):
        return page
    if _act(lambda: announcements.withdraw(current_user, announcement_id)):
        flash("The announcement is withdrawn from every page.", "success")
    return redirect(url_for("admin.announcements"))


# -- the audit log ----------------------------------------------------------------------
@bp.get("/audit")
def audit():
    entries = moderation.audit_log(current_user, limit=100)
    return render_template("admin/audit.html", entries=_audit_views(entries))


def _audit_views(entries: list) -> list[dict]:
    """Audit entries in words, with the people they name linked."""
    user_ids = {e.target_id for e in entries if e.target_type == "user" and e.target_id}
    people = _by_id(User, user_ids)
    views = []
    for entry in entries:
        view = moderation.audit_dict(entry)
        view["verb"] = ACTIONS.get(entry.action, entry.action.replace("_", " "))
        view["target"] = _target(entry.target_type, entry.target_id, people)
        view["summary"] = _details(entry.action, view["details"])
        views.append(view)
    return views


def _target(kind: str, target_id: int | None, people: dict) -> dict:
    if kind == "user":
        person = people.get(target_id)
        if person is not None:
            return {"kind": kind, "username": person.username}
        return {"kind": kind, "label": "a deleted account"}
    if kind == "report":
        return {"kind": kind, "label": f"report #{target_id}"}
    if kind == "party":
        return {"kind": kind, "label": f"party #{target_id}", "id": target_id}
    if kind == "announcement":
        return {"kind": kind, "label": f"announcement #{target_id}"}
    return {"kind": kind, "label": f"{kind} #{target_id}"}


def _details(action: str, details: dict) -> str:
    if action == "ban":
        until = details.get("expires_at")
        return f"until {utc(until)}" if until else "until lifted"
    if action == "mute":
        minutes = details.get("minutes") or 0
        text = f"for {_duration(minutes)}" if minutes else "mute lifted"
        if details.get("conversation_id"):
            text += f" in conversation #{details['conversation_id']}"
        return text
    if action == "set_role":
        return f"to {ROLES.get(details.get('role'), details.get('role'))}".lower()
    if action == "post_announcement" and details.get("expires_at"):
        return f"until {utc(details['expires_at'])}"
    if action == "resolve_report":
        return f"decision: {details.get('decision')}"
    if action == "remove_message" and details.get("conversation_id"):
        return f"in conversation #{details['conversation_id']}"
    return ", ".join(f"{key}: {value}" for key, value in details.items())


# -- shared -----------------------------------------------------------------------------
def _act(action: Callable[[], object]) -> bool:
    """Run one service call; its refusal becomes a flash message in words."""
    try:
        action()
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
        return False
    return True
