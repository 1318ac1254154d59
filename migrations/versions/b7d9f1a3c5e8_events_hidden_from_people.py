"""the people a stored event is not for

Revision ID: b7d9f1a3c5e8
Revises: a5c7e9b1d3f6
Create Date: 2026-12-02 05:45:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "b7d9f1a3c5e8"
down_revision = "a5c7e9b1d3f6"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("stream_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("hidden_from", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("stream_events", schema=None) as batch_op:
        batch_op.drop_column("hidden_from")
