"""event subjects for redaction

Revision ID: 5c2f8a91d3e7
Revises: 5c1e0a7d2b94
Create Date: 2026-11-30 12:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5c2f8a91d3e7'
down_revision = '5c1e0a7d2b94'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('stream_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('subject', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_stream_events_subject'), ['subject'], unique=False)

    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('subject_key', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_notifications_subject_key'), ['subject_key'], unique=False)


def downgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notifications_subject_key'))
        batch_op.drop_column('subject_key')

    with op.batch_alter_table('stream_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stream_events_subject'))
        batch_op.drop_column('subject')
