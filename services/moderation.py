"""Moderation: reports, and the actions moderators and admins take, each written to the
append-only audit log. Everyone who is not staff is told these things do not exist."""

from __future__ import annotations

from datetime import datetime, timedelta

import orjson
from sqlalchemy import func, select, update

from errors import Forbidden, NotFound, ValidationError
from extensions import db
from models.clock import iso, utcnow
from models.conversation import Conversation, Kind, Message
from models.moderation import AuditEntry, Report
from models.party import Party
from models.user import ApiToken, Role, User
from realtime.bus import bus
from realtime.channels import provider
from services import (
    accounts,
    attachments,
    conversation_access,
    conversations,
    messages,
    notifications,
    parties,
    party_access,
)
from services.unit_of_work import unit_of_work
from services.validation import clean_text, is_id, iso_time

SUBJECTS = ("message", "user", "party", "room", "group")
RESOLUTIONS = ("dismiss", "warn", "remove", "ban")
REASON_MAX = 1000
MUTE_MAX_MINUTES = 60 * 24 * 365
STAFF_CHANNEL = "staff"
REPORTS_CHANGED = "moderation:reports"


@provider
def _staff_channel(user_id: int) -> list[str]:
    user = db.session.get(User, user_id)
    return [STAFF_CHANNEL] if user is not None and user.is_moderator else []


def require_staff(actor: User) -> None:
    if not actor.is_moderator:
        raise NotFound("There is nothing here.")


def _reason(value: object, field: str = "reason", required: bool = True) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise ValidationError(f"Give a {field}.", field=field)
    value = clean_text(value.strip(), field, multiline=True)
    if len(value) > REASON_MAX:
        raise ValidationError(f"'{field}' is too long.", code="too_long", field=field)
    return value


def audit(
    actor: User, action: str, target_type: str, target_id: int | None, reason: str = "", **details
) -> AuditEntry:
    entry = AuditEntry(
        actor_id=actor.id,
        action=action,
        target_type=target_type,
        target_id=target_id,
        reason=reason,
        details=orjson.dumps(details).decode(),
    )
    db.session.add(entry)
    return entry


def audit_dict(entry: AuditEntry) -> dict:
    return {
        "id": entry.id,
        "actor": entry.actor.to_summary() if entry.actor else None,
        "action": entry.action,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "reason": entry.reason,
        "details": orjson.loads(entry.details),
        "created_at": iso(entry.created_at),
    }


def audit_log(
    actor: User, target_type: str | None = None, target_id: int | None = None, limit: int = 100
) -> list[AuditEntry]:
    require_staff(actor)
    query = select(AuditEntry)
    if target_type:
        query = query.where(AuditEntry.target_type == target_type)
    if target_id is not None:
        query = query.where(AuditEntry.target_id == target_id)
    return list(db.session.scalars(query.order_by(AuditEntry.id.desc()).limit(limit)))


# -- reports ----------------------------------------------------------------------------
# The reasons a report form offers; a report may also give its own words.
REASONS = {
    "spam": "Spam",
    "harassment": "Harassment or bullying",
    "hate": "Hate",
    "violence": "Violence or threats",
    "sexual": "Sexual content",
    "other": "Something else",
}
NOTE_MAX = 500


@unit_of_work
def report(
    actor: User, subject_type: object, subject_id: object, reason: object, note: object = ""
) -> Report:
    """Anyone reports what they can see; moderators see the queue grow live. A person
    may be named by their username as well as their id. `reason` is one of REASONS (with
    an optional `note`) or the reporter's own words."""
    if subject_type not in SUBJECTS:
        raise ValidationError(
            f"'subject_type' is one of {', '.join(SUBJECTS)}.", field="subject_type"
        )
    if subject_type == "user" and isinstance(subject_id, str):
        subject_id = accounts.get_by_username(subject_id.strip().lstrip("@")).id
    if not is_id(subject_id):
        raise ValidationError("'subject_id' must be an id.", field="subject_id")
    _check_reportable(actor, subject_type, subject_id)
    answerable = _answerable_for(subject_type, subject_id)
    entry = Report(
        reporter_id=actor.id,
        subject_type=subject_type,
        subject_id=subject_id,
        reason=_report_reason(reason, note),
        responsible_id=answerable.id if answerable else None,
    )
    db.session.add(entry)
    db.session.flush()
    _announce_queue()
    db.session.commit()
    return entry


