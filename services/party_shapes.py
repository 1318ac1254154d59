"""What a party looks like to others: its channels and event names, the dicts that
pages, the API and events carry, and the announcements of who comes and goes."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, select, update

from extensions import db
from models.clock import iso
from models.columns import fields
from models.party import Participant, Party, QueueItem
from models.user import User
from realtime.bus import bus
from realtime.events import SITE_CHANNEL, party_channel
from services import party_access
from services.party_media import media_kind
from services.relations import are_friends, follower_ids

LARGE_PARTY = 100
PARTY_STATE = "party:state"
MEMBER_JOINED = "party:member_joined"
MEMBER_LEFT = "party:member_left"
MEMBER_UPDATED = "party:member_updated"
HOST_CHANGED = "party:host_changed"
ENDED = "party:ended"
REQUEST = "party:member_requested"
QUEUE = "party:queue"
LISTING = "party:listing"
# Items added to a queue take positions from 1; a party's named first video stands before them.
OPENING = 0
STARTS_SOON = timedelta(hours=24)  # an upcoming public party "starts soon" within this
# What a party's playback state and its listing carry as stored.
STATE_FIELDS = (
    "media_url",
    "playing",
    "position",
    "rate",
    "at",
    "version",
    "host_id",
    "duration",
    "status",
)
PARTY_FIELDS = (
    "id",
    "title",
    "description",
    "visibility",
    "max_participants",
    "requires_approval",
    "allow_suggestions",
    "status",
)


def channel(party_id: int) -> str:
    return party_channel(party_id)


def drivers_channel(party_id: int) -> str:
    """Heartbeat reports (drift, buffering) go to the host and co-hosts only."""
    return f"party:{party_id}:drivers"


def state(party: Party) -> dict:
    return {"party_id": party.id, **fields(party, *STATE_FIELDS), "media_title": media_title(party)}


def media_title(party: Party) -> str:
    """What is playing, in words: the queue item's title, else the party's own."""
    if party.queue_item_id is not None:
        item = db.session.get(QueueItem, party.queue_item_id)
        if item is not None:
            return item.title or item.media_url
    return party.title


def shareable_title(party: Party) -> str | None:
    """What is playing, in words fit to carry out of the party (a clip, a playlist): the
    queue item's title, or for a public party its own title (its first video's). A party
    that is not public is not named: its title may say what it is for to people it is
    kept from."""
    if party.queue_item_id is not None:
        return media_title(party)
    return party.title if party.visibility == "public" else None


def watched(party: Party) -> list[str]:
    """What a party played, in order: its first media (under the party's title unless it
    was named as the opening item of its queue), then each queue item it reached."""
    played = list(
        db.session.scalars(
            select(QueueItem)
            .where(QueueItem.party_id == party.id, QueueItem.status == "played")
            .order_by(QueueItem.id)
        )
    )
    named = [item.title or item.media_url for item in played]
    return named if played and played[0].position == OPENING else [party.title, *named]


def participant_count(party_id: int) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Participant)
        .where(Participant.party_id == party_id, Participant.status == "active")
    )


def to_dict(party: Party, viewer: User | None = None) -> dict:
    kind, video = media_kind(party.media_url)
    data = {
        **fields(party, *PARTY_FIELDS),
        "host": party.host.to_summary(),
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


def announce_membership(party: Party, name: str, participant: Participant, **extra) -> None:
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


def followers_told(party: Party, host_id: int | None = None) -> list[int]:
    """The host's (or `host_id`'s) followers who hear of the party's start, end and change
    of host on their own channel (their home pages show it): none for a private party,
    friends for a friends-only one."""
    host_id = party.host_id if host_id is None else host_id
    if party.visibility == "private":
        return []
    return [
        follower
        for follower in follower_ids(host_id)
        if party.visibility != "friends" or are_friends(follower, host_id)
    ]


def announce_listing(party: Party) -> None:
    """A public party was scheduled, started, ended or changed host: everyone signed in
    hears of it on the site channel, so open home pages add, redraw or drop its card.
    Parties that are not public are never told there."""
    if party.visibility == "public":
        _listing(party.id, party.status)


def starting_soon(now: datetime) -> tuple[ColumnElement[bool], ...]:
    """A public party that starts soon, as the criteria of a query: its home cards and
    the sweep that tells everyone of it go by the same rule."""
    return (
        Party.status == "upcoming",
        Party.visibility == "public",
        Party.scheduled_at <= now + STARTS_SOON,
    )


def tell_starting_soon(now: datetime) -> int:
    """Public parties that came within `STARTS_SOON` of their start since they were made:
    everyone is told once, so open home pages add their cards. A conditional update marks
    each, so of several workers sweeping at once only one tells. In the caller's unit of
    work; returns how many."""
    told = db.session.scalars(
        update(Party)
        .where(*starting_soon(now), Party.soon_told_at.is_(None))
        .values(soon_told_at=now)
        .returning(Party.id)
        .execution_options(synchronize_session=False)
    ).all()
    for party_id in told:
        _listing(party_id, "upcoming")
    return len(told)


def _listing(party_id: int, status: str) -> None:
    bus.publish(SITE_CHANNEL, LISTING, {"party_id": party_id, "status": status})


def reread(row: Party | Participant) -> None:
    """Read a row again after a conditional UPDATE in this transaction, for the events
    that describe it: what the database holds (another request may have moved a version
    on since the row was read), not what the session guessed."""
    db.session.flush()
    db.session.refresh(row)
