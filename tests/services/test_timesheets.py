"""Paper timesheets: preview, duplicate detection, and all-or-nothing posting."""

from __future__ import annotations

from datetime import date

import pytest

from tests.services.conftest import audit_count, key, ledger_counts
from timebank.extensions import db
from timebank.models import ExchangeStatus
from timebank.services.exceptions import InvalidInput, LimitExceeded, NotAllowed
from timebank.services.exchanges import timesheets


def _row(provider, recipient, when="2026-11-03", duration="1:30", category="gardening", note=""):
    return {"provider": str(provider.member_number), "recipient": str(recipient.member_number),
            "date": when, "duration": duration, "category": category, "note": note}  # fmt: skip


def _submit(bank, rows, accept=False):
    result = timesheets.submit(
        bank.community, actor=bank.coordinator.user, rows=rows, idempotency_key=key(),
        accept_duplicates=accept,
    )  # fmt: skip
    db.session.commit()
    return result


def _gardening(bank):
    """Categories are found by key or by name in either language."""
    return "Gardening"


def test_preview_looks_up_names_and_accepts_every_duration_form(bank):
    """Numbers resolve to members; 1:30, 90, 1.5 and Arabic-Indic digits all read."""
    cat = _gardening(bank)
    rows = [_row(bank.a, bank.b, duration=d, category=cat) for d in ("1:30", "90", "1.5", "١:٣٠")]
    rows[3]["date"] = "٣/١١/٢٠٢٦"
    checked = timesheets.preview(bank.community, actor=bank.coordinator.user, rows=rows)
    assert [s.minutes for s in checked] == [90, 90, 90, 90]
    assert checked[3].service_date == date(2026, 11, 3)
    assert checked[0].provider.id == bank.a.id and checked[0].ok
    assert all(s.duplicate for s in checked[1:])  # repeated in the batch


def test_batch_posts_all_rows_following_the_policy(bank):
    """Every row is recorded on behalf of the provider and posted (no approval rule)."""
    cat = _gardening(bank)
    posted = _submit(bank, [_row(bank.a, bank.b, category=cat),
                            _row(bank.b, bank.c, duration="45", category=cat)])  # fmt: skip
    assert [e.status for e in posted] == [ExchangeStatus.POSTED] * 2
    assert posted[0].on_behalf_of_id == bank.a.user_id
    assert bank.balance(bank.a) == 90 and bank.balance(bank.c) == -45
    assert audit_count("timesheet.batch") == 1


def test_a_bad_row_saves_nothing_and_every_error_is_listed(bank):
    """One bad row rejects the whole batch; each problem is reported on its field."""
    cat = _gardening(bank)
    before = ledger_counts()
    rows = [
        _row(bank.a, bank.b, category=cat),
        {**_row(bank.a, bank.b, category=cat), "provider": "999", "duration": "abc",
         "date": "31/02/2026", "category": "nope"},
    ]  # fmt: skip
    with pytest.raises(InvalidInput):
        _submit(bank, rows)
    db.session.rollback()
    assert ledger_counts() == before
    checked = timesheets.preview(bank.community, actor=bank.coordinator.user, rows=rows)
    assert set(checked[1].errors) == {"provider", "duration", "date", "category"}


def test_duplicates_are_flagged_and_need_confirmation(bank):
    """A slip already recorded is flagged; posting needs an explicit confirmation."""
    cat = _gardening(bank)
    _submit(bank, [_row(bank.a, bank.b, category=cat)])
    before = ledger_counts()
    rows = [_row(bank.a, bank.b, category=cat), _row(bank.b, bank.c, category=cat)]
    checked = timesheets.preview(bank.community, actor=bank.coordinator.user, rows=rows)
    assert checked[0].duplicate and not checked[1].duplicate
    with pytest.raises(InvalidInput) as error:
        _submit(bank, rows)
    assert error.value.field == "accept_duplicates"
    db.session.rollback()
    assert ledger_counts() == before
    assert len(_submit(bank, rows, accept=True)) == 2


def test_a_limit_on_any_row_rolls_back_the_batch(bank):
    """If the second row would break a limit, the first is not saved either."""
    cat = _gardening(bank)
    before = ledger_counts()
    rows = [_row(bank.a, bank.b, duration="8:00", category=cat),
            _row(bank.c, bank.b, duration="8:00", category=cat)]  # fmt: skip
    with pytest.raises(LimitExceeded):
        _submit(bank, rows)
    db.session.rollback()
    assert ledger_counts() == before


def test_members_cannot_enter_timesheets(bank):
    """Batch entry is for coordinators."""
    with pytest.raises(NotAllowed):
        timesheets.preview(bank.community, actor=bank.a.user, rows=[])
