"""an optional image on a post, with its description

Revision ID: d1f3a5c7e9b2
Revises: f2a4c6e8b0d1
Create Date: 2026-12-01 23:30:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "d1f3a5c7e9b2"
down_revision = "f2a4c6e8b0d1"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("image_file", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("image_alt", sa.String(length=300), nullable=True))


def downgrade():
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.drop_column("image_alt")
        batch_op.drop_column("image_file")
