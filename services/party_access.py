"""Who may do what in a watch party: the rules in one place.

A private party is invisible to people who are not in it (404 unless they hold its
code); a removed participant cannot come back.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, select

from errors import Forbidden, NotFound, granted
from extensions import db
from models.party import Participant, ParticipantStatus, Party, PartyRole
from models.user import User
from services.validation import is_id

DRIVERS = (PartyRole.HOST.value, PartyRole.CO_HOST.value)


@dataclass(frozen=True)
class PartyAccess:
    party: Party
    participant: Participant | None

    @property
    def active(self) -> bool:
        return (
            self.participant is not None
            and self.participant.status == ParticipantStatus.ACTIVE.value
        )

    @property
    def role(self) -> str | None:
        return self.participant.role if self.active else None

    @property
    def drives(self) -> bool:
        """Host and co-hosts drive playback and the queue."""
        return self.role in DRIVERS

    @property
    def is_host(self) -> bool:
        return self.active and self.party.host_id == self.participant.user_id


def participant_of(party_id: int, user_id: int) -> Participant | None:
    return db.session.scalar(
        select(Participant).where(Participant.party_id == party_id, Participant.user_id == user_id)
    )


def by_code(code: str) -> Party:
    """The party an invite code names (any case, spaces around it ignored)."""
    party = db.session.scalar(select(Party).where(Party.code == code.strip().upper()))
    if party is None:
        raise NotFound("No party has that code.")
    return party


def find(party_id: object) -> Party:
    if not is_id(party_id):
        raise NotFound("No such party.")
    party = db.session.get(Party, party_id)
    if party is None:
        raise NotFound("No such party.")
    return party


def belongs(party: Party, participant: Participant | None, actor: User) -> bool:
    """The host, and people who are or were in the party."""
    if party.host_id == actor.id:
        return True
    return participant is not None and participant.status in (
        ParticipantStatus.ACTIVE.value,
        ParticipantStatus.LEFT.value,
    )


# Built once: this check precedes every playback command and chat line of a party.
_PARTY_AND_PARTICIPANT = (
    select(Party, Participant)
    .outerjoin(
        Participant,
        (Participant.party_id == Party.id) & (Participant.user_id == bindparam("user_id")),
    )
    .where(Party.id == bindparam("party_id"))
)


def visible(actor: User, party_id: object) -> PartyAccess:
    """Public and friends-only parties can be looked at; private ones by their people
    and by those whose request to join waits for the host. One query for both rows."""
    if not is_id(party_id):
        raise NotFound("No such party.")
    found = db.session.execute(
        _PARTY_AND_PARTICIPANT, {"user_id": actor.id, "party_id": party_id}
    ).first()
    if found is None:
        raise NotFound("No such party.")
    party, participant = found
    waiting = participant is not None and participant.status == ParticipantStatus.PENDING.value
    if party.visibility == "private" and not (belongs(party, participant, actor) or waiting):
        raise NotFound("No such party.")
    return PartyAccess(party, participant)


def present(actor: User, party_id: object) -> PartyAccess:
    """Chat, reactions, heartbeats: people in the party now."""
    access = visible(actor, party_id)
    if not access.active:
        raise Forbidden("Join the party first.", code="not_participant")
    not_ended(access.party)
    return access


def not_ended(party: Party) -> None:
    """Nobody joins, comes back to or acts in a party that has ended."""
    if party.status == "ended":
        raise Forbidden("This party has ended.", code="ended")


def driver(actor: User, party_id: object) -> PartyAccess:
    access = present(actor, party_id)
    return granted(access, access.drives, "Only the host and co-hosts control playback.")


def host(actor: User, party_id: object) -> PartyAccess:
    access = present(actor, party_id)
    return granted(access, access.is_host, "Only the host can do that.")
