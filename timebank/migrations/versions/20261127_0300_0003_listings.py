"""listings: categories, profiles, offers and requests, full-text search, listing expiry

Self-contained (touches only its own tables and communities.listing_expiry_days), so it
can be re-chained after other revisions. Seeds the default categories for existing
communities and an empty profile for each active membership, then builds the full-text
indexes (FTS5 on SQLite, GIN on PostgreSQL).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 01:34:35.931547

"""
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa
import timebank.models.base
from timebank.models.search_index import create_search_index, drop_search_index
from timebank.services.textsearch import index_text


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('categories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('name_en', sa.String(length=80), nullable=False),
    sa.Column('name_ar', sa.String(length=80), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('retired_at', timebank.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('merged_into_id', sa.Integer(), nullable=True),
    sa.Column('created_at', timebank.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('merged_into_id IS NULL OR merged_into_id <> id', name=op.f('ck_categories_not_merged_into_self')),
    sa.CheckConstraint('merged_into_id IS NULL OR retired_at IS NOT NULL', name=op.f('ck_categories_merged_is_retired')),
    sa.CheckConstraint('parent_id IS NULL OR parent_id <> id', name=op.f('ck_categories_not_own_parent')),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_categories_community_id_communities')),
    sa.ForeignKeyConstraint(['merged_into_id'], ['categories.id'], name=op.f('fk_categories_merged_into_id_categories')),
    sa.ForeignKeyConstraint(['parent_id'], ['categories.id'], name=op.f('fk_categories_parent_id_categories')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_categories')),
    sa.UniqueConstraint('community_id', 'key', name=op.f('uq_categories_community_id_key'))
    )
    op.create_table('listings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('offer', 'request', name='listing_kind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('neighbourhood', sa.String(length=80), nullable=True),
    sa.Column('when_text', sa.String(length=200), nullable=True),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('is_group', sa.Boolean(), nullable=False),
    sa.Column('status', sa.Enum('active', 'paused', 'closed', 'expired', name='listing_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('created_at', timebank.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', timebank.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('renewed_at', timebank.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('expires_at', timebank.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reminder_sent_at', timebank.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', timebank.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('search_title', sa.Text(), nullable=False),
    sa.Column('search_body', sa.Text(), nullable=False),
    sa.CheckConstraint('length(description) <= 5000', name=op.f('ck_listings_description_length')),
    sa.CheckConstraint('length(title) BETWEEN 1 AND 120', name=op.f('ck_listings_title_length')),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_listings_category_id_categories')),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_listings_community_id_communities')),
    sa.ForeignKeyConstraint(['owner_id'], ['memberships.id'], name=op.f('fk_listings_owner_id_memberships')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_listings'))
    )
    with op.batch_alter_table('listings', schema=None) as batch_op:
        batch_op.create_index('ix_listings_browse', ['community_id', 'status', 'created_at', 'expires_at', 'owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_listings_category_id'), ['category_id'], unique=False)
        batch_op.create_index('ix_listings_expiry', ['status', 'expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_listings_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index('ix_listings_neighbourhood', ['community_id', 'neighbourhood'], unique=False)

    op.create_table('profiles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('membership_id', sa.Integer(), nullable=False),
    sa.Column('bio', sa.Text(), nullable=True),
    sa.Column('neighbourhood', sa.String(length=80), nullable=True),
    sa.Column('languages', sa.String(length=60), nullable=False),
    sa.Column('availability', sa.String(length=200), nullable=True),
    sa.Column('skills', sa.Text(), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('address', sa.String(length=200), nullable=True),
    sa.Column('show_bio', sa.Boolean(), nullable=False),
    sa.Column('show_neighbourhood', sa.Boolean(), nullable=False),
    sa.Column('show_languages', sa.Boolean(), nullable=False),
    sa.Column('show_availability', sa.Boolean(), nullable=False),
    sa.Column('show_skills', sa.Boolean(), nullable=False),
    sa.Column('show_phone', sa.Boolean(), nullable=False),
    sa.Column('show_email', sa.Boolean(), nullable=False),
    sa.Column('show_address', sa.Boolean(), nullable=False),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('updated_at', timebank.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['membership_id'], ['memberships.id'], name=op.f('fk_profiles_membership_id_memberships')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_profiles')),
    sa.UniqueConstraint('membership_id', name=op.f('uq_profiles_membership_id'))
    )
    if op.get_bind().dialect.name == 'sqlite':
        # A plain ADD COLUMN: a batch rebuild of communities would trip the foreign keys
        # that point at it.
        op.execute(
            "ALTER TABLE communities ADD COLUMN listing_expiry_days INTEGER NOT NULL DEFAULT 90 "
            "CONSTRAINT ck_communities_listing_expiry_days_range "
            "CHECK (listing_expiry_days BETWEEN 1 AND 3650)"
        )
    else:
        op.add_column('communities', sa.Column('listing_expiry_days', sa.Integer(), server_default='90', nullable=False))
        op.create_check_constraint(
            op.f('ck_communities_listing_expiry_days_range'), 'communities',
            'listing_expiry_days BETWEEN 1 AND 3650',
        )
    _seed_existing()
    create_search_index('listings')
    create_search_index('profiles')


# Frozen copy of the default category tree at the time of this revision.
DEFAULT_CATEGORIES = (
    ("companionship", "Companionship", "الرفقة والمؤانسة"),
    ("transport", "Transport and accompaniment", "التوصيل والمرافقة"),
    ("shopping", "Shopping and errands", "التسوق وقضاء الحاجات"),
    ("household", "Household help", "المساعدة المنزلية"),
    ("repairs", "Repairs and DIY", "الإصلاحات والأعمال اليدوية"),
    ("gardening", "Gardening", "البستنة"),
    ("cooking", "Cooking and meals", "الطبخ والوجبات"),
    ("tutoring", "Tutoring and languages", "الدروس الخصوصية واللغات"),
    ("digital", "Digital help", "المساعدة الرقمية"),
    ("paperwork", "Paperwork and forms", "الأوراق والنماذج"),
    ("health", "Health and wellbeing", "الصحة والعافية"),
    ("childcare", "Childcare support", "المساعدة في رعاية الأطفال"),
    ("arts", "Arts and crafts", "الفنون والحرف اليدوية"),
    ("community", "Admin and community work", "الأعمال الإدارية والمجتمعية"),
    ("other", "Other", "أخرى"),
)


def _seed_existing():
    conn = op.get_bind()
    now = datetime.now(UTC)
    communities = sa.table('communities', sa.column('id', sa.Integer))
    memberships = sa.table(
        'memberships', sa.column('id', sa.Integer), sa.column('user_id', sa.Integer),
        sa.column('status', sa.String),
    )
    users = sa.table('users', sa.column('id', sa.Integer), sa.column('display_name', sa.String))
    categories = sa.table(
        'categories', *(sa.column(c) for c in ('community_id', 'key', 'name_en', 'name_ar')),
        sa.column('position', sa.Integer),
        sa.column('created_at', timebank.models.base.UTCDateTime()),
    )
    profiles = sa.table(
        'profiles', sa.column('membership_id', sa.Integer), sa.column('languages', sa.String),
        sa.column('search_text', sa.Text),
        sa.column('updated_at', timebank.models.base.UTCDateTime()),
        *(sa.column(f'show_{name}', sa.Boolean) for name in VISIBLE + HIDDEN),
    )
    rows = [
        {'community_id': cid, 'key': key, 'name_en': en, 'name_ar': ar, 'position': n,
         'created_at': now}
        for cid in conn.execute(sa.select(communities.c.id)).scalars()
        for n, (key, en, ar) in enumerate(DEFAULT_CATEGORIES)
    ]
    if rows:
        op.bulk_insert(categories, rows)
    members = conn.execute(
        sa.select(memberships.c.id, users.c.display_name)
        .join(users, users.c.id == memberships.c.user_id)
        .where(memberships.c.status == 'active')
    ).all()
    if members:
        op.bulk_insert(profiles, [
            {'membership_id': mid, 'languages': '', 'search_text': index_text(name),
             'updated_at': now, **{f'show_{n}': True for n in VISIBLE},
             **{f'show_{n}': False for n in HIDDEN}}
            for mid, name in members
        ])


VISIBLE = ('bio', 'neighbourhood', 'languages', 'availability', 'skills')
HIDDEN = ('phone', 'email', 'address')


def downgrade():
    drop_search_index('profiles')
    drop_search_index('listings')
    if op.get_bind().dialect.name == 'sqlite':
        op.execute("ALTER TABLE communities DROP COLUMN listing_expiry_days")
    else:
        op.drop_constraint(op.f('ck_communities_listing_expiry_days_range'), 'communities')
        op.drop_column('communities', 'listing_expiry_days')

    op.drop_table('profiles')
    with op.batch_alter_table('listings', schema=None) as batch_op:
        batch_op.drop_index('ix_listings_neighbourhood')
        batch_op.drop_index(batch_op.f('ix_listings_owner_id'))
        batch_op.drop_index('ix_listings_expiry')
        batch_op.drop_index(batch_op.f('ix_listings_category_id'))
        batch_op.drop_index('ix_listings_browse')

    op.drop_table('listings')
    op.drop_table('categories')
