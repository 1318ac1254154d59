"""Watch parties as a whole: creating, starting and ending them, the housekeeping sweep,
the public listing, and the channels a party gives its people's streams. Who is in a
party is services/party_membership.py; who hosts it, services/party_hosts.py; what a
stream is sent of their playback beyond the live events, services/party_states.py."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Collection
from datetime import UTC, datetime, timedelta

from sqlalchemy import bindparam, func, select, update

from errors import Conflict, ValidationError
from extensions import db
from models.clock import as_utc, utcnow
from models.driver_statements import DriverStatement
from models.party import Participant, ParticipantStatus, Party, PartyRole
from models.user import User
from realtime.bus import bus
from realtime.channels import provider
from realtime.events import user_channel
from services import notifications, party_access, voice
from services.party_access import PartyAccess
from services.party_hosts import hand_over
from services.party_media import clean_media
from services.party_membership import depart, watchers
from services.party_shapes import (
    ENDED,
    PARTY_STATE,
    STARTS_SOON,
    announce_listing,
    channel,
    drivers_channel,
    followers_told,
    reread,
    state,
    tell_starting_soon,
)
from services.relations import is_blocked_between, unblocked
from services.unit_of_work import unit_of_work
from services.validation import flag, iso_time, one_of, text

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L
CODE_LENGTH = 6
TITLE_MAX = 120
DESCRIPTION_MAX = 1000
LIST_PAGE = 20


def _schedule(value: object) -> datetime | None:
    moment = iso_time(value, "scheduled_at", blank_is_none=True)
    if moment is None:
        return None
    if moment.tzinfo is None:
        raise ValidationError("'scheduled_at' needs a time zone (e.g. Z).", field="scheduled_at")
    now = utcnow()
    if not now < moment < now + timedelta(days=366):
        raise ValidationError("Schedule it within the next year.", field="scheduled_at")
    # SQLite keeps no offset: store every time in UTC so it reads back the same moment.
    return moment.astimezone(UTC)


@unit_of_work
def create(actor: User, fields: dict) -> Party:
    voice.can_speak(actor)
    visibility = fields.get("visibility", "public")
    one_of(visibility, "visibility", ("public", "private", "friends"))
    limit = fields.get("max_participants", 100)
    if isinstance(limit, bool) or not isinstance(limit, int) or not 2 <= limit <= 1000:
        raise ValidationError(
            "'max_participants' must be from 2 to 1000.", field="max_participants"
        )
    scheduled = _schedule(fields.get("scheduled_at"))
    now = utcnow()
    party = Party(
        title=text(fields.get("title"), "title", max_length=TITLE_MAX, required=True),
        description=text(
            fields.get("description"), "description", max_length=DESCRIPTION_MAX, multiline=True
        ),
        media_url=clean_media(fields.get("media_url")),
        visibility=visibility,
        max_participants=limit,
        requires_approval=flag(fields.get("requires_approval"), "requires_approval"),
        allow_suggestions=flag(fields.get("allow_suggestions"), "allow_suggestions"),
        host_id=actor.id,
        created_by=actor.id,
        status="upcoming" if scheduled else "live",
        scheduled_at=scheduled,
        started_at=None if scheduled else now,
        # Its listing below tells everyone of a party that starts soon already.
        soon_told_at=now if scheduled and scheduled <= now + STARTS_SOON else None,
        at=time.time(),
    )
    party.code = _new_code()
    db.session.add(party)
    db.session.flush()
    db.session.add(
        Participant(party_id=party.id, user_id=actor.id, role=PartyRole.HOST.value, joined_at=now)
    )
    db.session.flush()
    bus.subscribe_user(actor.id, channel(party.id))
    bus.subscribe_user(actor.id, drivers_channel(party.id))
    if not scheduled:
        _tell_followers_it_started(party)
    announce_listing(party)
    return party


def _new_code() -> str:
    for _ in range(20):
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if db.session.scalar(select(Party.id).where(Party.code == code)) is None:
            return code
    raise Conflict("Could not find a free invite code; try again.")


def _tell_followers_it_started(party: Party) -> None:
    for follower in followers_told(party):
        notifications.notify(
            follower,
            notifications.PARTY_STARTED,
            actor=party.host,
            subject={"type": "party", "id": party.id, "text": party.title},
        )


def withdraw(person: User) -> None:
    """A deleted account leaves every party it is in or waiting for; a party it hosts is
    handed over as when a host leaves, and ends when nobody is left to take it. In the
    caller's unit of work."""
    rows = db.session.execute(
        select(Participant, Party)
        .join(Party, Party.id == Participant.party_id)
        .where(
            Participant.user_id == person.id,
            Participant.status.in_(("active", "pending")),
            Party.status != "ended",
        )
    ).all()
    for participant, party in rows:
        depart(party, participant, ParticipantStatus.LEFT)
    for party in db.session.scalars(
        select(Party).where(Party.host_id == person.id, Party.status != "ended")
    ).all():
        if hand_over(party.id, person.id, watchers(party.id)) is None:
            finish(party)


