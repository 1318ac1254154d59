"""Reports: anyone reports what they can see; moderators see the queue grow live and
decide each report once, with the action it calls for (services/moderation.py)."""

from __future__ import annotations

from sqlalchemy import func, select, update

from errors import Forbidden, NotFound, ValidationError
from extensions import db
from models.clock import iso, utcnow
from models.conversation import Conversation, Kind, Message
from models.moderation import Report
from models.party import Party
from models.user import User
from realtime.bus import bus
from services import accounts, conversation_access, notifications, party_access
from services.moderation import (
    STAFF_CHANNEL,
    audit,
    ban,
    close_group,
    close_room,
    end_party,
    reason_text,
    remove_message,
    require_staff,
    warn,
)
from services.reportables import REPORTABLE
from services.unit_of_work import unit_of_work
from services.validation import clean_text, is_id, one_of

LABELS = {
    "message": "a message",
    "user": "a person",
    "party": "a watch party",
    "room": "a room",
    "group": "a group",
} | {kind: reportable.label for kind, reportable in REPORTABLE.items()}
SUBJECTS = tuple(LABELS)
RESOLUTIONS = ("dismiss", "warn", "remove", "ban")
REPORTS_CHANGED = "moderation:reports"
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
    actor: User,
    subject_type: object,
    subject_id: object,
    reason: object,
    note: object = "",
    token: object = None,
) -> Report:
    """Anyone reports what they can see; moderators see the queue grow live. A person
    may be named by their username as well as their id. `reason` is one of REASONS (with
    an optional `note`) or the reporter's own words. `token`: the link that let the
    reporter see it (an unlisted playlist's)."""
    if subject_type not in SUBJECTS:
        raise ValidationError(
            f"'subject_type' is one of {', '.join(SUBJECTS)}.", field="subject_type"
        )
    if subject_type == "user" and isinstance(subject_id, str):
        subject_id = accounts.get_by_username(subject_id.strip().lstrip("@")).id
    if not is_id(subject_id):
        raise ValidationError("'subject_id' must be an id.", field="subject_id")
    _check_reportable(actor, subject_type, subject_id, token)
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
    if isinstance(reason, str) and reason in REASONS:
        return REASONS[reason] + (f": {note}" if note else "")
    return reason_text(reason)


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


def describe_subject(
    actor: User, subject_type: object, subject_id: int, token: object = None
) -> str:
    """What a report form says is being reported; NotFound for what the reporter cannot
    see (as for what does not exist)."""
    if subject_type not in SUBJECTS:
        raise NotFound("Nothing to report there.")
    _check_reportable(actor, subject_type, subject_id, token)
    if subject_type in REPORTABLE:
        return REPORTABLE[subject_type].describe(subject_id)
    if subject_type == "message":
        message = db.session.get(Message, subject_id)
        who = f"@{message.sender.username}" if message.sender else "the system"
        return f"a message from {who}: “{message.body[:140]}”"
    if subject_type == "user":
        return f"@{accounts.get_by_id(subject_id).username}"
    if subject_type == "party":
        return f"the watch party “{db.session.get(Party, subject_id).title}”"
    return f"the {subject_type} “{db.session.get(Conversation, subject_id).name}”"


def _check_reportable(
    actor: User, subject_type: str, subject_id: int, token: object = None
) -> None:
    """The subject must exist and be visible to the reporter (else 404, as always)."""
    if subject_type in REPORTABLE:
        REPORTABLE[subject_type].see(actor, subject_id, token)
    elif subject_type == "message":
        _see_message(actor, subject_id)
    elif subject_type == "user":
        accounts.get_by_id(subject_id)
    elif subject_type == "party":
        party_access.visible(actor, subject_id)
    elif subject_type == "group":
        _see_group(actor, subject_id)
    else:
        access = conversation_access.visible(actor, subject_id)
        if access.conversation.kind != Kind.ROOM:
            raise NotFound("No such room.")


def _see_message(actor: User, message_id: int) -> None:
    message = db.session.get(Message, message_id)
    if message is None:
        raise NotFound("No such message.")
    try:
        # Whoever may read the transcript: members, and anyone for a public room.
        conversation_access.reader(actor, message.conversation_id)
    except (Forbidden, NotFound):  # worded as for an id nobody ever had
        raise NotFound("No such message.") from None


def _see_group(actor: User, group_id: int) -> None:
    """Only its members know a group."""
    try:
        access = conversation_access.member(actor, group_id)
    except (Forbidden, NotFound):
        raise NotFound("No such group.") from None
    if access.conversation.kind != Kind.GROUP:
        raise NotFound("No such group.")


def open_count() -> int:
    return db.session.scalar(
        select(func.count()).select_from(Report).where(Report.status == "open")
    )


def _announce_queue() -> None:
    bus.publish(STAFF_CHANNEL, REPORTS_CHANGED, {"open_count": open_count()})


def reports(actor: User, status: str = "open", limit: int = 100) -> list[Report]:
    require_staff(actor)
    one_of(status, "status", ("open", "resolved"))
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
        "subject_label": LABELS.get(entry.subject_type, entry.subject_type),
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
    text = reason_text(note, "note", required=False)
    culprit = _responsible(entry)
    if action in ("warn", "ban") and culprit is None:
        raise ValidationError(f"There is nobody left to {action}.", field="action")
    if action == "remove" and entry.subject_type == "user":
        raise ValidationError("A person is warned or banned, not removed.", field="action")
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
            status="resolved", action=action, note=note, resolved_by=actor.id, resolved_at=utcnow()
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
    if subject_type in REPORTABLE:
        return REPORTABLE[subject_type].answerable(subject_id)
    if subject_type == "user":
        return db.session.get(User, subject_id)
    if subject_type == "message":
        message = db.session.get(Message, subject_id)
        return message.sender if message else None
    if subject_type == "party":
        party = db.session.get(Party, subject_id)
        return party.host if party else None
    room = db.session.get(Conversation, subject_id)
    if room is None:
        return None
    owner_id = conversation_access.owners([room])[room.id]
    return db.session.get(User, owner_id) if owner_id is not None else None


def _remove_subject(actor: User, entry: Report, reason: str) -> None:
    if entry.subject_type in REPORTABLE:
        REPORTABLE[entry.subject_type].take_down(actor, entry.subject_id, reason)
    elif entry.subject_type == "message":
        remove_message(actor, entry.subject_id, reason)
    elif entry.subject_type == "party":
        end_party(actor, entry.subject_id, reason)
    elif entry.subject_type == "room":
        close_room(actor, entry.subject_id, reason)
    elif entry.subject_type == "group":
        close_group(actor, entry.subject_id, reason)
    else:
        raise ValidationError("A person is warned or banned, not removed.", field="action")
