"""full-text search: FTS5 tables and triggers on SQLite, GIN indexes on PostgreSQL

Revision ID: e8b2d4f6a1c3
Revises: c4d9e2f7a1b3
Create Date: 2026-12-01 19:50:00.000000

"""
from alembic import op

from models import search_schema

# revision identifiers, used by Alembic.
revision = 'e8b2d4f6a1c3'
down_revision = 'c4d9e2f7a1b3'
branch_labels = None
depends_on = None

# The kinds indexed then; later revisions index theirs.
PARTS = (
    search_schema.PEOPLE,
    search_schema.ROOMS,
    search_schema.MESSAGES,
    search_schema.POSTS,
    search_schema.PLAYLISTS,
    search_schema.CLIPS,
)


def _run(statements):
    for statement in statements:
        op.execute(statement)


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        _run(search_schema.install_sqlite(PARTS))
    else:
        _run(search_schema.install_postgres(PARTS))


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        _run(s for part in PARTS for s in search_schema.sqlite_drop(part))
    else:
        _run(search_schema.drop_postgres())
