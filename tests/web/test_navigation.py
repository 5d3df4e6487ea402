"""Navigation by role: a member's pages in the header, a coordinator's console beside
them with the number of exchanges waiting for approval; the member's home shows the
balance and what waits for them; the counts are read once per request."""

from __future__ import annotations

import itertools
import re
from datetime import date

import pytest

from tests.web.ledger_helpers import login, make_town
from timebank.extensions import db
from timebank.services.community import waiting
from timebank.services.exchanges import lifecycle as exchanges

_keys = itertools.count(1)


@pytest.fixture
def town(app):
    town = make_town(require_confirmation=True)
    # Omar records help Salma gave him: it waits for Salma's confirmation.
    exchanges.record(
        town.community, actor=town.omar.user, provider=town.salma, recipient=town.omar,
        minutes=30, service_date=date(2026, 11, 2), category="gardening",
        idempotency_key=f"nav-{next(_keys):08d}",
    )  # fmt: skip
    db.session.commit()
    return town


def _header(page: str) -> str:
    return page.split('<main id="main"')[0]


@pytest.mark.parametrize(
    ("locale", "words"),
    [("en", ["Home", "Offers and requests", "Record hours", "Statement", "Messages"]),
     ("ar", ["الرئيسية", "العروض والطلبات", "سجّل ساعات", "كشف الحساب", "الرسائل"])],
)  # fmt: skip
def test_member_sees_their_pages_and_no_console(client, auth, town, locale, words):
    town.salma.user.locale = locale
    db.session.commit()
    login(auth, town.salma)
    header = _header(client.get(town.url("listings/")).get_data(as_text=True))
    for word in words:
        assert word in header
    assert "/coordinator/" not in header and "hours/queue" not in header
    assert 'aria-current="page"' in header


def test_coordinator_sees_the_console_with_the_approvals_count(client, auth, town, monkeypatch):
    from timebank.models import Exchange, ExchangeStatus

    db.session.execute(
        db.update(Exchange).values(status=ExchangeStatus.AWAITING_APPROVAL)
    )  # the one exchange now waits for a coordinator
    db.session.commit()
    calls = []
    real = waiting.waiting
    monkeypatch.setattr(waiting, "waiting", lambda *a: calls.append(a) or real(*a))
    login(auth, town.coordinator)
    page = client.get(town.url("hours/queue")).get_data(as_text=True)
    header = _header(page)
    for word in ("Console", "Approvals", "Members", "Companionship", "Safeguarding", "Reports",
                 "Settings"):  # fmt: skip
        assert word in header
    assert 'Approvals <span class="badge">1<' in header
    assert len(calls) == 1  # one service call for the whole page


@pytest.mark.parametrize(("locale", "expected"), [
    ("en", ["My balance", "0 min", "1 exchange waits for your confirmation"]),
    ("ar", ["رصيدي", "٠ د", "تبادل واحد بانتظار تأكيدك"]),
])  # fmt: skip
def test_member_home_shows_balance_and_what_waits(client, auth, town, locale, expected):
    town.salma.user.locale = locale
    db.session.commit()
    login(auth, town.salma)
    page = client.get(f"/c/{town.community.slug}/").get_data(as_text=True)
    for text in expected:
        assert text in page
    assert '<span class="badge">' in _header(page)  # the confirmation on the Home link


def test_waiting_is_nothing_without_an_active_membership(app):
    assert waiting.waiting(None, None) == waiting.NOTHING  # type: ignore[arg-type]


# --- the counts kept between pages (NAVIGATION_CACHE_SECONDS) -----------------------------


def _awaiting_approval(town):
    from timebank.models import Exchange, ExchangeStatus

    db.session.execute(db.update(Exchange).values(status=ExchangeStatus.AWAITING_APPROVAL))
    db.session.commit()
    return db.session.scalars(db.select(Exchange)).one()