def _report_reason(reason: object, note: object) -> str:
    if not isinstance(note, str) or len(note) > NOTE_MAX:
        raise ValidationError(f"Keep the note under {NOTE_MAX} characters.", field="note")
    note = clean_text(note.strip(), "note", multiline=True, strip=True)
    if reason in REASONS:
        return REASONS[reason] + (f": {note}" if note else "")
    return _reason(reason)


def my_reports(actor: User, limit: int = 50) -> list[Report]:
    """What the reporter reported, newest first, with what became of it."""
    return list(
        db.session.scalars(
            select(Report)
            .where(Report.reporter_id == actor.id)
            .order_by(Report.id.desc())
            .limit(limit)
        )
    )


def describe_subject(actor: User, subject_type: object, subject_id: int) -> str:
    """What a report form says is being reported; NotFound for what the reporter cannot
    see (as for what does not exist)."""
    if subject_type not in SUBJECTS:
        raise NotFound("Nothing to report there.")
    _check_reportable(actor, subject_type, subject_id)
    if subject_type == "message":
        message = db.session.get(Message, subject_id)
        who = f"@{message.sender.username}" if message.sender else "the system"
        return f"a message from {who}: “{message.body[:140]}”"
    if subject_type == "user":
        return f"@{accounts.get_by_id(subject_id).username}"
    if subject_type == "party":
        return f"the watch party “{db.session.get(Party, subject_id).title}”"
    return f"the {subject_type} “{db.session.get(Conversation, subject_id).name}”"


def _check_reportable(actor: User, subject_type: str, subject_id: int) -> None:
    """The subject must exist and be visible to the reporter (else 404, as always)."""
    if subject_type == "message":
        message = db.session.get(Message, subject_id)
        if message is None:
            raise NotFound("No such message.")
        try:
            conversation_access.member(actor, message.conversation_id)
        except (Forbidden, NotFound):  # worded as for an id nobody ever had
            raise NotFound("No such message.") from None
    elif subject_type == "user":
        accounts.get_by_id(subject_id)
    elif subject_type == "party":
        party_access.visible(actor, subject_id)
    elif subject_type == "group":  # only its members know it
        try:
            access = conversation_access.member(actor, subject_id)
        except (Forbidden, NotFound):
            raise NotFound("No such group.") from None
        if access.conversation.kind != Kind.GROUP:
            raise NotFound("No such group.")
    else:
        access = conversation_access.visible(actor, subject_id)
        if access.conversation.kind != Kind.ROOM:
            raise NotFound("No such room.")


def open_count() -> int:
    return db.session.scalar(
        select(func.count()).select_from(Report).where(Report.status == "open")
    )


def _announce_queue() -> None:
    bus.publish(STAFF_CHANNEL, REPORTS_CHANGED, {"open_count": open_count()})


def reports(actor: User, status: str = "open", limit: int = 100) -> list[Report]:
    require_staff(actor)
    if status not in ("open", "resolved"):
        raise ValidationError("'status' is open or resolved.", field="status")
    order = Report.id if status == "open" else Report.id.desc()
    return list(
        db.session.scalars(
            select(Report).where(Report.status == status).order_by(order).limit(limit)
        )
    )


def report_dict(entry: Report) -> dict:
    return {
        "id": entry.id,
        "reporter": entry.reporter.to_summary() if entry.reporter else None,
        "responsible": entry.responsible.to_summary() if entry.responsible else None,
        "subject_type": entry.subject_type,
        "subject_id": entry.subject_id,
        "reason": entry.reason,
        "status": entry.status,
        "action": entry.action,
        "note": entry.note,
        "created_at": iso(entry.created_at),
        "resolved_at": iso(entry.resolved_at),
    }


