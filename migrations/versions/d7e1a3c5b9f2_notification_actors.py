"""the people a notification collapsed

Revision ID: d7e1a3c5b9f2
Revises: c4d2a7e9f1b3
Create Date: 2026-12-01 03:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd7e1a3c5b9f2'
down_revision = 'c4d2a7e9f1b3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'notification_actors',
        sa.Column('notification_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['notification_id'], ['notifications.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('notification_id', 'user_id'),
    )
    op.create_index(
        'ix_notification_actors_user_id', 'notification_actors', ['user_id'], unique=False
    )
    # The one person each notification already names is known; others it counted are not.
    op.execute(
        "INSERT INTO notification_actors (notification_id, user_id, at) "
        "SELECT id, actor_id, COALESCE(updated_at, created_at) FROM notifications "
        "WHERE actor_id IS NOT NULL"
    )


def downgrade():
    op.drop_index('ix_notification_actors_user_id', table_name='notification_actors')
    op.drop_table('notification_actors')