def _counting(monkeypatch) -> list:
    calls: list = []
    real = waiting.waiting
    monkeypatch.setattr(waiting, "waiting", lambda *a: calls.append(a) or real(*a))
    return calls


def test_the_counts_are_kept_between_pages_and_renewed_by_the_readers_own_action(
    client, auth, town, monkeypatch
):
    exchange = _awaiting_approval(town)
    login(auth, town.coordinator)
    calls = _counting(monkeypatch)
    assert 'Approvals <span class="badge">1<' in _header(
        client.get(town.url("hours/queue")).get_data(as_text=True)
    )
    client.get(town.url("listings/"))
    assert len(calls) == 1  # the second page used the kept counts
    response = auth.post(
        town.url(f"hours/exchanges/{exchange.id}/approve"), {}, page=town.url("hours/queue")
    )
    assert response.status_code in (302, 303)
    header = _header(client.get(town.url("hours/queue")).get_data(as_text=True))
    assert 'Approvals <span class="badge">' not in header  # at once, not after the TTL
    assert len(calls) >= 2


def test_a_reader_never_sees_another_readers_counts(client, auth, town):
    login(auth, town.salma)  # one exchange waits for Salma's confirmation
    assert '<span class="badge">' in _header(client.get(town.url("listings/")).get_data(True))
    login(auth, town.omar)  # Omar recorded it: nothing waits for him
    assert '<span class="badge">' not in _header(client.get(town.url("listings/")).get_data(True))
    login(auth, town.coordinator2)
    assert '<span class="badge">' not in _header(client.get(town.url("listings/")).get_data(True))


def test_the_member_home_counts_afresh(client, auth, town, monkeypatch):
    login(auth, town.salma)
    calls = _counting(monkeypatch)
    client.get(town.url("listings/"))
    client.get(f"/c/{town.community.slug}/")
    client.get(f"/c/{town.community.slug}/")
    assert len(calls) == 3


@pytest.mark.parametrize("app_config", [{"NAVIGATION_CACHE_SECONDS": 0}])
def test_without_the_cache_every_page_counts(client, auth, town, monkeypatch, app_config):
    login(auth, town.salma)
    calls = _counting(monkeypatch)
    client.get(town.url("listings/"))
    client.get(town.url("listings/"))
    assert len(calls) == 2


def test_console_pages_link_each_destination_once_and_reach_them_all(client, auth, town):
    """The console's own link row no longer repeats the header's console navigation
    (Console, Members); every console destination is still a link, by keyboard, on each
    console page."""
    login(auth, town.coordinator)
    page = client.get(town.url("coordinator/")).get_data(as_text=True)
    section = page.split('class="section-nav"')[1].split("</nav>")[0]
    header = _header(page).split('class="nav-list console-nav"')[1].split("</ul>")[0]
    links = re.findall(r'href="([^"]+)"', section) + re.findall(r'href="([^"]+)"', header)
    assert len(links) == len(set(links))
    for path in (
        "coordinator/",
        "coordinator/members",
        "hours/queue",
        "companionship/",
        "applicants/",
        "coordinator/timesheet",
        "coordinator/import",
        "coordinator/announcements/",
        "coordinator/audit/",
        "coordinator/webhooks/",
    ):
        assert f'href="{town.url(path)}' in page, path


@pytest.mark.parametrize("who", ["salma", "coordinator"])
def test_the_home_page_adds_to_the_header_and_names_one_member_directory(client, auth, town, who):
    """The home page's link row holds no destination the header already links, and one
    member directory ("People"), not a second list of members."""
    login(auth, getattr(town, who))
    page = client.get(f"/c/{town.community.slug}/").get_data(as_text=True)
    section = page.split('class="section-nav"')[1].split("</nav>")[0]
    in_section = set(re.findall(r'href="([^"]+)"', section))
    in_header = set(re.findall(r'href="([^"]+)"', _header(page)))
    assert in_section and not in_section & in_header, in_section & in_header
    assert town.url("people/") in in_section
    assert town.url("members/") not in page
