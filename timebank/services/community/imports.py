"""CSV import of members and of historical exchanges, for banks moving from paper,
spreadsheets or another platform. A file is checked as a whole: every problem is listed
by line and column, and nothing is saved unless every row is good (all or nothing). A dry
run checks without saving. Columns are documented in README ("Importing data") with
example files in ``docs/examples/``."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from timebank.extensions import db
from timebank.models import (
    Community,
    Exchange,
    ExchangeKind,
    ExchangeStatus,
    Membership,
    TextKind,
    User,
    utcnow,
)
from timebank.services import audit, permissions
from timebank.services.community import memberships, profiles
from timebank.services.csvsafe import looks_like_formula
from timebank.services.exceptions import InvalidInput, NotAllowed
from timebank.services.exchanges import slips
from timebank.services.ledger import posting as ledger
from timebank.services.ledger.checks import add_text, check_key, payload_hash
from timebank.services.listings import neighbourhoods

COLUMNS = {
    "members": ("name", "email", "phone", "language", "neighbourhood"),
    "exchanges": ("provider", "recipient", "date", "duration", "category", "note"),
}
REQUIRED = {
    "members": ("name",),
    "exchanges": ("provider", "recipient", "date", "duration", "category"),
}
MAX_ROWS = 5000
MAX_BYTES = 2_000_000


@dataclass
class Problem:
    line: int
    column: str | None
    message: object


@dataclass
class Result:
    kind: str
    rows: list[dict] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    created: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def decode(data: bytes) -> str:
    """UTF-8 (with or without a BOM), else Windows-1256 (Arabic Excel's default)."""
    if len(data) > MAX_BYTES:
        raise InvalidInput(_l("The file is too large (at most 2 MB)."), field="file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1256")
    except UnicodeDecodeError:
        raise InvalidInput(
            _l("Save the file as CSV in UTF-8 or Windows Arabic (1256)."), field="file"
        ) from None


def _formula(column: str, value: str) -> bool:
    if column == "phone" and value.lstrip().startswith("+"):
        return looks_like_formula(value.lstrip()[1:])
    if column == "duration":
        return False  # parsed strictly; "-1" gets the duration's own message
    return looks_like_formula(value)


def read(kind: str, text: str) -> Result:
    """Split the file into rows keyed by column, listing header and formula problems."""
    result = Result(kind=kind)
    reader = csv.reader(io.StringIO(text))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except (StopIteration, csv.Error):
        result.problems.append(Problem(1, None, _l("The file is empty.")))
        return result
    expected = COLUMNS[kind]
    unknown = [h for h in header if h not in expected]
    missing = [c for c in REQUIRED[kind] if c not in header]
    if unknown or missing or len(set(header)) != len(header):
        result.problems.append(
            Problem(1, None, _l("The columns must be: %(cols)s.", cols=", ".join(expected)))
        )
        return result
    try:
        for line, cells in enumerate(reader, start=2):
            if not any(c.strip() for c in cells):
                continue
            if len(result.rows) >= MAX_ROWS:
                result.problems.append(Problem(line, None, _l("At most 5000 rows per file.")))
                break
            if len(cells) != len(header):
                result.problems.append(
                    Problem(line, None, _l("This line has %(n)d cells.", n=len(cells)))
                )
                continue
            row = {"_line": line, **{c: "" for c in expected}}
            for column, value in zip(header, cells, strict=True):
                if _formula(column, value):
                    result.problems.append(
                        Problem(line, column, _l("A cell may not start with = + - or @."))
                    )
                row[column] = value.strip()
            result.rows.append(row)
    except csv.Error:
        result.problems.append(Problem(0, None, _l("The file is not valid CSV.")))
    return result


def _check_members(community: Community, result: Result) -> None:
    emails: set[str] = set()
    wanted = {r["email"].lower() for r in result.rows if r["email"]}
    taken = set(
        db.session.scalars(select(User.email).where(func.lower(User.email).in_(wanted)))
        if wanted
        else []
    )
    for row in result.rows:
        line, email = row["_line"], row["email"].lower()
        if not row["name"]:
            result.problems.append(Problem(line, "name", _l("Enter the person's name.")))
        elif len(row["name"]) > profiles.MAX_NAME:
            result.problems.append(Problem(line, "name", _l("The name is too long.")))
        if email and ("@" not in email or " " in email):
            result.problems.append(Problem(line, "email", _l("This is not an e-mail address.")))
        elif email in taken:
            result.problems.append(Problem(line, "email", _l("This address is already used.")))
        elif email in emails:
            result.problems.append(Problem(line, "email", _l("Duplicate row: this address "
                                                             "appears twice.")))  # fmt: skip
        if email:
            emails.add(email)
        if row["language"] and row["language"] not in ("en", "ar"):
            result.problems.append(Problem(line, "language", _l("Use en or ar.")))
        _check_place(community, row, result)


def _check_place(community: Community, row: dict, result: Result) -> None:
    """The row's neighbourhood in words, mapped to the community's list (either language,
    any case and spacing): ``row["_entry"]`` is the entry, or None when it is not listed
    (the member then keeps the words, as on their profile)."""
    text = " ".join(row["neighbourhood"].split())
    row["neighbourhood"] = text
    row["_entry"] = neighbourhoods.match(community, text)
    if len(text) > neighbourhoods.MAX_NAME_LENGTH:
        result.problems.append(
            Problem(row["_line"], "neighbourhood", _l("The neighbourhood is too long."))
        )


def _check_exchanges(community: Community, result: Result) -> list[slips.Slip]:
    checked = slips.check(community, [(row["_line"], row) for row in result.rows])
    for slip in checked:
        for column, message in slip.errors.items():
            result.problems.append(Problem(slip.line, column, message))
        if slip.duplicate:
            result.problems.append(Problem(slip.line, None, slip.duplicate))
    return checked


def run(
    community: Community,
    *,
    actor: User,
    kind: str,
    data: bytes,
    dry_run: bool,
    idempotency_key: str = "import-dry-run",
    now: datetime | None = None,
) -> Result:
    """Check (and unless ``dry_run``, save) a members or exchanges file. Problems come back
    in the result; a real run with problems raises ``InvalidInput`` before anything is
    written. Historical exchanges are posted at once (limits apply). Raises ``NotAllowed``,
    ``InvalidInput`` or ``LimitExceeded``. Audit: one ``import.members`` or
    ``import.exchanges`` event per saved file."""
    if not permissions.can_act_for_members(actor, community):
        raise NotAllowed()
    if kind not in COLUMNS:
        raise InvalidInput(_l("Choose what the file contains."), field="kind")
    now = now or utcnow()
    result = read(kind, decode(data))
    checked: list[slips.Slip] = []
    if result.rows and not any(p.line == 1 for p in result.problems):
        if kind == "members":
            _check_members(community, result)
        else:
            checked = _check_exchanges(community, result)
    result.problems.sort(key=lambda p: (p.line, p.column or ""))
    if dry_run:
        return result
    if not result.ok or not result.rows:
        raise InvalidInput(_l("The file has problems; nothing was saved."), field="file")
    key = check_key(idempotency_key)
    if kind == "members":
        for row in result.rows:
            member = memberships.create_member(
                community, actor=actor, display_name=row["name"], email=row["email"] or None,
                phone=row["phone"] or None, locale=row["language"] or None,
            )  # fmt: skip
            _settle_place(member, row)
    else:
        _post_history(community, actor, checked, key, now)
    result.created = len(result.rows)
    audit.record(f"import.{kind}", actor=actor, community_id=community.id,
                 details={"rows": result.created})  # fmt: skip
    return result


def _settle_place(member: Membership, row: dict) -> None:
    """The imported member lives at the row's entry, or in the row's words when not listed."""
    if not row["neighbourhood"]:
        return
    profile = profiles.ensure(member)
    entry = row.get("_entry")
    profile.neighbourhood_id = entry.id if entry is not None else None
    profile.neighbourhood = None if entry is not None else row["neighbourhood"]


def _post_history(community, actor, checked, key, now) -> None:
    exchanges = [
        Exchange(
            community_id=community.id,
            kind=ExchangeKind.EXCHANGE,
            status=ExchangeStatus.POSTED,
            provider_account_id=ledger.ensure_account(slip.provider).id,
            recipient_account_id=ledger.ensure_account(slip.recipient).id,
            minutes=slip.minutes,
            service_date=slip.service_date,
            category=slip.category,
            recorded_by_id=actor.id,
            decided_by_id=actor.id,
            decided_at=now,
            idempotency_key=f"{key[:50]}:import:{slip.line}",
            payload_hash=payload_hash("import", slip.line, slip.minutes),
            created_at=now,
        )
        for slip in checked
    ]
    ledger.post_new(exchanges, now=now)
    for exchange, slip in zip(exchanges, checked, strict=True):
        add_text(exchange, TextKind.DESCRIPTION, slip.note, author=actor)
