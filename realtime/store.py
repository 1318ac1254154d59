"""The durable event log in the database: append, read after a cursor, prune.

The database is the truth for messages, so the events that announce them live beside
them: one backup, one restore, and a resume works after a restart of every process.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from datetime import timedelta
from typing import Any, Protocol

import orjson
from sqlalchemy import delete, func, select, update
from sqlalchemy import insert as insert_into
from sqlalchemy.engine import Connection

from extensions import db
from models.clock import utcnow
from models.driver_statements import DriverStatement
from models.stream import StreamEvent, StreamMark
from realtime.audience import Audience
from realtime.events import Envelope
from realtime.subjects import subject_of

PRUNED_THROUGH = "pruned_through"
# The channel and name of a placeholder for an id no transaction committed.
GAP = "_gap"
# Well under the bound parameters a statement may carry on SQLite and PostgreSQL.
_SUBJECTS_A_QUERY = 500


# Built once: every durable event passes here, most of them one at a time.
_INSERT_ONE = DriverStatement(insert_into(StreamEvent.__table__).returning(StreamEvent.id))
_INSERT_MANY = insert_into(StreamEvent.__table__).returning(
    StreamEvent.id, sort_by_parameter_order=True
)


class Durable(Protocol):
    channel: str
    name: str
    data: dict[str, Any]
    audience: Audience


def insert(connection: Connection, items: Sequence[Durable]) -> list[int]:
    """Write durable events into the transaction of `connection` and return their ids.
    They become visible, and are announced, when that transaction commits."""
    rows = [
        {
            "channel": item.channel,
            "name": item.name,
            "payload": orjson.dumps(item.data).decode(),
            "subject": subject_of(item.name, item.data),
            "created_at": utcnow(),
            **item.audience.to_columns(),
        }
        for item in items
    ]
    if len(rows) == 1:
        return [_INSERT_ONE.scalar(connection, rows[0])]
    return list(connection.scalars(_INSERT_MANY, rows))


def settle(ids: Sequence[int]) -> None:
    """Make the ids of a gap in the log final: after this, each is either an event that
    committed or a placeholder that no late commit can take. On PostgreSQL a placeholder
    insert waits for a transaction still writing that id and then yields to it; on
    SQLite writers are serialized, so an id below a visible one is final already."""
    if not ids or db.session.get_bind().dialect.name != "postgresql":
        return
    from sqlalchemy.dialects.postgresql import insert as pg_insert

    now = utcnow()
    statement = (
        pg_insert(StreamEvent.__table__)
        .values(
            [
                {"id": event_id, "channel": GAP, "name": GAP, "payload": "{}", "created_at": now}
                for event_id in ids
            ]
        )
        .on_conflict_do_nothing(index_elements=["id"])
    )
    db.session.execute(statement)
    db.session.commit()


Rewrite = Callable[[dict[str, Any]], dict[str, Any]]


def redact(
    subject: str,
    names: Collection[str],
    rewrite: Rewrite,
    unseen: Rewrite | None = None,
    sees: Callable[[str], bool] | None = None,
) -> int:
    """Rewrite the stored events named `names` that describe `subject`, in the caller's
    transaction: a replay then carries what is true now, never the removed content.
    With `sees` (whether whoever reads a channel may still see the subject), an event on
    a channel whose reader may not gets `unseen` instead: what changed after someone lost
    sight of a thing does not reach them through the events they had."""
    if sees is not None and unseen is None:
        raise ValueError("A redaction that depends on the reader needs `unseen` too.")

    def chosen(channel: str) -> Rewrite:
        return rewrite if sees is None or sees(channel) else unseen

    return _rewrite((StreamEvent.subject == subject) & StreamEvent.name.in_(list(names)), chosen)


def hide_from(subjects: Collection[str], names: Collection[str], user_ids: frozenset[int]) -> int:
    """The stored events named `names` that describe any of `subjects` are hidden from
    `user_ids` too, in the caller's transaction (their audience, realtime/audience.py,
    widened). Subjects are looked up a few hundred at a time."""
    if not user_ids:
        return 0
    subjects, hidden = list(subjects), 0
    for start in range(0, len(subjects), _SUBJECTS_A_QUERY):
        rows = db.session.execute(
            select(StreamEvent.id, StreamEvent.hidden_from, StreamEvent.only_for).where(
                StreamEvent.subject.in_(subjects[start : start + _SUBJECTS_A_QUERY])
                & StreamEvent.name.in_(list(names))
            )
        ).all()
        for event_id, hidden_from, only_for in rows:
            audience = Audience.from_columns(hidden_from, only_for)
            widened = Audience(audience.hidden_from | user_ids, audience.only_for)
            db.session.execute(
                update(StreamEvent).where(StreamEvent.id == event_id).values(**widened.to_columns())
            )
        hidden += len(rows)
    return hidden


def redact_containing(fragment: str, rewrite: Rewrite) -> int:
    """Rewrite the stored events whose JSON contains `fragment`, in the caller's transaction.
    It reads the whole log, which retention keeps bounded: for rare changes (a person's
    display name), where no subject column could name every event that quotes them."""
    return _rewrite(StreamEvent.payload.contains(fragment, autoescape=True), lambda _: rewrite)


def _rewrite(where: Any, rewrite_for: Callable[[str], Rewrite]) -> int:
    rows = db.session.execute(
        select(StreamEvent.id, StreamEvent.channel, StreamEvent.payload).where(where)
    ).all()
    for event_id, channel, payload in rows:
        rewritten = rewrite_for(channel)(orjson.loads(payload))
        db.session.execute(
            update(StreamEvent)
            .where(StreamEvent.id == event_id)
            .values(payload=orjson.dumps(rewritten).decode())
        )
    return len(rows)


def read_after(
    after_id: int, channels: Iterable[str] | None, limit: int = 1000, before_id: int | None = None
) -> list[Envelope]:
    """Durable events after `after_id` (and before `before_id`), oldest first; all
    channels when `channels` is None."""
    query = select(StreamEvent).where(StreamEvent.id > after_id)
    if before_id is not None:
        query = query.where(StreamEvent.id < before_id)
    if channels is not None:
        wanted = list(channels)
        if not wanted:
            return []
        query = query.where(StreamEvent.channel.in_(wanted))
    rows = db.session.scalars(query.order_by(StreamEvent.id).limit(limit))
    return [
        Envelope(
            channel=row.channel,
            name=row.name,
            data=orjson.loads(row.payload),
            id=row.id,
            audience=Audience.from_columns(row.hidden_from, row.only_for),
        )
        for row in rows
    ]


def latest_id() -> int:
    return db.session.scalar(select(func.max(StreamEvent.id))) or 0


def pruned_through() -> int:
    """Events up to this id may be gone: a cursor below it cannot be resumed exactly."""
    mark = db.session.get(StreamMark, PRUNED_THROUGH)
    return mark.value if mark else 0


def prune(max_age: timedelta, keep_per_channel: int) -> int:
    """Drop events that are both older than `max_age` and not among the newest
    `keep_per_channel` of their channel. Returns how many were dropped."""
    cutoff = utcnow() - max_age
    ranked = select(
        StreamEvent.id,
        StreamEvent.created_at,
        func.row_number()
        .over(partition_by=StreamEvent.channel, order_by=StreamEvent.id.desc())
        .label("rank"),
    ).subquery()
    doomed = list(
        db.session.scalars(
            select(ranked.c.id).where(
                ranked.c.rank > keep_per_channel, ranked.c.created_at < cutoff
            )
        )
    )
    if not doomed:
        return 0
    for start in range(0, len(doomed), 500):
        batch = doomed[start : start + 500]
        db.session.execute(delete(StreamEvent).where(StreamEvent.id.in_(batch)))
    mark = db.session.get(StreamMark, PRUNED_THROUGH)
    if mark is None:
        db.session.add(StreamMark(key=PRUNED_THROUGH, value=max(doomed)))
    else:
        mark.value = max(mark.value, max(doomed))
    db.session.commit()
    return len(doomed)
