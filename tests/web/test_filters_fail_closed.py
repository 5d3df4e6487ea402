"""Filters that fail closed: a filter that cannot be applied exports nothing, writes no
export audit event, lists nothing and says which field is wrong; every id follows one rule
(ASCII digits in URLs, within the database's range)."""

from __future__ import annotations

import html
import itertools
from datetime import date
from urllib.parse import quote, urlencode

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_token_from
from tests.listing_factories import make_listing
from tests.web.ledger_helpers import login, make_town
from timebank.extensions import db
from timebank.models import AuditEvent, Exchange, ExchangeStatus
from timebank.services.community import proxies
from timebank.services.exchanges import lifecycle as exchanges

_keys = itertools.count(1)


def _exchange(town, provider, recipient, by=None):
    exchanges.record(
        town.community, actor=(by or provider).user, provider=provider, recipient=recipient,
        minutes=30, service_date=date(2026, 2, 3), category="gardening",
        idempotency_key=f"fail-closed-{next(_keys)}",
    )  # fmt: skip


@pytest.fixture
def town(app):
    """Salma gave Omar half an hour (posted); Omar's half hour for Grace waits for her."""
    town = make_town(require_confirmation=False)
    _exchange(town, town.salma, town.omar, by=town.omar)
    town.community.require_confirmation = True
    _exchange(town, town.omar, town.grace)
    db.session.commit()
    return town


def _events(prefix: str) -> int:
    return db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action.startswith(prefix))
    )


def _field_error(page: str, field: str) -> str | None:
    start = page.find(f'id="{field}-error"')
    if start < 0:
        return None
    return html.unescape(page[start : page.index("</p>", start)])


def _refused(response, field: str, message: str, status: int = 400) -> str:
    """The page of a refused filter: HTML (no file; 400 for an export, the page itself for
    a list), the message on its field and in the error summary."""
    page = response.get_data(as_text=True)
    assert response.status_code == status, response.status_code
    assert response.mimetype == "text/html"
    assert "attachment" not in response.headers.get("Content-Disposition", "")
    assert message in (_field_error(page, field) or ""), page[:2000]
    assert "error-summary" in page
    return page


# -- The audit log and its export --------------------------------------------------------

BAD_AUDIT_FILTERS = [
    ("object_id", "1e9999", "Enter a whole number, for example 12."),
    ("object_id", "99999999999999999999", "Enter a whole number, for example 12."),
    ("object_id", "0", "Enter a whole number, for example 12."),
    ("object_id", "-1", "Enter a whole number, for example 12."),
    ("object_id", "3.0", "Enter a whole number, for example 12."),
    ("actor_id", "abc", "Enter a whole number, for example 12."),
    ("actor_id", "2147483648", "Enter a whole number, for example 12."),
    ("date_from", "2026-02-30", "Not a valid date value."),
    ("date_to", "9999-12-31", "Choose dates between 2000 and 2100."),
    ("action", "login\x00", "Remove the invisible control characters."),
    ("object_type", "x" * 41, "Field cannot be longer than 40 characters."),
]


def _audit_url(town, path: str = "") -> str:
    return town.url(f"coordinator/audit/{path}")


@pytest.mark.parametrize(("field", "value", "message"), BAD_AUDIT_FILTERS)
def test_an_invalid_audit_filter_exports_nothing_and_records_nothing(
    client, auth, town, field, value, message
):
    """``POST …/audit/export`` with a filter that cannot be applied: no CSV (not the
    whole log), no ``audit.export`` event, the field's message on the audit page."""
    login(auth, town.coordinator)
    before = _events("audit.export")
    response = auth.post(_audit_url(town, "export"), {field: value}, page=_audit_url(town))
    page = _refused(response, field, message)
    assert "Correct the filter above" in page
    assert "Export as CSV" not in page
    assert _events("audit.export") == before


@pytest.mark.parametrize(("field", "value", "message"), BAD_AUDIT_FILTERS)
def test_an_invalid_audit_filter_lists_no_events(client, auth, town, field, value, message):
    """The audit log with a filter that cannot be applied lists nothing (never everything)."""
    login(auth, town.coordinator)
    response = client.get(_audit_url(town) + "?" + urlencode({field: value}))
    page = _refused(response, field, message, status=200)
    assert "<table" not in page


