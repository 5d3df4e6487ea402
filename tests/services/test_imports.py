"""CSV import: dry run saves nothing; a bad row rejects the whole file with every error."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.services.conftest import audit_count, key, ledger_counts
from timebank.extensions import db
from timebank.models import Membership, User
from timebank.services.community import imports
from timebank.services.exceptions import InvalidInput, NotAllowed

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


def _run(bank, kind, data, dry_run=False):
    result = imports.run(bank.community, actor=bank.coordinator.user, kind=kind, data=data,
                         dry_run=dry_run, idempotency_key=key())  # fmt: skip
    db.session.commit()
    return result


def _members():
    return db.session.scalar(select(func.count()).select_from(Membership))


def _csv(bank, *lines):
    n = {m: str(getattr(bank, m).member_number) for m in ("a", "b", "c")}
    header = "provider,recipient,date,duration,category,note"
    return "\n".join([header, *(line.format(**n) for line in lines)]).encode()


def test_example_files_import(bank):
    """The documented example files import as they are (members first, then history)."""
    result = _run(bank, "members", (EXAMPLES / "members.csv").read_bytes())
    assert result.ok and result.created == 2
    assert audit_count("import.members") == 1
    history = (EXAMPLES / "exchanges.csv").read_bytes()
    assert _run(bank, "exchanges", history, dry_run=True).ok


def test_dry_run_changes_nothing(bank):
    """A dry run of a good file reports its rows and writes nothing."""
    before = (ledger_counts(), _members(), audit_count())
    data = _csv(bank, "{a},{b},2026-10-01,1:30,gardening,Weeding")
    result = _run(bank, "exchanges", data, dry_run=True)
    assert result.ok and len(result.rows) == 1
    assert (ledger_counts(), _members(), audit_count()) == before
    _run(bank, "exchanges", data)
    assert bank.balance(bank.a) == 90 and bank.balance(bank.b) == -90


def test_a_bad_file_lists_every_error_and_saves_nothing(bank):
    """Unknown numbers, bad dates and durations, duplicates and formulas: all listed."""
    before = ledger_counts()
    data = _csv(
        bank,
        "{a},{b},2026-10-01,1:30,gardening,ok",
        "{a},999,2026-10-01,1:30,gardening,unknown member",
        "{a},{b},2026-13-45,1:30,gardening,bad date",
        "{a},{b},2026-10-02,abc,gardening,bad duration",
        "{a},{b},2026-10-01,1:30,gardening,duplicate of line 2",
        '{b},{c},2026-10-03,1:00,gardening,=HYPERLINK("x")',
    )
    result = _run(bank, "exchanges", data, dry_run=True)
    found = {(p.line, p.column) for p in result.problems}
    assert {(3, "recipient"), (4, "date"), (5, "duration"), (6, None), (7, "note")} <= found
    with pytest.raises(InvalidInput):
        _run(bank, "exchanges", data)
    db.session.rollback()
    assert ledger_counts() == before


def test_wrong_columns_are_refused(bank):
    """A file whose header is not the documented one is refused at line 1."""
    result = _run(bank, "members", b"nom,courriel\nA,a@example.org\n", dry_run=True)
    assert [(p.line, p.column) for p in result.problems] == [(1, None)]


@pytest.mark.parametrize(
    "encoding", ["utf-8", "utf-8-sig", "cp1256"], ids=["utf8", "utf8-bom", "windows-1256"]
)
def test_encodings_are_read(bank, encoding):
    """UTF-8 with or without BOM and Windows-1256 Arabic all read the same names."""
    data = "name,email,phone,language\nسلمى حداد,,+962 7 9000 0001,ar\n".encode(encoding)
    result = _run(bank, "members", data)
    assert result.ok, result.problems
    assert db.session.scalar(select(User).where(User.display_name == "سلمى حداد")) is not None


def test_member_file_problems(bank):
    """Duplicate and existing addresses, empty names, unknown languages, formula cells."""
    existing = bank.a.user.email
    data = (
        "name,email,phone,language\n"
        f"A,{existing},,en\n"
        "B,b@example.org,,fr\n"
        ",c@example.org,,\n"
        "D,b@example.org,@SUM(1),\n"
    ).encode()
    result = _run(bank, "members", data, dry_run=True)
    found = {(p.line, p.column) for p in result.problems}
    assert found == {(2, "email"), (3, "language"), (4, "name"), (5, "email"), (5, "phone")}


def test_members_cannot_import(bank):
    """Import is for coordinators."""
    with pytest.raises(NotAllowed):
        imports.run(bank.community, actor=bank.a.user, kind="members", data=b"", dry_run=True)