@unit_of_work
def resolve(actor: User, report_id: object, action: object, note: object = "") -> Report:
    """Decide a report: dismiss it, warn, remove the subject, or ban who is responsible.
    The reporter is told it was handled.

    The report is claimed (open -> resolved in one conditional update) in the same
    transaction as the action, so two moderators deciding at once act once, and an
    action that fails leaves the report open."""
    require_staff(actor)
    if action not in RESOLUTIONS:
        raise ValidationError(f"'action' is one of {', '.join(RESOLUTIONS)}.", field="action")
    entry = db.session.get(Report, report_id) if is_id(report_id) else None
    if entry is None:
        raise NotFound("No such report.")
    text = _reason(note, "note", required=False)
    culprit = _responsible(entry)
    if action in ("warn", "ban") and culprit is None:
        raise ValidationError(f"There is nobody left to {action}.", field="action")
    if action == "remove" and entry.subject_type == "user":
        raise ValidationError("Remove a message, a party or a room; ban a user.", field="action")
    _claim(entry, actor, action, text)
    _act(actor, entry, action, culprit, text)
    audit(actor, "resolve_report", "report", entry.id, text, decision=action)
    if entry.reporter_id:
        notifications.notify(
            entry.reporter_id,
            notifications.MODERATION,
            actor=None,
            subject={
                "type": "report",
                "id": entry.id,
                "text": "Thank you: your report was handled.",
            },
        )
    _announce_queue()
    return entry


def _claim(entry: Report, actor: User, action: str, note: str) -> None:
    claimed = db.session.execute(
        update(Report)
        .where(Report.id == entry.id, Report.status == "open")
        .values(
            status="resolved",
            action=action,
            note=note,
            resolved_by=actor.id,
            resolved_at=utcnow(),
        )
    ).rowcount
    if not claimed:
        raise ValidationError("That report is already resolved.", field="report")
    db.session.refresh(entry)


def _act(actor: User, entry: Report, action: str, culprit: User | None, text: str) -> None:
    if action == "warn" and culprit is not None:
        warn(actor, culprit.username, text or "Please keep to the community rules.")
    elif action == "remove":
        _remove_subject(actor, entry, text)
    elif action == "ban" and culprit is not None:
        ban(actor, culprit.username, text or f"Report {entry.id}")


def _responsible(entry: Report) -> User | None:
    """Who was answerable when it was reported (a party's host then, not now)."""
    if entry.responsible is not None:
        return entry.responsible
    return _answerable_for(entry.subject_type, entry.subject_id)


def _answerable_for(subject_type: str, subject_id: int) -> User | None:
    if subject_type == "user":
        return db.session.get(User, subject_id)
    if subject_type == "message":
        message = db.session.get(Message, subject_id)
        return message.sender if message else None
    if subject_type == "party":
        party = db.session.get(Party, subject_id)
        return party.host if party else None
    room = db.session.get(Conversation, subject_id)
    if room is None or room.created_by is None:
        return None
    return db.session.get(User, room.created_by)


def _remove_subject(actor: User, entry: Report, reason: str) -> None:
    if entry.subject_type == "message":
        remove_message(actor, entry.subject_id, reason)
    elif entry.subject_type == "party":
        end_party(actor, entry.subject_id, reason)
    elif entry.subject_type == "room":
        close_room(actor, entry.subject_id, reason)
    elif entry.subject_type == "group":
        close_group(actor, entry.subject_id, reason)
    else:
        raise ValidationError("Remove a message, a party or a room; ban a user.", field="action")


# -- actions ----------------------------------------------------------------------------
def _target(actor: User, username: str) -> User:
    require_staff(actor)
    target = accounts.get_by_username(username)
    if target.id == actor.id:
        raise ValidationError("Not on yourself.", field="username")
    if target.is_admin and not actor.is_admin:
        raise Forbidden("Moderators cannot act on admins.")
    return target


def _until(value: object) -> datetime | None:
    moment = iso_time(value, "expires_at")
    if moment is None:
        return None
    if moment.tzinfo is None or moment <= utcnow():
        raise ValidationError("'expires_at' must be a future time with a zone.", field="expires_at")
    return moment


@unit_of_work
def ban(actor: User, username: str, reason: object, expires_at: object = None) -> User:
    """Sign the user out everywhere, revoke their tokens, close every live connection of
    theirs on every worker, and refuse them until the ban ends."""
    target = _target(actor, username)
    text = _reason(reason)
    until = _until(expires_at)
    now = utcnow()
    target.banned_at, target.banned_until, target.ban_reason = now, until, text
    target.session_epoch += 1
    db.session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == target.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    accounts.revoke_sign_ins(target.id, now)
    bus.close_connections(target.id)
    audit(actor, "ban", "user", target.id, text, expires_at=iso(until))
    return target