def test_a_valid_audit_filter_exports_only_its_rows(client, auth, town):
    """An object number narrows the export to that object's events (typed in Arabic-Indic
    digits too), and the export is audited with the filter."""
    login(auth, town.coordinator)
    exchange = db.session.scalars(select(Exchange).order_by(Exchange.id)).first()
    typed = str(exchange.id).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    filters = {"object_type": "exchanges", "object_id": typed}
    response = auth.post(_audit_url(town, "export"), filters, page=_audit_url(town))
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = response.get_data(as_text=True).strip().splitlines()[1:]
    assert rows and all(f",exchanges,{exchange.id}," in row for row in rows)
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "audit.export")).one()
    assert event.details == {"object_type": "exchanges", "object_id": str(exchange.id)}


# -- The coordinator's exports and reports -----------------------------------------------

BAD_PERIODS = [
    ("period=2026-Q9", "period", "Choose a month, a quarter, a year or two dates."),
    ("period=1999", "period", "Choose dates between 2000 and 2100."),
    ("start=2026-13-01&end=2026-12-31", "start", "Not a valid date value."),
    ("period=custom&start=2026-01-01", "start", "Enter both dates of your period."),
]


@pytest.mark.parametrize("kind", ["exchanges", "members"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize(("query", "field", "message"), BAD_PERIODS)
def test_an_invalid_period_exports_nothing(client, auth, town, kind, fmt, query, field, message):
    """The exchange ledger and member list with a period that is not one: no file, no
    ``export.*`` event, the reports page with the period's message."""
    login(auth, town.coordinator)
    before = _events("export.")
    response = client.get(town.url(f"exports/{kind}.{fmt}?{query}"))
    _refused(response, field, message)
    assert _events("export.") == before


@pytest.mark.parametrize("label", ["2026-Q9", "2026-13", "1999", "x", "2026-02-30_2026-03-01"])
def test_an_invalid_report_period_produces_no_report(client, auth, town, label):
    """A report for a period that is not one: the error page, no file, no event."""
    login(auth, town.coordinator)
    before = _events("report.")
    response = client.get(town.url(f"reports/{quote(label)}.pdf"))
    assert response.status_code == 400 and response.mimetype == "text/html"
    assert _events("report.") == before


def test_the_statement_download_has_no_filter_to_widen(client, auth, town):
    """The member's statement CSV takes no filter: stray parameters change nothing (the
    same rows as without them) and each download is one audit event."""
    login(auth, town.salma)
    plain = client.get(town.url("hours/statement.csv")).get_data(as_text=True)
    odd = client.get(town.url("hours/statement.csv?account=1e9999&start=x&member=٣"))
    assert odd.status_code == 200 and odd.get_data(as_text=True) == plain
    assert _events("export.statement") == 2


@pytest.mark.parametrize("fmt", ["xml", "", "json\x00"])
def test_an_invalid_format_downloads_no_personal_data(client, auth, town, fmt):
    """The personal data download with a format that is not offered: the field's
    message, no file, no ``privacy.export`` event."""
    login(auth, town.salma)
    response = auth.post("/account/data", {"password": "x", "format": fmt}, page="/account/data")
    page = response.get_data(as_text=True)
    assert response.mimetype == "text/html" and "my-timebank-data" not in str(response.headers)
    assert "Not a valid choice" in page
    assert _events("privacy.export") == 0


# -- Lists -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("status=recorded&member=abc", "member", "Enter a whole number, for example 12."),
        ("status=recorded&member=99999999999", "member", "Enter a whole number, for example 12."),
        ("status=everything", "status", "Not a valid choice."),
        ("status=recorded&date_from=2026-02-31", "date_from", "Not a valid date value."),
    ],
)
def test_an_invalid_queue_filter_lists_no_exchange(client, auth, town, query, field, message):
    """The approval queue with a filter that cannot be applied shows nothing, not the
    whole queue."""
    login(auth, town.coordinator)
    waiting = client.get(town.url("hours/queue?status=recorded")).get_data(as_text=True)
    assert "Grace Miller" in waiting.split("</form>", 1)[1]
    page = _refused(client.get(town.url(f"hours/queue?{query}")), field, message, status=200)
    assert "Grace Miller" not in page.split("</form>", 1)[1]


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("number=abc", "number", "Enter a whole number, for example 12."),
        ("number=1e3", "number", "Enter a whole number, for example 12."),
        ("number=99999999999999999999", "number", "Enter a whole number, for example 12."),
        ("status=everyone", "status", "Choose from the list."),
        ("filter=everyone", "status", "Choose from the list."),
    ],
)
def test_an_invalid_member_list_filter_lists_nobody(client, auth, town, query, field, message):
    """The console's member list with a status, filter or number that is not one lists
    nobody (not every member of every status)."""
    login(auth, town.coordinator)
    response = client.get(town.url(f"coordinator/members/?{query}"))
    page = _refused(response, field, message, status=200)
    assert "Omar Farouk" not in page


