"""Moderation: the staff gate, the append-only audit log, and the actions moderators and
admins take on people and content, each written to the log. Everyone who is not staff is
told these things do not exist. Reports are services/moderation_reports.py."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

import orjson
from sqlalchemy import bindparam, select, update

from errors import Forbidden, NotFound, ServiceError, ValidationError
from extensions import db
from models.clock import iso, utcnow
from models.conversation import Kind, Message
from models.driver_statements import DriverStatement
from models.moderation import AuditEntry
from models.user import STAFF_ROLES, ApiToken, Role, User
from realtime.bus import bus
from realtime.channels import provider
from services import (
    accounts,
    attachments,
    conversation_access,
    conversation_members,
    conversation_settings,
    message_edits,
    notifications,
    parties,
    party_access,
)
from services.unit_of_work import unit_of_work
from services.validation import clean_text, is_id, iso_time, one_of, refuse_longer

REASON_MAX = 1000
MUTE_MAX_MINUTES = 60 * 24 * 365
STAFF_CHANNEL = "staff"


# Built once, run on the driver's cursor (models/driver_statements.py): every first
# handshake of a user asks it.
_ROLE_OF = DriverStatement(select(User.role).where(User.id == bindparam("user_id")))


@provider
def _staff_channel(user_id: int) -> list[str]:
    found = _ROLE_OF.first(db.session.connection(), {"user_id": user_id})
    return [STAFF_CHANNEL] if found is not None and found[0] in STAFF_ROLES else []


def require_staff(actor: User) -> None:
    if not actor.is_moderator:
        raise NotFound("There is nothing here.")


def reason_text(value: object, field: str = "reason", required: bool = True) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise ValidationError(f"Give a {field}.", field=field)
    value = clean_text(value.strip(), field, multiline=True)
    refuse_longer(value, REASON_MAX, field, f"'{field}' is too long.")
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


def takedown(
    actor: User,
    model: type,
    subject_id: object,
    kind: str,
    reason: object,
    owner: str,
    noted: tuple[str, ...] = (),
):
    """What a moderator takes down: the `model` row (NotFound for anyone not staff, as for
    an id nobody has), its takedown logged as `remove_<kind>` with its `owner` column's
    person and the `noted` columns. None when it was taken down already (nothing more is
    done or logged)."""
    require_staff(actor)
    found = db.session.get(model, subject_id) if is_id(subject_id) else None
    if found is None:
        raise NotFound(f"No such {kind}.")
    why = reason_text(reason, required=False)
    if getattr(found, "removed_at", None) is not None:
        return None
    require_outranking(actor, getattr(found, owner), kind)
    details = {"author_id": getattr(found, owner)} | {name: getattr(found, name) for name in noted}
    audit(actor, f"remove_{kind}", kind, found.id, why, **details)
    return found


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


def _refusal(actor: User, target: User) -> ServiceError | None:
    """Why `actor` may not act on `target` (None when they may): nobody acts on
    themselves, and only admins act on staff (a moderator cannot silence the others)."""
    if target.id == actor.id:
        return ValidationError("Not on yourself.", field="username")
    if target.is_moderator and not actor.is_admin:
        return Forbidden(f"Moderators cannot act on {target.role}s.")
    return None


def require_outranking(actor: User, owner_id: int | None, kind: str) -> None:
    """What staff made or run (a message, a post, a party, a room) only admins take down,
    as only they act on staff; one's own is one's own."""
    if owner_id in outranked_owners(actor, [owner_id]):
        owner = db.session.get(User, owner_id)
        raise Forbidden(
            f"Only admins take down what staff made: this {kind} is {owner.username}'s."
        )


def outranked_owners(actor: User, owner_ids: Iterable[int | None]) -> set[int]:
    """Those of `owner_ids` whose content `actor` may not take down (`require_outranking`),
    in one read: what a page of the staff's leaves without its button."""
    others = {owner for owner in owner_ids if owner is not None and owner != actor.id}
    if actor.is_admin or not others:
        return set()
    staff = select(User.id).where(User.id.in_(others), User.role.in_(STAFF_ROLES))
    return set(db.session.scalars(staff))


def may_act_on(actor: User, target: User) -> bool:
    """Whether a staff member's user page offers its actions on `target`."""
    return _refusal(actor, target) is None


