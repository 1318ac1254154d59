"""Watch parties: creating, joining (by code, with approval), roles, leaving, ending,
handing over, and the public listing."""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable, Collection
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from errors import Conflict, Forbidden, NotFound, ValidationError
from extensions import db
from models.clock import as_utc, iso, utcnow
from models.party import Participant, ParticipantStatus, Party, PartyRole, QueueItem
from models.user import User
from realtime.bus import bus
from realtime.channels import provider, resume_hook
from realtime.events import Envelope, party_channel, user_channel
from services import accounts, notifications, party_access, voice
from services.party_access import PartyAccess
from services.relations import are_friends, follower_ids, is_blocked_between
from services.validation import clean_text, is_id

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L
CODE_LENGTH = 6
TITLE_MAX = 120
DESCRIPTION_MAX = 1000
MEDIA_URL_MAX = 500
LARGE_PARTY = 100
LIST_PAGE = 20
YOUTUBE_HOSTS = {
    "youtube.com",
    "www.youtube.com",
    "m.youtube.com",
    "music.youtube.com",
    "youtu.be",
    "www.youtube-nocookie.com",
}
YOUTUBE_ID = re.compile(r"[A-Za-z0-9_-]{11}")

PARTY_STATE = "party:state"
MEMBER_JOINED = "party:member_joined"
MEMBER_LEFT = "party:member_left"
MEMBER_UPDATED = "party:member_updated"
HOST_CHANGED = "party:host_changed"
ENDED = "party:ended"
REQUEST = "party:member_requested"
QUEUE = "party:queue"


def channel(party_id: int) -> str:
    return party_channel(party_id)


def drivers_channel(party_id: int) -> str:
    """Heartbeat reports (drift, buffering) go to the host and co-hosts only."""
    return f"party:{party_id}:drivers"


# -- media ------------------------------------------------------------------------------
def media_kind(url: object) -> tuple[str, str]:
    """('youtube', video id) or ('direct', url) for an acceptable link; 400 otherwise."""
    if not isinstance(url, str):
        raise ValidationError("'media_url' must be a link.", field="media_url")
    url = url.strip()
    if len(url) > MEDIA_URL_MAX:
        raise ValidationError("That link is too long.", code="too_long", field="media_url")
    if any(ord(c) < 33 for c in url):
        raise ValidationError("Links have no spaces or control characters.", field="media_url")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(
            "Use a YouTube link or a direct video link starting with http:// or https://.",
            field="media_url",
        )
    host = parts.hostname.lower()
    if host in YOUTUBE_HOSTS:
        video = _youtube_id(host, parts)
        if video is None:
            raise ValidationError("That YouTube link names no video.", field="media_url")
        return "youtube", video
    return "direct", url


def _youtube_id(host: str, parts) -> str | None:
    if host == "youtu.be":
        candidate = parts.path.lstrip("/").split("/")[0]
    elif parts.path.startswith(("/embed/", "/shorts/", "/live/")):
        candidate = parts.path.split("/")[2]
    else:
        candidate = parse_qs(parts.query).get("v", [""])[0]
    return candidate if YOUTUBE_ID.fullmatch(candidate or "") else None


def clean_media(url: object) -> str:
    media_kind(url)
    return url.strip()


# -- shapes -----------------------------------------------------------------------------
def state(party: Party) -> dict:
    return {
        "party_id": party.id,
        "media_url": party.media_url,
        "playing": party.playing,
        "position": party.position,
        "rate": party.rate,
        "at": party.at,
        "version": party.version,
        "host_id": party.host_id,
        "duration": party.duration,
        "media_title": media_title(party),
    }


def media_title(party: Party) -> str:
    """What is playing, in words: the queue item's title, else the party's own."""
    if party.queue_item_id is not None:
        item = db.session.get(QueueItem, party.queue_item_id)
        if item is not None:
            return item.title or item.media_url
    return party.title


def watched(party: Party) -> list[str]:
    """What a party played, in order: its first media, then each queue item it reached."""
    played = db.session.scalars(
        select(QueueItem)
        .where(QueueItem.party_id == party.id, QueueItem.status == "played")
        .order_by(QueueItem.id)
    )
    return [party.title] + [item.title or item.media_url for item in played]


def participant_count(party_id: int) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Participant)
        .where(Participant.party_id == party_id, Participant.status == "active")
    )