@unit_of_work
def unban(actor: User, username: str) -> User:
    """Lift a ban; unbanning someone who is not banned changes nothing and is not logged."""
    target = _target(actor, username)
    if target.banned_at is None:
        return target
    target.banned_at = target.banned_until = None
    target.ban_reason = ""
    audit(actor, "unban", "user", target.id)
    return target


@unit_of_work
def mute(actor: User, username: str, minutes: object, conversation_id: object = None) -> dict:
    """Mute someone site-wide, or in one group or room, for `minutes` (0 lifts it)."""
    target = _target(actor, username)
    if (
        isinstance(minutes, bool)
        or not isinstance(minutes, int)
        or not 0 <= minutes <= MUTE_MAX_MINUTES
    ):
        raise ValidationError(f"'minutes' must be from 0 to {MUTE_MAX_MINUTES}.", field="minutes")
    if conversation_id is not None:
        membership = conversations.moderate_mute(actor, conversation_id, target.username, minutes)
        audit(actor, "mute", "user", target.id, minutes=minutes, conversation_id=conversation_id)
        return {"muted_until": iso(membership.muted_until)}
    target.muted_until = utcnow() + timedelta(minutes=minutes) if minutes else None
    bus.account_changed(target.id)
    audit(actor, "mute", "user", target.id, minutes=minutes)
    return {"muted_until": iso(target.muted_until)}


@unit_of_work
def warn(actor: User, username: str, text: object) -> None:
    target = _target(actor, username)
    message = _reason(text, "text")
    notifications.notify(
        target.id,
        notifications.MODERATION,
        actor=None,
        subject={"type": "warning", "text": message},
    )
    audit(actor, "warn", "user", target.id, message)


@unit_of_work
def remove_message(actor: User, message_id: object, reason: object = "") -> None:
    """Remove any message: its author and its conversation see it gone, without content."""
    require_staff(actor)
    message = db.session.get(Message, message_id) if is_id(message_id) else None
    if message is None:
        raise NotFound("No such message.")
    text = _reason(reason, required=False)
    messages.retract(message)
    attachments.discard_with(message)
    audit(
        actor,
        "remove_message",
        "message",
        message.id,
        text,
        conversation_id=message.conversation_id,
    )


@unit_of_work
def end_party(actor: User, party_id: object, reason: object = "") -> None:
    require_staff(actor)
    party = party_access.find(party_id)
    parties.finish(party)
    audit(actor, "end_party", "party", party.id, _reason(reason, required=False))


@unit_of_work
def close_room(actor: User, conversation_id: object, reason: object = "") -> None:
    require_staff(actor)
    if conversation_access.live(conversation_id).kind != Kind.ROOM:
        raise NotFound("No such room.")
    conversation = conversations.close(actor, conversation_id)
    audit(actor, "close_room", "room", conversation.id, _reason(reason, required=False))


@unit_of_work
def close_group(actor: User, conversation_id: object, reason: object = "") -> None:
    """A reported group removed by the moderators, as a room is closed."""
    require_staff(actor)
    if conversation_access.live(conversation_id).kind != Kind.GROUP:
        raise NotFound("No such group.")
    conversation = conversations.close(actor, conversation_id)
    audit(actor, "close_group", "group", conversation.id, _reason(reason, required=False))


@unit_of_work
def set_role(actor: User, username: str, role: object) -> User:
    """Admins change roles; moderators cannot."""
    require_staff(actor)
    if not actor.is_admin:
        raise Forbidden("Only admins change roles.")
    if role not in [r.value for r in Role]:
        raise ValidationError("'role' is user, moderator or admin.", field="role")
    target = _target(actor, username)
    target.role = role
    bus.account_changed(target.id)
    if target.is_moderator:
        bus.subscribe_user(target.id, STAFF_CHANNEL)
    else:
        bus.unsubscribe_user(target.id, STAFF_CHANNEL)
    audit(actor, "set_role", "user", target.id, role=role)
    return target


def user_history(actor: User, username: str) -> list[AuditEntry]:
    require_staff(actor)
    target = accounts.get_by_username(username)
    return audit_log(actor, "user", target.id)
