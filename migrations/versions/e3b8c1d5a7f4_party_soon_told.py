"""when everyone was told a public party starts soon

Revision ID: e3b8c1d5a7f4
Revises: d7e1a3c5b9f2
Create Date: 2026-12-01 04:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e3b8c1d5a7f4'
down_revision = 'd7e1a3c5b9f2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('parties') as batch:
        batch.add_column(sa.Column('soon_told_at', sa.DateTime(timezone=True), nullable=True))
    # Parties already upcoming were announced when they were made.
    op.execute("UPDATE parties SET soon_told_at = created_at WHERE status = 'upcoming'")


def downgrade():
    with op.batch_alter_table('parties') as batch:
        batch.drop_column('soon_told_at')
