"""Coordinator exports for a period: the exchange ledger and the member list, as streamed
CSV (formula-safe, memory flat: rows are read in batches, ``streaming.rows``, and written
in chunks)
or XLSX (openpyxl's write-only mode, spooled to a temporary file). Each export leaves one
audit event (``export.exchanges`` / ``export.members``)."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterable, Iterator
from typing import IO

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, String, and_, case, cast, func, select
from sqlalchemy.orm import Session, aliased

from timebank.database import read_only
from timebank.extensions import db
from timebank.models import Account, Community, Exchange, Membership, User
from timebank.services import audit
from timebank.services.csvsafe import stream_rows
from timebank.services.exceptions import InvalidInput
from timebank.services.metrics import lookups, queries
from timebank.services.metrics.periods import Period
from timebank.services.reports import streaming
from timebank.services.reports.writers import header_row, xlsx_row

KINDS = ("exchanges", "members")
BATCH = streaming.BATCH


def check_kind(kind: str, fmt: str) -> None:
    if kind not in KINDS or fmt not in ("csv", "xlsx"):
        raise InvalidInput(_l("Choose the exchanges or the members, as CSV or XLSX."))


def exchange_header() -> list[str]:
    return [_("Exchange"), _("Date"), _("Kind"), _("Status"), _("Giver number"), _("Giver"),
            _("Receiver number"), _("Receiver"), _("Category"), _("Minutes"),
            _("Reverses exchange"), _("Group"), _("Recorded at"), _("Decided at")]  # fmt: skip


def _utc_text(column, dialect: str):
    """A timestamp as ``YYYY-MM-DD HH:MM:SS`` UTC text, formatted by the database (parsing
    a million timestamps into Python objects only to print them again is the slow part)."""
    if dialect == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD HH24:MI:SS")
    return func.substr(column, 1, 19)


def _utc_day(column, dialect: str):
    """A timestamp's UTC day as ``YYYY-MM-DD`` text, formatted by the database."""
    if dialect == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD")
    return func.substr(column, 1, 10)


def exchange_statement(community_id: int, period: Period, *, pot: str, dialect: str):
    """Every exchange dated in the period, whatever its status: the ledger as recorded.
    The community pot has no member number and is named ``pot``. Columns come back as
    plain text and integers, ready to write."""
    pa, ra = aliased(Account), aliased(Account)
    pm, rm = aliased(Membership), aliased(Membership)
    pu, ru = aliased(User), aliased(User)
    return (
        select(
            Exchange.id,
            cast(Exchange.service_date, String),
            cast(Exchange.kind, String),
            cast(Exchange.status, String),
            pm.member_number,
            func.coalesce(pu.display_name, pot),
            rm.member_number,
            func.coalesce(ru.display_name, pot),
            Exchange.category,
            cast(Exchange.minutes, Integer),
            Exchange.reverses_exchange_id,
            Exchange.group_id,
            _utc_text(Exchange.created_at, dialect),
            _utc_text(Exchange.decided_at, dialect),
        )
        .join(pa, pa.id == Exchange.provider_account_id)
        .outerjoin(pm, pm.id == pa.membership_id)
        .outerjoin(pu, pu.id == pm.user_id)
        .join(ra, ra.id == Exchange.recipient_account_id)
        .outerjoin(rm, rm.id == ra.membership_id)
        .outerjoin(ru, ru.id == rm.user_id)
        .where(
            Exchange.community_id == community_id,
            Exchange.service_date.between(period.start, period.end),
        )
        .order_by(Exchange.service_date, Exchange.id)
    )


def exchange_rows(community_id: int, period: Period, *, pot: str, session=None) -> Iterator:
    """The rows in batches, as plain rows from the session's connection: without the ORM's
    handling of each of perhaps a million rows."""
    connection = (session or db.session).connection()
    dialect = connection.dialect.name
    statement = exchange_statement(community_id, period, pot=pot, dialect=dialect)
    return streaming.rows(connection, statement, batch=BATCH)


def member_header() -> list[str]:
    return [_("Member number"), _("Name"), _("Role"), _("Status"), _("Joined"),
            _("Minutes given"), _("Minutes received"),
            _("Balance at the end (minutes)")]  # fmt: skip


