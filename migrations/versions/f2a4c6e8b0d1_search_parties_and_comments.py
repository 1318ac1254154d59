"""search parties and post comments: their FTS5 tables and triggers, or GIN indexes

Revision ID: f2a4c6e8b0d1
Revises: b8d4f6a2c0e3
Create Date: 2026-12-01 23:30:00.000000

"""
from alembic import op

from models import search_schema

# revision identifiers, used by Alembic.
revision = 'f2a4c6e8b0d1'
down_revision = 'b8d4f6a2c0e3'
branch_labels = None
depends_on = None

PARTS = (search_schema.PARTIES, search_schema.COMMENTS)


def _run(statements):
    for statement in statements:
        op.execute(statement)


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        _run(search_schema.install_sqlite(PARTS))
    else:
        _run(search_schema.postgres_indexes(PARTS))


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        _run(s for part in PARTS for s in search_schema.sqlite_drop(part))
    else:
        _run(search_schema.drop_postgres_indexes(PARTS))