def to_dict(party: Party, viewer: User | None = None) -> dict:
    kind, video = media_kind(party.media_url)
    data = {
        "id": party.id,
        "title": party.title,
        "description": party.description,
        "host": party.host.to_summary(),
        "visibility": party.visibility,
        "max_participants": party.max_participants,
        "requires_approval": party.requires_approval,
        "allow_suggestions": party.allow_suggestions,
        "status": party.status,
        "scheduled_at": iso(party.scheduled_at),
        "started_at": iso(party.started_at),
        "ended_at": iso(party.ended_at),
        "participant_count": participant_count(party.id),
        "media": {
            "kind": kind,
            "url": party.media_url,
            "youtube_id": video if kind == "youtube" else None,
        },
        "state": state(party),
    }
    # The code is the key to a private party: only its people see it.
    if party.visibility != "private" or (viewer and _is_in(party, viewer)):
        data["code"] = party.code
        data["invite_url"] = f"/join/{party.code}"
    return data


def _is_in(party: Party, user: User) -> bool:
    if party.host_id == user.id:
        return True
    participant = party_access.participant_of(party.id, user.id)
    return participant is not None and participant.status == "active"


def participant_dict(participant: Participant) -> dict:
    return {
        "user": participant.user.to_summary(),
        "role": participant.role,
        "status": participant.status,
        "joined_at": iso(participant.joined_at),
    }


# -- creating ---------------------------------------------------------------------------
def _text(value: object, field: str, maximum: int, required: bool, multiline: bool = False) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise ValidationError(f"'{field}' must be text.", field=field)
    value = clean_text(value.strip(), field, multiline=multiline)
    if required and not value:
        raise ValidationError(f"'{field}' is required.", field=field)
    if len(value) > maximum:
        raise ValidationError(
            f"'{field}' is at most {maximum} characters.", code="too_long", field=field
        )
    return value


def _flag(value: object, field: str) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise ValidationError(f"'{field}' must be true or false.", field=field)
    return value


def _schedule(value: object) -> datetime | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValidationError("'scheduled_at' must be an ISO 8601 time.", field="scheduled_at")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError(
            "'scheduled_at' must be an ISO 8601 time.", field="scheduled_at"
        ) from None
    if moment.tzinfo is None:
        raise ValidationError("'scheduled_at' needs a time zone (e.g. Z).", field="scheduled_at")
    now = utcnow()
    if not now < moment < now + timedelta(days=366):
        raise ValidationError("Schedule it within the next year.", field="scheduled_at")
    # SQLite keeps no offset: store every time in UTC so it reads back the same moment.
    return moment.astimezone(UTC)


def create(actor: User, fields: dict) -> Party:
    voice.can_speak(actor)
    visibility = fields.get("visibility", "public")
    if visibility not in ("public", "private", "friends"):
        raise ValidationError("'visibility' is public, private or friends.", field="visibility")
    limit = fields.get("max_participants", 100)
    if isinstance(limit, bool) or not isinstance(limit, int) or not 2 <= limit <= 1000:
        raise ValidationError(
            "'max_participants' must be from 2 to 1000.", field="max_participants"
        )
    scheduled = _schedule(fields.get("scheduled_at"))
    now = utcnow()
    party = Party(
        title=_text(fields.get("title"), "title", TITLE_MAX, required=True),
        description=_text(
            fields.get("description"),
            "description",
            DESCRIPTION_MAX,
            required=False,
            multiline=True,
        ),
        media_url=clean_media(fields.get("media_url")),
        visibility=visibility,
        max_participants=limit,
        requires_approval=_flag(fields.get("requires_approval"), "requires_approval"),
        allow_suggestions=_flag(fields.get("allow_suggestions"), "allow_suggestions"),
        host_id=actor.id,
        created_by=actor.id,
        status="upcoming" if scheduled else "live",
        scheduled_at=scheduled,
        started_at=None if scheduled else now,
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
    db.session.commit()
    return party


def _new_code() -> str:
    for _ in range(20):
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if db.session.scalar(select(Party.id).where(Party.code == code)) is None:
            return code
    raise Conflict("Could not find a free invite code; try again.")


def _followers_told(party: Party) -> list[int]:
    """The host's followers who hear of the party's start and end on their own channel
    (their home pages show it): none for a private party, friends for a friends-only one."""
    if party.visibility == "private":
        return []
    return [
        follower
        for follower in follower_ids(party.host_id)
        if party.visibility != "friends" or are_friends(follower, party.host_id)
    ]


def _tell_followers_it_started(party: Party) -> None:
    for follower in _followers_told(party):
        notifications.notify(
            follower,
            notifications.PARTY_STARTED,
            actor=party.host,
            subject={"type": "party", "id": party.id, "text": party.title},
        )


# -- joining ----------------------------------------------------------------------------
def join_by_code(actor: User, code: object) -> tuple[Party, Participant]:
    if not isinstance(code, str) or len(code) > 16:
        raise ValidationError("'code' must be a 6-character invite code.", field="code")
    party = db.session.scalar(select(Party).where(Party.code == code.strip().upper()))
    if party is None:
        raise NotFound("No party has that code.")
    participant = _admit(actor, party, with_code=True)
    db.session.commit()
    return party, participant


def enter(actor: User, party_id: object) -> PartyAccess:
    """Join (or come back to) a party by id: public and friends-only ones, or one you
    are already in. Private parties need their code."""
    access = party_access.visible(actor, party_id)
    if access.active:
        access = _creator_returns(access)
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
    if party.status == "ended":
        raise Forbidden("This party has ended.", code="ended")
    participant = party_access.participant_of(party.id, actor.id)
    if participant is not None and participant.status == "active":
        return participant
    if participant is not None and participant.status == "removed":
        raise Forbidden("You were removed from this party.", code="removed")
    if is_blocked_between(actor.id, party.host_id):
        raise Forbidden("You cannot join this party.")
    if party.visibility == "private" and not with_code and participant is None:
        raise NotFound("No such party.")
    if party.visibility == "friends" and not are_friends(actor.id, party.host_id):
        raise Forbidden("This party is for the host's friends.", code="friends_only")
    if participant_count(party.id) >= party.max_participants:
        raise Conflict("The party is full.", code="full")
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
            drivers_channel(party.id),
            REQUEST,
            {"party_id": party.id, "user": actor.to_summary()},
        )
    else:
        _arrived(party, participant)
    return participant


