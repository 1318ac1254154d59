"""Who is in a party: joining (by code, by id, with approval), deciding requests, roles,
leaving and removal."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from errors import Conflict, Forbidden, NotFound, ValidationError
from extensions import db
from models.clock import as_utc, utcnow
from models.party import Participant, ParticipantStatus, Party, PartyRole
from models.row_claims import claim
from models.user import User
from realtime.bus import bus
from realtime.events import user_channel
from services import accounts, party_access
from services.party_access import PartyAccess
from services.party_hosts import creator_returns, hand_over
from services.party_shapes import (
    MEMBER_JOINED,
    MEMBER_LEFT,
    MEMBER_UPDATED,
    REQUEST,
    announce_membership,
    channel,
    drivers_channel,
    participant_count,
    participant_dict,
    reread,
)
from services.relations import are_friends, is_blocked_between
from services.validation import is_id, one_of

# Someone the host turned away asks again after this, not at once: a host is not worn
# down by the same request.
ASK_AGAIN_AFTER = timedelta(minutes=10)


def join_by_code(actor: User, code: object) -> tuple[Party, Participant]:
    if not isinstance(code, str) or len(code) > 16:
        raise ValidationError("'code' must be a 6-character invite code.", field="code")
    party = party_access.by_code(code)
    participant = _admit(actor, party, with_code=True)
    db.session.commit()
    return party, participant


def enter(actor: User, party_id: object) -> PartyAccess:
    """Join (or come back to) a party by id: public and friends-only ones, or one you
    are already in. Private parties need their code."""
    access = party_access.visible(actor, party_id)
    if access.active:
        party_access.not_ended(access.party)
        access = creator_returns(access)
        db.session.commit()
        return access
    participant = _admit(actor, access.party, with_code=False)
    db.session.commit()  # a request to join is kept, too
    if participant.status != "active":
        raise Forbidden("Your request to join is waiting for the host.", code="pending")
    return PartyAccess(access.party, participant)


def is_participant(actor: User, party_id: object) -> bool:
    """Whether `actor` is in the party now (an id naming no party: False)."""
    if not is_id(party_id):
        return False
    participant = party_access.participant_of(party_id, actor.id)
    return participant is not None and participant.status == ParticipantStatus.ACTIVE.value


def _admit(actor: User, party: Party, with_code: bool) -> Participant:
    """Let someone in, or record their request to join; the caller commits (nothing may
    be queued in its unit of work before this: a lost race rolls it back)."""
    party_access.not_ended(party)
    participant = party_access.participant_of(party.id, actor.id)
    if participant is not None and participant.status == "active":
        return participant
    claim(Party, party.id)  # counted below: one join of the party at a time
    _check_may_enter(actor, party, participant, with_code)
    pending = party.requires_approval and actor.id != party.host_id
    now = utcnow()
    if participant is None:
        participant = Participant(party_id=party.id, user_id=actor.id, requested_at=now)
        db.session.add(participant)
    participant.role = PartyRole.HOST.value if actor.id == party.host_id else PartyRole.VIEWER.value
    participant.status = "pending" if pending else "active"
    participant.joined_at = now
    try:
        db.session.flush()
    except IntegrityError:  # a concurrent join of the same person won
        db.session.rollback()
        return party_access.participant_of(party.id, actor.id)
    if pending:
        bus.publish(
            drivers_channel(party.id), REQUEST, {"party_id": party.id, "user": actor.to_summary()}
        )
    else:
        _arrived(party, participant)
    return participant


def _check_may_enter(
    actor: User, party: Party, participant: Participant | None, with_code: bool
) -> None:
    """Refuse someone not yet in who may not come in (or ask to)."""
    if participant is not None and participant.status == "removed":
        raise Forbidden("You were removed from this party.", code="removed")
    again = asks_again_at(participant)
    if again is not None:
        raise Forbidden(
            f"The host did not let you in. You can ask again after {again:%H:%M} UTC.",
            code="refused",
        )
    if is_blocked_between(actor.id, party.host_id):
        raise Forbidden("You cannot join this party.")
    if party.visibility == "private" and not with_code and participant is None:
        raise NotFound("No such party.")
    if party.visibility == "friends" and not are_friends(actor.id, party.host_id):
        raise Forbidden("This party is for the host's friends.", code="friends_only")
    if participant_count(party.id) >= party.max_participants:
        raise Conflict("The party is full.", code="full")


def asks_again_at(participant: Participant | None) -> datetime | None:
    """When someone the host turned away may ask again, if that is still to come (a
    refusal's time is kept as the request's `joined_at`)."""
    if participant is None or participant.status != ParticipantStatus.REFUSED.value:
        return None
    when = as_utc(participant.joined_at) + ASK_AGAIN_AFTER
    return when if when > utcnow() else None


def _host_welcomes(party: Party, user_id: int) -> bool:
    """Whether the host's ties let this person in: not blocked either way, and a friend
    for a friends-only party. Asked again when a request is approved, as ties change
    while it waits."""
    if is_blocked_between(user_id, party.host_id):
        return False
    return party.visibility != "friends" or are_friends(user_id, party.host_id)


def _arrived(party: Party, participant: Participant) -> None:
    """Someone is in. A party whose host left it alone (it ends once empty for a while)
    is handed to whoever comes in meanwhile, so it has a host who is in it."""
    _subscribe_while_in(participant)
    announce_membership(party, MEMBER_JOINED, participant)
    host = party_access.participant_of(party.id, party.host_id)
    if host is None or host.status != ParticipantStatus.ACTIVE.value:
        hand_over(party.id, party.host_id, [participant.user_id])


def _subscribe_while_in(participant: Participant, drivers_only: bool = False) -> None:
    """Subscribe someone just let in (or, `drivers_only`, just made co-host) to what they
    may read now. The subscription is written to the log in the transaction that lets
    them in, so a removal or role change that commits after it comes after it in the log
    too, and every worker applies the two in that order."""
    names = [] if drivers_only else [channel(participant.party_id)]
    if participant.role in party_access.DRIVERS:
        names.append(drivers_channel(participant.party_id))
    for name in names:
        bus.subscribe_user(participant.user_id, name)


def pending_requests(actor: User, party_id: object) -> list[Participant]:
    access = party_access.driver(actor, party_id)
    return list(
        db.session.scalars(
            select(Participant)
            .where(Participant.party_id == access.party.id, Participant.status == "pending")
            .order_by(Participant.requested_at)
        )
    )


def decide(actor: User, party_id: object, username: str, approve: bool) -> Participant:
    """The host (or a co-host) lets a waiting person in, or turns them away. Decided
    once: of two drivers deciding the same request at once, the second gets 409."""
    access = party_access.driver(actor, party_id)
    person = accounts.get_by_username(username)
    participant = party_access.participant_of(access.party.id, person.id)
    if participant is None or participant.status != ParticipantStatus.PENDING.value:
        raise NotFound("No such request.")
    if approve and not _host_welcomes(access.party, person.id):
        raise Conflict(
            "This person can no longer join: the host blocked them, or they are no longer"
            " the host's friend.",
            code="not_welcome",
        )
    if approve:
        claim(Party, access.party.id)  # counted next: one admission at a time
        if participant_count(access.party.id) >= access.party.max_participants:
            raise Conflict("The party is full.", code="full")
    status = ParticipantStatus.ACTIVE if approve else ParticipantStatus.REFUSED
    if not _change(
        participant, (ParticipantStatus.PENDING,), status=status.value, joined_at=utcnow()
    ):
        raise Conflict("That request was decided a moment ago.", code="already_decided")
    bus.publish(
        user_channel(person.id),
        "party:member_decided",
        {"party_id": access.party.id, "approved": approve},
    )
    if approve:
        _arrived(access.party, participant)
    db.session.commit()
    return participant


def _change(
    participant: Participant, expected: tuple[ParticipantStatus, ...], **values: object
) -> bool:
    """Update a participant's row, only if its status is still one of `expected`: the
    one write of a race that takes effect. False, with nothing written, if another
    request changed it first. The caller commits."""
    changed = db.session.execute(
        update(Participant)
        .where(
            Participant.id == participant.id,
            Participant.status.in_([status.value for status in expected]),
        )
        .values(**values)
    ).rowcount
    if changed:
        reread(participant)
    return bool(changed)


def set_role(actor: User, party_id: object, username: str, role: object) -> Participant:
    access = party_access.host(actor, party_id)
    one_of(role, "role", (PartyRole.CO_HOST.value, PartyRole.VIEWER.value))
    person = accounts.get_by_username(username)
    participant = party_access.participant_of(access.party.id, person.id)
    if participant is None or participant.status != ParticipantStatus.ACTIVE.value:
        raise NotFound("They are not in this party.")
    if participant.user_id == access.party.host_id:
        raise ValidationError("The host stays host; hand over by leaving.", field="username")
    # Only while they are still in: a removal at the same moment wins or loses whole.
    if not _change(participant, (ParticipantStatus.ACTIVE,), role=role):
        raise NotFound("They are not in this party.")
    if role == PartyRole.CO_HOST.value:
        _subscribe_while_in(participant, drivers_only=True)
    else:
        bus.unsubscribe_user(person.id, drivers_channel(access.party.id))
    bus.publish(
        channel(access.party.id),
        MEMBER_UPDATED,
        {"party_id": access.party.id, **participant_dict(participant)},
    )
    db.session.commit()
    return participant


def leave(actor: User, party_id: object) -> str:
    """Leave a party one is in (nothing to do when one is not); gives its title."""
    access = party_access.visible(actor, party_id)
    if access.active:
        depart(access.party, access.participant, ParticipantStatus.LEFT)
        db.session.commit()
    return access.party.title


def remove(actor: User, party_id: object, username: str) -> None:
    """The host removes someone, who cannot come back to this party."""
    access = party_access.host(actor, party_id)
    person = accounts.get_by_username(username)
    participant = party_access.participant_of(access.party.id, person.id)
    if participant is None or participant.status not in ("active", "pending"):
        raise NotFound("They are not in this party.")
    if person.id == actor.id:
        raise ValidationError("Leave the party instead.", field="username")
    if not depart(access.party, participant, ParticipantStatus.REMOVED):
        raise NotFound("They are not in this party.")
    db.session.commit()


def depart(party: Party, participant: Participant, status: ParticipantStatus) -> bool:
    """Take someone out once, in the caller's unit of work; False when another request
    took them out (or turned them away) first."""
    was_host = party.host_id == participant.user_id
    if not _change(
        participant,
        (ParticipantStatus.ACTIVE, ParticipantStatus.PENDING),
        status=status.value,
        role=PartyRole.VIEWER.value,
    ):
        return False
    bus.unsubscribe_user(participant.user_id, channel(party.id))
    bus.unsubscribe_user(participant.user_id, drivers_channel(party.id))
    bus.publish(
        user_channel(participant.user_id),
        MEMBER_LEFT,
        {"party_id": party.id, **participant_dict(participant), "reason": status.value},
    )
    announce_membership(party, MEMBER_LEFT, participant, reason=status.value)
    if was_host:
        hand_over(party.id, party.host_id, watchers(party.id))
    return True


def watchers(party_id: int) -> list[int]:
    """Who has the party's page open now, on any worker: a presence of its own, not being
    online somewhere on the site, nor merely being a participant."""
    return bus.watching.watchers(party_id)


def participants(actor: User, party_id: object) -> list[Participant]:
    access = party_access.visible(actor, party_id)
    if access.party.visibility != "public" and not access.active:
        raise Forbidden("Join the party to see who is here.", code="not_participant")
    return list(
        db.session.scalars(
            select(Participant)
            .where(Participant.party_id == access.party.id, Participant.status == "active")
            .order_by(Participant.joined_at, Participant.id)
        )
    )
