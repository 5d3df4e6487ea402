"""Arabic-aware lookup and search: users.search_name (the folded display name the member
pickers compare), and the stored search text of listings and profiles rebuilt with the
light Arabic stems (``services.textsearch``)

Rows whose search text was emptied (erased members) stay empty. Downgrade drops the
column and leaves the richer search text in place (it only adds words).

Revision ID: t_people_2
Revises: t_people_1
Create Date: 2026-12-06 02:00:00

"""

import sqlalchemy as sa
from alembic import op

from timebank.services.textsearch import index_text, name_key

# revision identifiers, used by Alembic.
revision = "t_people_2"
down_revision = "t_people_1"
branch_labels = None
depends_on = None

users = sa.table(
    "users", sa.column("id", sa.Integer), sa.column("display_name", sa.String),
    sa.column("search_name", sa.String),
)
memberships = sa.table("memberships", sa.column("id", sa.Integer), sa.column("user_id", sa.Integer))
profiles = sa.table(
    "profiles", sa.column("id", sa.Integer), sa.column("membership_id", sa.Integer),
    sa.column("skills", sa.Text), sa.column("neighbourhood", sa.String),
    sa.column("show_skills", sa.Boolean), sa.column("show_neighbourhood", sa.Boolean),
    sa.column("search_text", sa.Text),
)
categories = sa.table(
    "categories", sa.column("id", sa.Integer), sa.column("name_en", sa.String),
    sa.column("name_ar", sa.String),
)
listings = sa.table(
    "listings", sa.column("id", sa.Integer), sa.column("category_id", sa.Integer),
    sa.column("title", sa.String), sa.column("description", sa.Text),
    sa.column("neighbourhood", sa.String), sa.column("when_text", sa.String),
    sa.column("search_title", sa.Text), sa.column("search_body", sa.Text),
)
BATCH = 500


def _update(conn, table, rows: list[dict]) -> None:
    """Write ``rows`` ({"_id": id, column: value}) in batches."""
    columns = [key for key in rows[0] if key != "_id"] if rows else []
    statement = (
        table.update()
        .where(table.c.id == sa.bindparam("_id"))
        .values({c: sa.bindparam(c) for c in columns})
    )
    for start in range(0, len(rows), BATCH):
        conn.execute(statement, rows[start : start + BATCH])


def upgrade():
    # Plain ALTER TABLE (as 0012): SQLite adds the column without rebuilding ``users``.
    op.execute("ALTER TABLE users ADD COLUMN search_name VARCHAR(400) DEFAULT '' NOT NULL")
    conn = op.get_bind()
    names = conn.execute(sa.select(users.c.id, users.c.display_name)).all()
    _update(conn, users, [{"_id": uid, "search_name": name_key(name)} for uid, name in names])
    rows = conn.execute(
        sa.select(profiles.c.id, users.c.display_name, profiles.c.skills, profiles.c.neighbourhood,
                  profiles.c.show_skills, profiles.c.show_neighbourhood)
        .join(memberships, memberships.c.id == profiles.c.membership_id)
        .join(users, users.c.id == memberships.c.user_id)
        .where(profiles.c.search_text != "")
    ).all()  # fmt: skip
    _update(conn, profiles, [
        {"_id": pid, "search_text": index_text(name, skills if show_skills else None,
                                               place if show_place else None)}
        for pid, name, skills, place, show_skills, show_place in rows
    ])  # fmt: skip
    rows = conn.execute(
        sa.select(listings.c.id, listings.c.title, listings.c.description,
                  listings.c.neighbourhood, listings.c.when_text, categories.c.name_en,
                  categories.c.name_ar)
        .join(categories, categories.c.id == listings.c.category_id)
        .where(listings.c.search_title != "")
    ).all()  # fmt: skip
    _update(conn, listings, [
        {"_id": lid, "search_title": index_text(title),
         "search_body": f"{index_text(body, place, when)} {index_text(en, ar)}".strip()}
        for lid, title, body, place, when, en, ar in rows
    ])  # fmt: skip


def downgrade():
    op.execute("ALTER TABLE users DROP COLUMN search_name")