def _as_host(actor: User, party_id: object, change: Callable[[Party], Party]) -> Party:
    """The host's own `change` of their party, as one unit of work."""
    party = change(party_access.host(actor, party_id).party)
    db.session.commit()
    return party


def end(actor: User, party_id: object) -> Party:
    return _as_host(actor, party_id, finish)


def finish(party: Party) -> Party:
    """End a party once, even when the host and several workers' sweeps try together.
    In the caller's unit of work: the caller commits."""
    people = list(
        db.session.scalars(
            select(Participant.user_id).where(
                Participant.party_id == party.id, Participant.status == "active"
            )
        )
    )
    ended = db.session.execute(
        update(Party)
        .where(Party.id == party.id, Party.status != "ended")
        .values(status="ended", ended_at=utcnow(), playing=False, version=Party.version + 1)
    ).rowcount
    reread(party)
    if not ended:
        return party
    bus.publish(channel(party.id), ENDED, {"party_id": party.id})
    announce_listing(party)
    # The others whose pages show it: followers told of its start, people invited to it.
    invited = notifications.holders(f"party:{party.id}", notifications.PARTY_INVITE)
    for user_id in sorted((set(followers_told(party)) | invited) - set(people)):
        bus.publish(user_channel(user_id), ENDED, {"party_id": party.id})
    for user_id in people:
        bus.unsubscribe_user(user_id, channel(party.id))
        bus.unsubscribe_user(user_id, drivers_channel(party.id))
    return party


def start(actor: User, party_id: object) -> Party:
    """The host starts a scheduled party early."""
    return _as_host(actor, party_id, begin)


def begin(party: Party) -> Party:
    """Start a scheduled party once; its host's followers are told once. In the caller's
    unit of work: the caller commits."""
    started = db.session.execute(
        update(Party)
        .where(Party.id == party.id, Party.status == "upcoming")
        .values(status="live", started_at=utcnow())
    ).rowcount
    reread(party)
    if not started:
        return party
    bus.publish(channel(party.id), PARTY_STATE, state(party))
    _tell_followers_it_started(party)
    announce_listing(party)
    return party


def get(actor: User, party_id: object) -> PartyAccess:
    return party_access.visible(actor, party_id)


def live_count() -> int:
    """How many parties are live now, public or not."""
    return db.session.scalar(select(func.count()).select_from(Party).where(Party.status == "live"))


def listing(status: object, page: int = 1, viewer: User | None = None) -> tuple[list[Party], bool]:
    """Public parties: live (newest first), upcoming (soonest first), or ended in the last
    week (latest first), as `viewer` may see them (none hosted by someone blocked either
    way with them; every one for the staff's overview, which names no viewer). Returns
    the page and whether there is a next one."""
    one_of(status, "status", ("live", "upcoming", "ended"))
    if not 1 <= page <= 10_000:
        raise ValidationError("'page' must be from 1 to 10000.", field="page")
    query = select(Party).where(Party.visibility == "public", Party.status == status)
    if viewer is not None:
        query = query.where(unblocked(Party.host_id, viewer.id))
    if status == "live":
        query = query.order_by(Party.started_at.desc(), Party.id.desc())
    elif status == "upcoming":
        query = query.order_by(Party.scheduled_at, Party.id)
    else:
        week_ago = utcnow() - timedelta(days=7)
        query = query.where(Party.ended_at > week_ago).order_by(Party.ended_at.desc())
    rows = list(db.session.scalars(query.offset((page - 1) * LIST_PAGE).limit(LIST_PAGE + 1)))
    return rows[:LIST_PAGE], len(rows) > LIST_PAGE


