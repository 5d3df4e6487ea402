"""approval policy as a list of conditions; each queued exchange says which sent it

communities.approval_rule (one rule from a fixed list) becomes approval_conditions (a
comma-separated list, any of which sends an exchange to approval), with the new
approval_categories and approval_first_exchanges; exchanges.approval_reasons records which
conditions sent an exchange to the queue. Existing communities get the equivalent list.

Revision ID: t_ledger_2
Revises: t_ledger_1
Create Date: 2026-12-06 06:10:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "t_ledger_2"
down_revision = "t_ledger_1"
branch_labels = None
depends_on = None

NEW_COLUMNS = [
    ("approval_conditions", "VARCHAR(200) DEFAULT '' NOT NULL", None),
    ("approval_categories", "VARCHAR(400) DEFAULT '' NOT NULL", None),
    (
        "approval_first_exchanges",
        "INTEGER DEFAULT 3 NOT NULL",
        ("approval_first_exchanges_range", "approval_first_exchanges BETWEEN 1 AND 100"),
    ),
]
OLD_RULE = (
    "approval_rule VARCHAR(20) DEFAULT 'never' NOT NULL CONSTRAINT "
    "ck_communities_approval_rule_known CHECK (approval_rule IN ('never', 'always', "
    "'above_minutes', 'companionship', 'limit_crossed'))"
)


def upgrade():
    for name, spec, check in NEW_COLUMNS:
        constraint = f" CONSTRAINT ck_communities_{check[0]} CHECK ({check[1]})" if check else ""
        op.execute(f"ALTER TABLE communities ADD COLUMN {name} {spec}{constraint}")
    # The equivalent list: "never" is the empty list, every other rule is one condition.
    op.execute(
        "UPDATE communities SET approval_conditions = CASE approval_rule "
        "WHEN 'never' THEN '' ELSE approval_rule END"
    )
    op.execute("ALTER TABLE communities DROP COLUMN approval_rule")
    op.execute("ALTER TABLE exchanges ADD COLUMN approval_reasons VARCHAR(200)")


def downgrade():
    op.execute("ALTER TABLE exchanges DROP COLUMN approval_reasons")
    op.execute(f"ALTER TABLE communities ADD COLUMN {OLD_RULE}")
    # A list back to one rule: the strictest single rule the list contains.
    op.execute(
        "UPDATE communities SET approval_rule = CASE "
        "WHEN approval_conditions LIKE '%always%' THEN 'always' "
        "WHEN approval_conditions LIKE '%limit_crossed%' THEN 'limit_crossed' "
        "WHEN approval_conditions LIKE '%above_minutes%' THEN 'above_minutes' "
        "WHEN approval_conditions LIKE '%companionship%' THEN 'companionship' "
        "WHEN approval_conditions = '' THEN 'never' ELSE 'always' END"
    )
    for name, _spec, _check in reversed(NEW_COLUMNS):
        op.execute(f"ALTER TABLE communities DROP COLUMN {name}")