def member_rows(community_id: int, period: Period, *, session=None) -> Iterator[tuple]:
    """Every admitted member with the period's minutes given and received (counted
    exchanges) and their balance at the end of the period, from the entries."""
    sides = queries.legs(community_id, period.start, period.end)
    totals = (
        select(
            sides.c.account_id,
            func.sum(case((sides.c.gave == 1, sides.c.minutes), else_=0)).label("given"),
            func.sum(case((sides.c.gave == 0, sides.c.minutes), else_=0)).label("received"),
        )
        .group_by(sides.c.account_id)
        .subquery()
    )
    end = queries.end_of(period.end)
    connection = (session or db.session).connection()
    admitted = _utc_day(func.coalesce(Membership.decided_at, Membership.created_at),
                        connection.dialect.name)  # fmt: skip
    statement = (
        select(
            Membership.member_number,
            User.display_name,
            Membership.role,
            Membership.status,
            admitted,
            func.coalesce(totals.c.given, 0),
            func.coalesce(totals.c.received, 0),
            func.coalesce(queries.balance_before(Account, end, session=session), 0),
        )  # fmt: skip
        .join(User, User.id == Membership.user_id)
        .outerjoin(Account, Account.membership_id == Membership.id)
        .outerjoin(totals, totals.c.account_id == Account.id)
        .where(and_(Membership.community_id == community_id, Membership.member_number.is_not(None)))
        .order_by(Membership.member_number)
    )
    for number, name, role, status, joined, given, received, balance in streaming.rows(
        connection, statement, batch=BATCH
    ):
        yield (number, name, str(role), str(status), joined,
               int(given), int(received), int(balance))  # fmt: skip


def _source(kind: str, community_id: int, period: Period) -> tuple[list[str], Iterable[tuple]]:
    if kind == "exchanges":
        return exchange_header(), exchange_rows(community_id, period, pot=_("Community pot"))
    return member_header(), member_rows(community_id, period)


def record(community: Community, kind: str, fmt: str, period: Period, *, actor: User | None):
    """Check the request and write its audit event; the caller commits, then streams."""
    check_kind(kind, fmt)
    audit.record(f"export.{kind}", actor=actor, community_id=community.id, obj=community,
                 details={"period": period.label, "format": fmt})  # fmt: skip


def filename(community: Community, kind: str, fmt: str, period: Period, locale: str) -> str:
    """``<kind>-<community>-<period>-<language>.<fmt>``: the labels are in ``locale``."""
    return f"{kind}-{community.slug}-{period.label}-{locale}.{fmt}"


def csv_stream(kind: str, community_id: int, period: Period) -> Iterator[str]:
    """CSV text in chunks for a streamed response. Labels are translated now; rows are read
    as the chunks are consumed, after the request has ended, so through a session of their
    own (not the request's, which is gone by then)."""
    header = exchange_header() if kind == "exchanges" else member_header()
    pot = _("Community pot")
    engine = db.engine

    def generate() -> Iterator[str]:
        # A read: on SQLite begin DEFERRED, never holding the write lock while streaming.
        token = read_only.set(True)
        try:
            with Session(engine) as session:
                if kind == "exchanges":
                    rows = exchange_rows(community_id, period, pot=pot, session=session)
                else:
                    rows = member_rows(community_id, period, session=session)
                yield from stream_rows(header, rows, batch=1000)
        finally:
            with contextlib.suppress(ValueError):  # iterated from another context
                read_only.reset(token)

    return generate()


EXCHANGE_KINDS = ["int", "date", "kind", "status", "int", "user", "int", "user", "category",
                  "minutes", "int", "int", "text", "text"]  # fmt: skip
MEMBER_KINDS = ["int", "user", "role", "status", "date", "minutes", "minutes", "minutes"]


def xlsx_file(kind: str, community_id: int, period: Period, *, rtl: bool) -> IO[bytes]:
    """The workbook in a spooled temporary file (memory is bounded; large ones go to disk).
    The header row is frozen; dates are dates, kinds, statuses, roles and categories are
    named in the reader's language."""
    from openpyxl import Workbook  # here, not at import: the command line never needs it

    header, rows = _source(kind, community_id, period)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Exchanges") if kind == "exchanges" else _("Members"))
    sheet.sheet_view.rightToLeft = rtl
    sheet.freeze_panes = "A2"
    sheet.append(header_row(sheet, header))
    kinds = EXCHANGE_KINDS if kind == "exchanges" else MEMBER_KINDS
    names = lookups.category_names(community_id, "ar" if rtl else "en")
    category = kinds.index("category") if "category" in kinds else None
    for row in rows:
        values = list(row)
        if category is not None:
            values[category] = names.get(values[category], values[category])
        sheet.append(xlsx_row(sheet, [k if k != "category" else "user" for k in kinds], values))
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
    book.save(spool)
    spool.seek(0)
    return spool