def test_a_member_number_in_arabic_indic_digits_finds_the_member(client, auth, town):
    """The member number filter reads ٣ as 3, by the shared rule for typed numbers."""
    login(auth, town.coordinator)
    typed = str(town.omar.member_number).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    response = client.get(town.url(f"coordinator/members/?number={typed}"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Omar Farouk" in page and "Salma Khoury" not in page


@pytest.mark.parametrize("path", ["listings/", "people/"])
@pytest.mark.parametrize("query", ["category=abc", "category=٣", "kind=gift", "language=xx"])
def test_an_invalid_search_facet_finds_nothing(client, auth, town, path, query):
    """Browsing listings or people with a facet that is not one of the choices finds
    nothing (not everything) and says which one is wrong."""
    make_listing(town.omar, title="Bread baking")
    login(auth, town.salma)
    response = client.get(town.url(f"{path}?{query}"))
    field = query.split("=")[0]
    page = _refused(response, field, "Choose from the list.", status=200)
    results = page.split("</form>", 1)[1]
    assert "Bread baking" not in results and "Omar Farouk" not in results


@pytest.mark.parametrize("query", ["start=2026-02-30", "start=2026-03-01&end=2026-02-01"])
def test_an_invalid_period_prints_no_statement(client, auth, town, query):
    """The printable statement (console and proxy) with days that cannot be used shows
    no postings, only the message."""
    proxies.appoint(town.salma, town.grace, actor=town.coordinator.user)
    db.session.commit()
    login(auth, town.coordinator)
    url = town.url(f"coordinator/members/{town.salma.id}/statement")
    assert "Omar Farouk" in client.get(url).get_data(as_text=True)
    response = client.get(f"{url}?{query}")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Correct the days above to see the statement." in page and "Omar Farouk" not in page
    login(auth, town.grace)
    proxy = client.get(town.url(f"for/{town.salma.id}/statement?{query}"))
    assert proxy.status_code == 400 and "Omar Farouk" not in proxy.get_data(as_text=True)


# -- One spelling of an id in a URL ------------------------------------------------------


def test_an_exchange_has_one_address(client, auth, town):
    """``/hours/exchanges/3`` is the exchange; Arabic-Indic or fullwidth digits, a leading
    zero or a number beyond 64 bits are not another address of it (404, never a 500)."""
    login(auth, town.salma)
    exchange = db.session.scalars(select(Exchange).order_by(Exchange.id)).first()
    number = str(exchange.id)
    assert client.get(town.url(f"hours/exchanges/{number}")).status_code == 200
    for spelling in (
        number.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")),
        number.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")),
        number.translate(str.maketrans("0123456789", "０１２３４５６７８９")),
        "0" + number,
        "99999999999999999999",
        "18446744073709551616",
        "2147483648",
    ):
        response = client.get(town.url(f"hours/exchanges/{quote(spelling)}"))
        assert response.status_code == 404, spelling


def test_bulk_decisions_ignore_ids_that_are_not_ids(client, auth, town):
    """The approval queue's bulk form reads its ids by the same rule: other spellings and
    overflowing numbers choose nothing (never a 500)."""
    login(auth, town.coordinator)
    page = client.get(town.url("hours/queue")).get_data(as_text=True)
    response = client.post(
        town.url("hours/queue/decide"),
        data={
            "csrf_token": csrf_token_from(page),
            "decision": "approve",
            "ids": ["٣", "99999999999999999999", "1e3", "-1"],
        },  # fmt: skip
    )
    assert response.status_code == 302
    db.session.expire_all()
    statuses = db.session.scalars(select(Exchange.status).order_by(Exchange.id)).all()
    assert statuses == [ExchangeStatus.POSTED, ExchangeStatus.RECORDED]
