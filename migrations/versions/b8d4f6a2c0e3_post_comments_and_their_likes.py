"""post comments and their likes

Revision ID: b8d4f6a2c0e3
Revises: e8b2d4f6a1c3
Create Date: 2026-12-01 19:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b8d4f6a2c0e3'
down_revision = 'e8b2d4f6a1c3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('post_comments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('video_time', sa.Float(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('edited_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_post_comments_author_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['parent_id'], ['post_comments.id'], name=op.f('fk_post_comments_parent_id_post_comments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_post_comments_post_id_posts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_post_comments'))
    )
    with op.batch_alter_table('post_comments', schema=None) as batch_op:
        batch_op.create_index('ix_post_comments_parent_id_id', ['parent_id', 'id'], unique=False)
        batch_op.create_index('ix_post_comments_post_id_id', ['post_id', 'id'], unique=False)

    op.create_table('comment_likes',
    sa.Column('comment_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['comment_id'], ['post_comments.id'], name=op.f('fk_comment_likes_comment_id_post_comments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_comment_likes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('comment_id', 'user_id', name=op.f('pk_comment_likes'))
    )
    with op.batch_alter_table('comment_likes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_comment_likes_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('comment_likes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_comment_likes_user_id'))

    op.drop_table('comment_likes')
    with op.batch_alter_table('post_comments', schema=None) as batch_op:
        batch_op.drop_index('ix_post_comments_post_id_id')
        batch_op.drop_index('ix_post_comments_parent_id_id')

    op.drop_table('post_comments')
