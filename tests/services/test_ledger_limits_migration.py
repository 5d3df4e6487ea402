"""Migrations t_ledger_1 and t_ledger_2 with data in place (SQLite and PostgreSQL): the
limit CHECKs give way to triggers while entries refer to the accounts, and each
community's single approval rule becomes the equivalent condition list, and back."""

from __future__ import annotations

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from timebank.extensions import db
from timebank.services.ledger import posting as ledger
from timebank.services.ledger.verification import verify_community

RULES = {"never": "", "always": "always", "above_minutes": "above_minutes",
         "companionship": "companionship", "limit_crossed": "limit_crossed"}  # fmt: skip


def test_single_rules_become_condition_lists_and_back(bank):
    bank.post(bank.a, bank.b, 90)  # entries refer to the accounts throughout
    ledger.ensure_pot(bank.community)
    db.session.commit()
    community_id = bank.community.id
    db.session.remove()
    downgrade(revision="0012")
    with db.engine.begin() as conn:
        columns = {c["name"] for c in sa.inspect(conn).get_columns("communities")}
        assert "approval_rule" in columns and "approval_conditions" not in columns
        for n, rule in enumerate(RULES):
            conn.execute(
                sa.text(
                    "INSERT INTO communities (slug, name, locale, accepting_applications, "
                    "next_member_number, created_at, approval_rule) VALUES (:slug, 'C', 'en', "
                    "true, 1, '2026-01-01 00:00:00', :rule)"
                ),
                {"slug": f"rule-{n}", "rule": rule},
            )
        # The old CHECK is back: an account below its limit is refused.
        try:
            with conn.begin_nested():
                conn.execute(sa.text("UPDATE accounts SET credit_limit = 0 WHERE balance < 0"))
            refused = False
        except sa.exc.DBAPIError:
            refused = True
        assert refused
    upgrade()
    with db.engine.connect() as conn:
        got = dict(
            conn.execute(
                sa.text(
                    "SELECT slug, approval_conditions FROM communities WHERE slug LIKE 'rule-%'"
                )
            ).all()
        )
    assert got == {f"rule-{n}": conditions for n, conditions in enumerate(RULES.values())}
    # Now legal: a limit below the debt.
    with db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE accounts SET credit_limit = 0 WHERE balance < 0"))
    db.session.remove()
    community = db.session.get(type(bank.community), community_id)
    report = verify_community(community)
    assert report.ok and report.notes
