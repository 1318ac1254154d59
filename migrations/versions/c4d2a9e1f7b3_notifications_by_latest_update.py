"""notifications listed by their latest update

Revision ID: c4d2a9e1f7b3
Revises: b32e49fe9b33
Create Date: 2026-11-30 18:40:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c4d2a9e1f7b3'
down_revision = 'b32e49fe9b33'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index(
            'ix_notifications_user_id_updated_at', ['user_id', 'updated_at', 'id'], unique=False
        )


def downgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_user_id_updated_at')