def mine(user: User, page: int = 1) -> tuple[list[Party], bool]:
    """Every party this person hosts, whatever its visibility or status, newest first."""
    if not 1 <= page <= 10_000:
        raise ValidationError("'page' must be from 1 to 10000.", field="page")
    rows = list(
        db.session.scalars(
            select(Party)
            .where(Party.host_id == user.id)
            .order_by(Party.id.desc())
            .offset((page - 1) * LIST_PAGE)
            .limit(LIST_PAGE + 1)
        )
    )
    return rows[:LIST_PAGE], len(rows) > LIST_PAGE


def hosted_by(viewer: User, user: User) -> list[Party]:
    """`user`'s public parties not ended, as their profile lists them to `viewer` (none
    across a block either way)."""
    if is_blocked_between(viewer.id, user.id):
        return []
    return list(
        db.session.scalars(
            select(Party)
            .where(Party.host_id == user.id, Party.visibility == "public", Party.status != "ended")
            .order_by(Party.id.desc())
            .limit(10)
        )
    )


# Built once, run on the driver's cursor (models/driver_statements.py): every first
# handshake of a user reads their participations; a resume and a long-poll with a stamp
# look up each party the user's stream holds by its key, and most find nothing: the
# parties' entities are loaded only for what they find (for all of them without a stamp).
_TAKING_PART = DriverStatement(
    select(Participant.party_id, Participant.role)
    .join(Party, Party.id == Participant.party_id)
    .where(
        Participant.user_id == bindparam("user_id"),
        Participant.status == "active",
        Party.status != "ended",
    )
)


@provider
def _party_channels(user_id: int) -> list[str]:
    rows = _TAKING_PART.rows(db.session.connection(), {"user_id": user_id})
    channels = []
    for party_id, role in rows:
        channels.append(channel(party_id))
        if role in party_access.DRIVERS:
            channels.append(drivers_channel(party_id))
    return channels


def sweep(
    host_absent_after: float,
    empty_grace: float,
    watching: Callable[[int], Collection[int]],
    last_watched: Callable[[int, int], float | None],
) -> None:
    """Run by each worker now and then: hand over from hosts who have not had the party's
    page open for `host_absent_after` seconds (to someone who has it open), end parties
    nobody has watched for `empty_grace`, start scheduled parties whose time has come, and
    tell everyone of public ones that now start soon.
    `watching(party_id)` gives who watches now, `last_watched(party_id, user_id)` when.

    Each party's change is its own unit of work, committed (and announced) before the
    next party's: one party's conflict holds back no other, nor its locks."""
    now = utcnow()
    tell_starting_soon(now)
    db.session.commit()
    for party in list(
        db.session.scalars(
            select(Party).where(Party.status == "upcoming", Party.scheduled_at <= now)
        )
    ):
        begin(party)
        db.session.commit()
    for party in list(db.session.scalars(select(Party).where(Party.status == "live"))):
        people = list(
            db.session.scalars(
                select(Participant.user_id).where(
                    Participant.party_id == party.id, Participant.status == "active"
                )
            )
        )
        here = set(watching(party.id)).intersection(people)
        if not here:
            gone_since = max((last_watched(party.id, u) or 0 for u in people), default=0)
            started = as_utc(party.started_at or party.created_at).timestamp()
            if time.time() - max(gone_since, started) > empty_grace:
                finish(party)
                db.session.commit()
            continue
        if party.host_id not in here:
            seen = last_watched(party.id, party.host_id) or as_utc(party.created_at).timestamp()
            if time.time() - seen > host_absent_after:
                hand_over(party.id, party.host_id, here)
                db.session.commit()
