"""attachments: index messages by attachment

Revision ID: 5c1e0a7d2b94
Revises: 146536dc21c3
Create Date: 2026-11-30 12:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '5c1e0a7d2b94'
down_revision = '146536dc21c3'
branch_labels = None
depends_on = None


def upgrade():
    # Serving a file looks up the message that carries it.
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_messages_attachment_id'), ['attachment_id'], unique=False)


def downgrade():
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_messages_attachment_id'))
