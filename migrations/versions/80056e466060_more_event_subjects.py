"""subjects of the stored events that name a listed room, a playlist, a playlist item
or an announcement, so that changing or removing one rewrites them

Revision ID: 80056e466060
Revises: c9e1a3b5d7f0
Create Date: 2026-12-03 10:30:00.000000

"""

import json

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "80056e466060"
down_revision = "c9e1a3b5d7f0"
branch_labels = None
depends_on = None

# The event's name, and where its payload names what it describes (as the subjects the
# site derives for new events: realtime/subjects.py at this revision).
SUBJECTS = {
    "directory:room": ("conversation", ("id",)),
    "playlist:updated": ("playlist", ("playlist_id",)),
    "playlist:item_added": ("playlist_item", ("item", "id")),
    "announcement:posted": ("announcement", ("id",)),
}

events = sa.table(
    "stream_events",
    sa.column("id", sa.BigInteger),
    sa.column("name", sa.String),
    sa.column("payload", sa.Text),
    sa.column("subject", sa.String),
)


def _described(payload: str, path: tuple[str, ...]) -> object:
    value = json.loads(payload)
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def upgrade():
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(events.c.id, events.c.name, events.c.payload).where(
            events.c.name.in_(list(SUBJECTS)), events.c.subject.is_(None)
        )
    ).all()
    for event_id, name, payload in rows:
        kind, path = SUBJECTS[name]
        described = _described(payload, path)
        if described is not None:
            connection.execute(
                events.update()
                .where(events.c.id == event_id)
                .values(subject=f"{kind}:{described}")
            )


def downgrade():
    op.execute(
        events.update()
        .where(events.c.name.in_(list(SUBJECTS)))
        .values(subject=None)
    )