def _target(actor: User, username: str) -> User:
    require_staff(actor)
    target = accounts.get_by_username(username)
    if refusal := _refusal(actor, target):
        raise refusal
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
    theirs on every worker, and refuse them until the ban ends. They leave every party
    they are in, as a deleted account does: a party they host is handed over at once (or
    ends when nobody is left to take it), so it is not left with a host who cannot come."""
    target = _target(actor, username)
    text = reason_text(reason)
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
    parties.withdraw(target)
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
        membership = conversation_members.moderate_mute(
            actor, conversation_id, target.username, minutes
        )
        audit(actor, "mute", "user", target.id, minutes=minutes, conversation_id=conversation_id)
        return {"muted_until": iso(membership.muted_until)}
    if not minutes and not target.is_muted:  # nothing to lift: nobody is told of it
        return {"muted_until": None}
    target.muted_until = utcnow() + timedelta(minutes=minutes) if minutes else None
    bus.account_changed(target.id)
    notifications.notify(
        target.id,
        notifications.MODERATION,
        actor=None,
        subject={"type": "mute", "until": iso(target.muted_until)} if minutes else {"type": "mute"},
    )
    audit(actor, "mute", "user", target.id, minutes=minutes)
    return {"muted_until": iso(target.muted_until)}


@unit_of_work
def warn(actor: User, username: str, text: object) -> None:
    target = _target(actor, username)
    message = reason_text(text, "text")
    notifications.notify(
        target.id,
        notifications.MODERATION,
        actor=None,
        subject={"type": "warning", "text": message},
    )
    audit(actor, "warn", "user", target.id, message)


@unit_of_work
def remove_message(actor: User, message_id: object, reason: object = "") -> None:
    """Remove any message: its author and its conversation see it gone, without content.
    One already gone (its author deleted it, or it was removed) is left as it is: nobody
    is told of a removal that removed nothing, and nothing is logged twice."""
    require_staff(actor)
    message = db.session.get(Message, message_id) if is_id(message_id) else None
    if message is None:
        raise NotFound("No such message.")
    text = reason_text(reason, required=False)
    if message.deleted_at is not None:
        return
    require_outranking(actor, message.sender_id, "message")
    message_edits.retract(message)
    attachments.discard_with(message)
    _tell_owner(message.sender_id, "message", text)
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
    """End a party (its host is told why); one that has ended is left as it is."""
    require_staff(actor)
    party = party_access.find(party_id)
    if party.status == "ended":
        return
    require_outranking(actor, party.host_id, "party")
    parties.finish(party)
    text = reason_text(reason, required=False)
    _tell_owner(party.host_id, "party", text)
    audit(actor, "end_party", "party", party.id, text)


@unit_of_work
def close_room(actor: User, conversation_id: object, reason: object = "") -> None:
    _close(actor, conversation_id, Kind.ROOM, reason)


@unit_of_work
def close_group(actor: User, conversation_id: object, reason: object = "") -> None:
    """A reported group removed by the moderators, as a room is closed."""
    _close(actor, conversation_id, Kind.GROUP, reason)


def _close(actor: User, conversation_id: object, kind: Kind, reason: object) -> None:
    """Close a room or a group (`kind`; anything else is not found), logged as
    close_room or close_group."""
    require_staff(actor)
    name = "room" if kind == Kind.ROOM else "group"
    found = conversation_access.live(conversation_id)
    if found.kind != kind:
        raise NotFound(f"No such {name}.")
    owner_id = conversation_access.owners([found])[found.id]
    require_outranking(actor, owner_id, name)
    conversation = conversation_settings.close(actor, conversation_id)
    text = reason_text(reason, required=False)
    _tell_owner(owner_id, name, text)
    audit(actor, f"close_{name}", name, conversation.id, text)


def _tell_owner(user_id: int | None, what: str, reason: str) -> None:
    """Whose message, party, room or group the moderators took away hears it, and why."""
    if user_id is not None:
        notifications.notify(
            user_id,
            notifications.MODERATION,
            actor=None,
            subject={"type": "removal", "what": what, "text": reason},
        )


@unit_of_work
def set_role(actor: User, username: str, role: object) -> User:
    """Admins change roles; moderators cannot."""
    require_staff(actor)
    if not actor.is_admin:
        raise Forbidden("Only admins change roles.")
    one_of(role, "role", [r.value for r in Role])
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