def _arrived(party: Party, participant: Participant) -> None:
    _subscribe_while_in(participant)
    _announce_membership(party, MEMBER_JOINED, participant)


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


def _announce_membership(party: Party, name: str, participant: Participant, **extra) -> None:
    """Everyone hears of each arrival and departure, until a party is large: then only
    of people starting and stopping to watch (`party:member_count`, from the bus), so
    a thousand people joining is not a million events."""
    count = participant_count(party.id)
    if count > LARGE_PARTY:
        return
    bus.publish(
        channel(party.id),
        name,
        {"party_id": party.id, **participant_dict(participant), "count": count, **extra},
    )


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
    if approve and participant_count(access.party.id) >= access.party.max_participants:
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
        _reread(participant)
    return bool(changed)


def _reread(row: Party | Participant) -> None:
    """Read a row again after a conditional UPDATE in this transaction, for the events
    that describe it: what the database holds (another request may have moved a version
    on since the row was read), not what the session guessed."""
    db.session.flush()
    db.session.refresh(row)


# -- roles, leaving, removal ------------------------------------------------------------
def set_role(actor: User, party_id: object, username: str, role: object) -> Participant:
    access = party_access.host(actor, party_id)
    if role not in (PartyRole.CO_HOST.value, PartyRole.VIEWER.value):
        raise ValidationError("'role' is co-host or viewer.", field="role")
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


def leave(actor: User, party_id: object) -> None:
    access = party_access.visible(actor, party_id)
    if not access.active:
        return
    _depart(access.party, access.participant, ParticipantStatus.LEFT)
    db.session.commit()


def remove(actor: User, party_id: object, username: str) -> None:
    """The host removes someone, who cannot come back to this party."""
    access = party_access.host(actor, party_id)
    person = accounts.get_by_username(username)
    participant = party_access.participant_of(access.party.id, person.id)
    if participant is None or participant.status not in ("active", "pending"):
        raise NotFound("They are not in this party.")
    if person.id == actor.id:
        raise ValidationError("Leave the party instead.", field="username")
    if not _depart(access.party, participant, ParticipantStatus.REMOVED):
        raise NotFound("They are not in this party.")
    db.session.commit()


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
        _depart(party, participant, ParticipantStatus.LEFT)
    for party in db.session.scalars(
        select(Party).where(Party.host_id == person.id, Party.status != "ended")
    ).all():
        if hand_over(party.id, person.id, watchers(party.id)) is None:
            finish(party)


def _depart(party: Party, participant: Participant, status: ParticipantStatus) -> bool:
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
    _announce_membership(party, MEMBER_LEFT, participant, reason=status.value)
    if was_host:
        hand_over(party.id, party.host_id, watchers(party.id))
    return True


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
    _reread(party)
    bus.subscribe_user(heir.user_id, drivers_channel(party_id))
    bus.unsubscribe_user(from_host, drivers_channel(party_id))
    bus.publish(channel(party_id), HOST_CHANGED, {"party_id": party_id, "host_id": heir.user_id})
    bus.publish(channel(party_id), PARTY_STATE, state(party))
    return heir.user_id


