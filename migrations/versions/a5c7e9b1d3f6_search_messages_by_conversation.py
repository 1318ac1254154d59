"""search messages by conversation: SQLite's index keyed by conversation, PostgreSQL's
tsvector stored

Revision ID: a5c7e9b1d3f6
Revises: d1f3a5c7e9b2
Create Date: 2026-12-02 03:00:00.000000

"""
from dataclasses import replace

from alembic import op

from models import search_schema

# revision identifiers, used by Alembic.
revision = 'a5c7e9b1d3f6'
down_revision = 'd1f3a5c7e9b2'
branch_labels = None
depends_on = None

NOW = search_schema.MESSAGES
BEFORE = replace(NOW, key=None, stored=None)


def _rebuild(part):
    if op.get_bind().dialect.name == "sqlite":
        statements = search_schema.install_sqlite((part,))
    else:
        statements = [
            *search_schema.drop_postgres_indexes((NOW,)),
            *search_schema.postgres_indexes((part,)),
        ]
    for statement in statements:
        op.execute(statement)


def upgrade():
    _rebuild(NOW)


def downgrade():
    _rebuild(BEFORE)
