"""A party's queue: host and co-hosts add, remove and reorder; viewers suggest when the
host allows it."""

from __future__ import annotations

from sqlalchemy import func, select

from errors import Forbidden, NotFound, ValidationError
from extensions import db
from models.clock import iso
from models.columns import fields
from models.party import Party, QueueItem
from models.user import User
from realtime.bus import bus
from services import parties, party_access, party_media, party_shapes, voice
from services.positions import by_position
from services.unit_of_work import unit_of_work
from services.validation import clean_text, is_id, refuse_longer

QUEUE_MAX = 200


def to_dict(item: QueueItem) -> dict:
    return {
        **fields(item, "id", "media_url", "title", "position", "status", "added_by"),
        "created_at": iso(item.created_at),
    }


def items(party_id: int) -> list[QueueItem]:
    return by_position(
        QueueItem, QueueItem.party_id == party_id, QueueItem.status.in_(("queued", "suggested"))
    )


def listing(actor: User, party_id: object) -> list[QueueItem]:
    return items(party_access.present(actor, party_id).party.id)


def announce(party_id: int) -> None:
    """The queue as it is in this unit of work, sent when it commits."""
    bus.publish(
        party_shapes.channel(party_id),
        party_shapes.QUEUE,
        {"party_id": party_id, "items": [to_dict(item) for item in items(party_id)]},
    )


def name_opening(party: Party, title: str) -> None:
    """The party's first video named: kept as a played item of its queue, ahead of every
    queued one, so what is playing reads as its own title rather than the party's. In the
    caller's unit of work, before the party's state is first announced."""
    item = QueueItem(
        party_id=party.id,
        media_url=party.media_url,
        title=title,
        position=party_shapes.OPENING,
        status="played",
        added_by=party.host_id,
    )
    db.session.add(item)
    db.session.flush()
    party.queue_item_id = item.id


@unit_of_work
def add(actor: User, party_id: object, media_url: object, title: object = "") -> QueueItem:
    access = party_access.present(actor, party_id)
    voice.can_speak(actor)  # its title is read by everyone in the party
    if access.drives:
        status = "queued"
    elif access.party.allow_suggestions:
        status = "suggested"
    else:
        raise Forbidden("The host does not take suggestions.")
    if title is not None and not isinstance(title, str):
        raise ValidationError("'title' must be text.", field="title")
    title = clean_text((title or "").strip(), "title")
    refuse_longer(title, parties.TITLE_MAX, "title", "'title' is too long.")
    if len(items(access.party.id)) >= QUEUE_MAX:
        raise ValidationError("The queue is full.", field="media_url")
    last = db.session.scalar(
        select(func.max(QueueItem.position)).where(QueueItem.party_id == access.party.id)
    )
    item = QueueItem(
        party_id=access.party.id,
        media_url=party_media.clean_media(media_url),
        title=title,
        position=(last or 0) + 1,
        status=status,
        added_by=actor.id,
    )
    db.session.add(item)
    db.session.flush()
    announce(access.party.id)
    return item


def _item(access, item_id: object) -> QueueItem:
    if not is_id(item_id):
        raise NotFound("No such queue item.")
    item = db.session.get(QueueItem, item_id)
    if item is None or item.party_id != access.party.id or item.status == "played":
        raise NotFound("No such queue item.")
    return item


def accept(actor: User, party_id: object, item_id: object) -> QueueItem:
    """Turn a viewer's suggestion into a queued item."""
    access = party_access.driver(actor, party_id)
    item = _item(access, item_id)
    item.status = "queued"
    announce(access.party.id)
    db.session.commit()
    return item


def remove(actor: User, party_id: object, item_id: object) -> None:
    access = party_access.driver(actor, party_id)
    db.session.delete(_item(access, item_id))
    db.session.flush()
    announce(access.party.id)
    db.session.commit()


def reorder(actor: User, party_id: object, item_ids: object) -> list[QueueItem]:
    """Put the queue in the given order; every waiting item must be named once."""
    access = party_access.driver(actor, party_id)
    current = items(access.party.id)
    if (
        not isinstance(item_ids, list)
        or sorted(i for i in item_ids if isinstance(i, int)) != sorted(item.id for item in current)
        or len(item_ids) != len(current)
    ):
        raise ValidationError(
            "'item_ids' must list every item of the queue once.", field="item_ids"
        )
    by_id = {item.id: item for item in current}
    for index, item_id in enumerate(item_ids, start=1):
        by_id[item_id].position = index
    announce(access.party.id)
    db.session.commit()
    return items(access.party.id)


def move(actor: User, party_id: object, item_id: int, direction: str) -> list[QueueItem]:
    """Move one waiting item a place "up" or "down" (at either end it stays)."""
    order = [item.id for item in listing(actor, party_id)]
    if item_id not in order:
        raise NotFound("No such queue item.")
    here = order.index(item_id)
    there = here - 1 if direction == "up" else here + 1
    if 0 <= there < len(order):
        order[here], order[there] = order[there], order[here]
    return reorder(actor, party_id, order)
