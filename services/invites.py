"""Inviting people: to a watch party (a `party_invite` notification with a way in), and
finding whom to add to a group or room. Who may be invited follows the rules that let
them in: nobody blocked either way, nobody already there, nobody who could not join."""

from __future__ import annotations

from sqlalchemy import select

from errors import Conflict, Forbidden, ValidationError
from extensions import db
from models.conversation import Membership
from models.party import Participant, Party
from models.social import Block
from models.user import User
from services import accounts, conversation_access, notifications, party_access, profiles
from services.relations import are_friends, is_blocked_between
from services.unit_of_work import unit_of_work

SUGGESTIONS_MAX = 10
# Participants in these states are there already, or may not come back.
_NOT_INVITABLE = ("active", "pending", "removed")


def _blocked_either_way(user_id: int) -> set[int]:
    rows = db.session.execute(
        select(Block.blocker_id, Block.blocked_id).where(
            (Block.blocker_id == user_id) | (Block.blocked_id == user_id)
        )
    )
    return {blocked if blocker == user_id else blocker for blocker, blocked in rows}


def _candidates(actor: User, query: str, excluded: set[int]) -> list[User]:
    """The people search, less the actor, those blocked either way and `excluded`."""
    found = profiles.search(actor, query, limit=SUGGESTIONS_MAX + len(excluded) + 10)
    hidden = excluded | _blocked_either_way(actor.id) | {actor.id}
    return [person for person in found if person.id not in hidden][:SUGGESTIONS_MAX]


# -- watch parties ----------------------------------------------------------------------
def party_for_invites(actor: User, party_id: object) -> Party:
    """The party, if the actor may invite people to it: people in a party that is not
    over (a private party's people hold its code already; invitations pass it on)."""
    return party_access.present(actor, party_id).party


def _party_refusal(party: Party, person: User) -> str | None:
    """Why `person` cannot be invited to `party` now, in words, or None."""
    participant = party_access.participant_of(party.id, person.id)
    if participant is not None and participant.status in ("active", "pending"):
        return f"{person.username} is already in this party."
    if participant is not None and participant.status == "removed":
        return f"{person.username} cannot join this party."
    if is_blocked_between(person.id, party.host_id):
        return f"{person.username} cannot join this party."
    if party.visibility == "friends" and not are_friends(person.id, party.host_id):
        return f"This party is for the host's friends; {person.username} is not one."
    return None


def party_candidates(actor: User, party_id: object, query: str) -> list[User]:
    """People matching `query` whom the actor may invite to the party."""
    party = party_for_invites(actor, party_id)
    there = set(
        db.session.scalars(
            select(Participant.user_id).where(
                Participant.party_id == party.id, Participant.status.in_(_NOT_INVITABLE)
            )
        )
    )
    found = _candidates(actor, query, there)
    return [person for person in found if _party_refusal(party, person) is None]


@unit_of_work
def invite_to_party(actor: User, party_id: object, username: object) -> User:
    """Send `username` a party invitation they can join from in one click. Repeated
    invitations to one party collapse into one unread notification; someone who muted
    invitations is not told, and the inviter is not told that they were not."""
    party = party_for_invites(actor, party_id)
    if not isinstance(username, str) or not username.strip():
        raise ValidationError("Give the username of whom to invite.", field="username")
    person = accounts.get_by_username(username.strip().lstrip("@"))
    if person.id == actor.id:
        raise ValidationError("You are in this party already.", field="username")
    if is_blocked_between(actor.id, person.id):
        raise Forbidden(f"You cannot invite {person.username}.")
    refusal = _party_refusal(party, person)
    if refusal is not None:
        raise Conflict(refusal, code="not_invitable")
    notifications.notify(
        person.id,
        notifications.PARTY_INVITE,
        actor=actor,
        subject={"type": "party", "id": party.id, "text": party.title, "code": party.code},
    )
    return person


# -- groups and rooms -------------------------------------------------------------------
def member_candidates(actor: User, conversation_id: object, query: str) -> list[User]:
    """People matching `query` whom the actor (an owner or admin) may add."""
    access = conversation_access.manager(actor, conversation_id)
    members = set(
        db.session.scalars(
            select(Membership.user_id).where(Membership.conversation_id == access.conversation.id)
        )
    )
    return _candidates(actor, query, members)
