"""clips

Revision ID: c4d9e2f7a1b3
Revises: a7c3e5f9b1d2
Create Date: 2026-12-01 19:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4d9e2f7a1b3'
down_revision = 'a7c3e5f9b1d2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('clips',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('video_url', sa.String(length=2048), nullable=False),
    sa.Column('start_seconds', sa.Float(), nullable=False),
    sa.Column('end_seconds', sa.Float(), nullable=False),
    sa.Column('view_count', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('start_seconds >= 0 AND end_seconds > start_seconds', name=op.f('ck_clips_range')),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_clips_owner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clips')),
    sa.UniqueConstraint('code', name=op.f('uq_clips_code'))
    )
    with op.batch_alter_table('clips', schema=None) as batch_op:
        batch_op.create_index('ix_clips_owner_id_id', ['owner_id', 'id'], unique=False)

    op.create_table('clip_views',
    sa.Column('clip_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['clip_id'], ['clips.id'], name=op.f('fk_clip_views_clip_id_clips'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_clip_views_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('clip_id', 'user_id', name=op.f('pk_clip_views'))
    )


def downgrade():
    op.drop_table('clip_views')
    with op.batch_alter_table('clips', schema=None) as batch_op:
        batch_op.drop_index('ix_clips_owner_id_id')

    op.drop_table('clips')
