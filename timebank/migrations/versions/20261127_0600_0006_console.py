"""console: vetting steps and records, proxies, announcements, users.erased_at

Self-contained (only its own tables and one nullable column on users), so it can be
re-chained after other revisions.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 02:32:15.523574

"""
from alembic import op
import sqlalchemy as sa
import timebank.models.base


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('announcements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', timebank.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('withdrawn_at', timebank.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('length(title) BETWEEN 1 AND 120', name=op.f('ck_announcements_title_length')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_announcements_author_id_users')),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_announcements_community_id_communities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_announcements'))
    )
    with op.batch_alter_table('announcements', schema=None) as batch_op:
        batch_op.create_index('ix_announcements_community_created', ['community_id', 'created_at'], unique=False)

    op.create_table('vetting_steps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('name_en', sa.String(length=80), nullable=False),
    sa.Column('name_ar', sa.String(length=80), nullable=False),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('retired_at', timebank.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', timebank.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_vetting_steps_community_id_communities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vetting_steps'))
    )
    with op.batch_alter_table('vetting_steps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vetting_steps_community_id'), ['community_id'], unique=False)

    op.create_table('proxies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('proxy_id', sa.Integer(), nullable=False),
    sa.Column('appointed_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', timebank.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', timebank.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('member_id <> proxy_id', name=op.f('ck_proxies_not_own_proxy')),
    sa.ForeignKeyConstraint(['appointed_by_id'], ['users.id'], name=op.f('fk_proxies_appointed_by_id_users')),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_proxies_community_id_communities')),
    sa.ForeignKeyConstraint(['member_id'], ['memberships.id'], name=op.f('fk_proxies_member_id_memberships')),
    sa.ForeignKeyConstraint(['proxy_id'], ['memberships.id'], name=op.f('fk_proxies_proxy_id_memberships')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proxies'))
    )
    with op.batch_alter_table('proxies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proxies_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_proxies_proxy_id'), ['proxy_id'], unique=False)

    op.create_table('vetting_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('membership_id', sa.Integer(), nullable=False),
    sa.Column('step_id', sa.Integer(), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=False),
    sa.Column('coordinator_id', sa.Integer(), nullable=False),
    sa.Column('created_at', timebank.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['coordinator_id'], ['users.id'], name=op.f('fk_vetting_records_coordinator_id_users')),
    sa.ForeignKeyConstraint(['membership_id'], ['memberships.id'], name=op.f('fk_vetting_records_membership_id_memberships')),
    sa.ForeignKeyConstraint(['step_id'], ['vetting_steps.id'], name=op.f('fk_vetting_records_step_id_vetting_steps')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vetting_records')),
    sa.UniqueConstraint('membership_id', 'step_id', name=op.f('uq_vetting_records_membership_id_step_id'))
    )
    with op.batch_alter_table('vetting_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vetting_records_membership_id'), ['membership_id'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('erased_at', timebank.models.base.UTCDateTime(timezone=True), nullable=True))



def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('erased_at')

    with op.batch_alter_table('vetting_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_vetting_records_membership_id'))

    op.drop_table('vetting_records')
    with op.batch_alter_table('proxies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proxies_proxy_id'))
        batch_op.drop_index(batch_op.f('ix_proxies_member_id'))

    op.drop_table('proxies')
    with op.batch_alter_table('vetting_steps', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_vetting_steps_community_id'))

    op.drop_table('vetting_steps')
    with op.batch_alter_table('announcements', schema=None) as batch_op:
        batch_op.drop_index('ix_announcements_community_created')

    op.drop_table('announcements')