def _creator_returns(access: PartyAccess) -> PartyAccess:
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
    _reread(party)
    bus.subscribe_user(participant.user_id, drivers_channel(party.id))
    bus.publish(channel(party.id), HOST_CHANGED, {"party_id": party.id, "host_id": party.host_id})
    if previous is not None:
        _announce_membership(party, MEMBER_UPDATED, previous)
    bus.publish(channel(party.id), PARTY_STATE, state(party))
    return PartyAccess(party, participant)


def end(actor: User, party_id: object) -> Party:
    access = party_access.host(actor, party_id)
    party = finish(access.party)
    db.session.commit()
    return party


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
    _reread(party)
    if not ended:
        return party
    bus.publish(channel(party.id), ENDED, {"party_id": party.id})
    for user_id in sorted(set(_followers_told(party)) - set(people)):  # the others' home pages
        bus.publish(user_channel(user_id), ENDED, {"party_id": party.id})
    for user_id in people:
        bus.unsubscribe_user(user_id, channel(party.id))
        bus.unsubscribe_user(user_id, drivers_channel(party.id))
    return party


def start(actor: User, party_id: object) -> Party:
    """The host starts a scheduled party early."""
    access = party_access.host(actor, party_id)
    party = begin(access.party)
    db.session.commit()
    return party


def begin(party: Party) -> Party:
    """Start a scheduled party once; its host's followers are told once. In the caller's
    unit of work: the caller commits."""
    started = db.session.execute(
        update(Party)
        .where(Party.id == party.id, Party.status == "upcoming")
        .values(status="live", started_at=utcnow())
    ).rowcount
    _reread(party)
    if not started:
        return party
    bus.publish(channel(party.id), PARTY_STATE, state(party))
    _tell_followers_it_started(party)
    return party


# -- reading ----------------------------------------------------------------------------
def get(actor: User, party_id: object) -> PartyAccess:
    return party_access.visible(actor, party_id)


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


def listing(status: object, page: int = 1) -> tuple[list[Party], bool]:
    """Public parties: live (newest first), upcoming (soonest first), or ended in the last
    week (latest first). Returns the page and whether there is a next one."""
    if status not in ("live", "upcoming", "ended"):
        raise ValidationError("'status' is live, upcoming or ended.", field="status")
    if not 1 <= page <= 10_000:
        raise ValidationError("'page' must be from 1 to 10000.", field="page")
    query = select(Party).where(Party.visibility == "public", Party.status == status)
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


def hosted_by(user: User) -> list[Party]:
    return list(
        db.session.scalars(
            select(Party)
            .where(Party.host_id == user.id, Party.visibility == "public", Party.status != "ended")
            .order_by(Party.id.desc())
            .limit(10)
        )
    )


# -- the stream -------------------------------------------------------------------------
@provider
def _party_channels(user_id: int) -> list[str]:
    rows = db.session.execute(
        select(Participant.party_id, Participant.role)
        .join(Party, Party.id == Participant.party_id)
        .where(
            Participant.user_id == user_id,
            Participant.status == "active",
            Party.status != "ended",
        )
    )
    channels = []
    for party_id, role in rows:
        channels.append(channel(party_id))
        if role in party_access.DRIVERS:
            channels.append(drivers_channel(party_id))
    return channels


@resume_hook
def _current_states(user_id: int, changed_after: float | None) -> list[Envelope]:
    """After a resume, the current playback state of every party the user is in (that
    changed after `changed_after`, when given)."""
    query = (
        select(Party)
        .join(Participant, Participant.party_id == Party.id)
        .where(
            Participant.user_id == user_id,
            Participant.status == "active",
            Party.status != "ended",
        )
    )
    if changed_after is not None:
        query = query.where(Party.at > changed_after)
    parties = db.session.scalars(query)
    return [
        Envelope(channel=channel(party.id), name=PARTY_STATE, data=state(party))
        for party in parties
    ]


# -- housekeeping: absent hosts, empty parties, scheduled starts ------------------------
def sweep(
    host_absent_after: float,
    empty_grace: float,
    watching: Callable[[int], Collection[int]],
    last_watched: Callable[[int, int], float | None],
) -> None:
    """Run by each worker now and then: hand over from hosts who have not had the party's
    page open for `host_absent_after` seconds (to someone who has it open), end parties
    nobody has watched for `empty_grace`, and start scheduled parties whose time has come.
    `watching(party_id)` gives who watches now, `last_watched(party_id, user_id)` when.

    Each party's change is its own unit of work, committed (and announced) before the
    next party's: one party's conflict holds back no other, nor its locks."""
    now = utcnow()
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
