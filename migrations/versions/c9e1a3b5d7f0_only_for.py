"""the only people a stored event is for

Revision ID: c9e1a3b5d7f0
Revises: b7d9f1a3c5e8
Create Date: 2026-12-02 10:00:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c9e1a3b5d7f0"
down_revision = "b7d9f1a3c5e8"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("stream_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("only_for", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("stream_events", schema=None) as batch_op:
        batch_op.drop_column("only_for")
