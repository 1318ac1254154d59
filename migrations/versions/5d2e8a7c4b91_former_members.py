"""what is kept of someone who left a group or room: a mute still running, and whether
they were removed

Revision ID: 5d2e8a7c4b91
Revises: 80056e466060
Create Date: 2026-12-03 16:40:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "5d2e8a7c4b91"
down_revision = "80056e466060"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "former_members",
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("muted_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("removed", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("conversation_id", "user_id"),
    )


def downgrade():
    op.drop_table("former_members")
