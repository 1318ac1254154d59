"""party media duration

Revision ID: 9d4e2b7a1c05
Revises: 7c3f9a2d4b1e
Create Date: 2026-11-30 12:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9d4e2b7a1c05'
down_revision = '7c3f9a2d4b1e'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('parties', schema=None) as batch_op:
        batch_op.add_column(sa.Column('duration', sa.Float(), nullable=True))


def downgrade():
    with op.batch_alter_table('parties', schema=None) as batch_op:
        batch_op.drop_column('duration')
