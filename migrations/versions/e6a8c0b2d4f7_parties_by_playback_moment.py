"""parties found by the moment their playback last changed

Revision ID: e6a8c0b2d4f7
Revises: 5d2e8a7c4b91
Create Date: 2026-12-05 06:10:00.000000

"""

from alembic import op


# revision identifiers, used by Alembic.
revision = "e6a8c0b2d4f7"
down_revision = "5d2e8a7c4b91"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_parties_at", "parties", ["at"])


def downgrade():
    op.drop_index("ix_parties_at", table_name="parties")
