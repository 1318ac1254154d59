"""party creator and report responsible

Revision ID: b3c1f0e8a2d6
Revises: 9d4e2b7a1c05
Create Date: 2026-11-30 13:12:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b3c1f0e8a2d6'
down_revision = '9d4e2b7a1c05'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('parties', schema=None) as batch_op:
        batch_op.add_column(sa.Column('created_by', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_parties_created_by_users'), 'users', ['created_by'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('responsible_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_reports_responsible_id_users'), 'users', ['responsible_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_reports_responsible_id_users'), type_='foreignkey')
        batch_op.drop_column('responsible_id')

    with op.batch_alter_table('parties', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_parties_created_by_users'), type_='foreignkey')
        batch_op.drop_column('created_by')
