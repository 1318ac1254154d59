"""Who hosts a party: handing it over when the host goes, and back to its creator when
they return."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select, update

from extensions import db
from models.party import Participant, Party, PartyRole
from realtime.bus import bus
from realtime.events import user_channel
from services import party_access
from services.party_access import PartyAccess
from services.party_shapes import (
    HOST_CHANGED,
    MEMBER_UPDATED,
    PARTY_STATE,
    announce_listing,
    announce_membership,
    channel,
    drivers_channel,
    followers_told,
    reread,
    state,
)


def hand_over(party_id: int, from_host: int, watching: Collection[int] = ()) -> int | None:
    """The longest-present co-host, else the longest-present viewer, becomes host; those
    `watching` (the party's page open) come first. Safe to call from several workers:
    only the first change of host takes effect. In the caller's unit of work."""
    party = db.session.get(Party, party_id)
    if party is None or party.status == "ended" or party.host_id != from_host:
        return None
    heir = db.session.scalar(
        select(Participant)
        .where(
            Participant.party_id == party_id,
            Participant.status == "active",
            Participant.user_id != from_host,
        )
        .order_by(
            Participant.user_id.in_(list(watching)).desc(),
            (Participant.role == PartyRole.CO_HOST.value).desc(),
            Participant.joined_at,
            Participant.id,
        )
        .limit(1)
    )
    if heir is None:
        return None
    changed = db.session.execute(
        update(Party)
        .where(Party.id == party_id, Party.host_id == from_host)
        .values(host_id=heir.user_id, version=Party.version + 1)
    ).rowcount
    if not changed:
        return None
    heir.role = PartyRole.HOST.value
    old = party_access.participant_of(party_id, from_host)
    if old is not None and old.status == "active":
        old.role = PartyRole.VIEWER.value
    reread(party)
    bus.subscribe_user(heir.user_id, drivers_channel(party_id))
    bus.unsubscribe_user(from_host, drivers_channel(party_id))
    changed_host = {"party_id": party_id, "host_id": heir.user_id}
    bus.publish(channel(party_id), HOST_CHANGED, changed_host)
    if party.visibility != "public":  # public ones are told on the site channel
        told = set(followers_told(party, from_host)) | set(followers_told(party))
        for user_id in sorted(told):
            bus.publish(user_channel(user_id), HOST_CHANGED, changed_host)
    bus.publish(channel(party_id), PARTY_STATE, state(party))
    announce_listing(party)  # home cards name the host
    return heir.user_id


def creator_returns(access: PartyAccess) -> PartyAccess:
    """The person who started a party gets the host role back when they come back to it
    after it was handed over (they were away); the stand-in host becomes a co-host.
    The caller commits (nothing may be queued in its unit of work before this: a lost
    race rolls it back)."""
    party, participant = access.party, access.participant
    if (
        party.created_by != participant.user_id
        or party.host_id == participant.user_id
        or party.status == "ended"
    ):
        return access
    stand_in = party.host_id
    changed = db.session.execute(
        update(Party)
        .where(Party.id == party.id, Party.host_id == stand_in)
        .values(host_id=participant.user_id, version=Party.version + 1)
    ).rowcount
    if not changed:  # someone else changed the host meanwhile: leave it to them
        db.session.rollback()
        return party_access.visible(participant.user, party.id)
    participant.role = PartyRole.HOST.value
    previous = party_access.participant_of(party.id, stand_in)
    if previous is not None and previous.status == "active":
        previous.role = PartyRole.CO_HOST.value
    reread(party)
    bus.subscribe_user(participant.user_id, drivers_channel(party.id))
    bus.publish(channel(party.id), HOST_CHANGED, {"party_id": party.id, "host_id": party.host_id})
    if previous is not None:
        announce_membership(party, MEMBER_UPDATED, previous)
    bus.publish(channel(party.id), PARTY_STATE, state(party))
    announce_listing(party)
    return PartyAccess(party, participant)
