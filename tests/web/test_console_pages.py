"""The coordinator console through the browser's forms: dashboard, lifecycle, timesheet,
import, audit log, announcements, proxies and the privacy pages."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import event, func, select

from tests.factories import PASSWORD, make_community, make_member
from tests.services.conftest import key
from timebank.extensions import db
from timebank.models import AuditEvent, Exchange, ExchangeStatus, MembershipStatus, Role
from timebank.services.community import proxies
from timebank.services.exchanges import lifecycle as exchanges
from timebank.services.ledger import posting as ledger


@pytest.fixture
def bank(app):
    community = make_community()
    coordinator = make_member(community, role=Role.COORDINATOR)
    a = make_member(community, name="Alia Member")
    b = make_member(community, name="Badr Member")
    ledger.ensure_accounts(community)
    db.session.commit()
    return community, coordinator, a, b


def _login(auth, membership):
    assert auth.login(membership.user.email, PASSWORD).status_code == 302


def _queries(client, url) -> int:
    statements = []

    def count(*_args):
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(statements)


def test_dashboard_query_count_does_not_grow_with_members(bank, auth):
    """Ten times the members, the same number of queries."""
    community, coordinator, a, b = bank
    _login(auth, coordinator)
    url = f"/c/{community.slug}/coordinator/"
    _queries(auth.client, url)  # warm caches
    few = _queries(auth.client, url)
    for _ in range(10):
        make_member(community, password=None)
    ledger.ensure_accounts(community)
    db.session.commit()
    assert _queries(auth.client, url) == few
    page = auth.client.get(url).get_data(as_text=True)
    assert "Members with no exchange in 60 days" in page and "Concerns raised" in page
    assert "Not available yet" not in page  # companionship registers its figures


def test_suspend_then_the_member_is_locked_out(bank, auth, app):
    """A suspended member's session ends and community pages answer 404."""
    community, coordinator, a, b = bank
    member_client = app.test_client()
    from tests.conftest import Browser

    member_browser = Browser(member_client)
    assert member_browser.login(a.user.email, PASSWORD).status_code == 302
    assert member_client.get(f"/c/{community.slug}/members/").status_code == 200
    _login(auth, coordinator)
    page = f"/c/{community.slug}/coordinator/members/{a.id}"
    response = auth.post(f"{page}/suspend", page=page)
    assert response.status_code == 302
    db.session.refresh(a)
    assert a.status == MembershipStatus.SUSPENDED
    assert member_client.get(f"/c/{community.slug}/members/").status_code in (302, 404)


def test_leaving_needs_confirmation_and_settles(bank, auth):
    """Without the box ticked nothing happens; with it the balance is settled."""
    community, coordinator, a, b = bank
    _login(auth, coordinator)
    url = f"/c/{community.slug}/coordinator/members/{a.id}/leave"
    response = auth.post(url, {}, page=url)
    assert response.status_code == 200 and "Tick the box to confirm." in response.get_data(
        as_text=True
    )
    db.session.refresh(a)
    assert a.status == MembershipStatus.ACTIVE
    assert auth.post(url, {"confirm": "y"}, page=url).status_code == 302
    db.session.refresh(a)
    assert a.status == MembershipStatus.LEFT


def test_timesheet_preview_flags_a_duplicate_then_saves_all(bank, auth):
    """The preview shows names and a duplicate; saving needs it confirmed, then all post."""
    community, coordinator, a, b = bank
    _login(auth, coordinator)
    url = f"/c/{community.slug}/coordinator/timesheet"
    form = {"idempotency_key": key()}
    for i, (p, r) in enumerate([(a, b), (b, a), (a, b)]):
        form.update({f"rows-{i}-provider": str(p.member_number),
                     f"rows-{i}-recipient": str(r.member_number),
                     f"rows-{i}-date": "2026-11-02", f"rows-{i}-duration": "1:00",
                     f"rows-{i}-category": "gardening"})  # fmt: skip
    html = auth.post(url, {**form, "action": "check"}, page=url).get_data(as_text=True)
    assert "Alia Member" in html and "Repeated in this batch" in html
    html = auth.post(url, {**form, "action": "save"}, page=url).get_data(as_text=True)
    assert "Some rows look like duplicates" in html
    assert db.session.scalar(select(func.count()).select_from(Exchange)) == 0
    response = auth.post(url, {**form, "action": "save", "accept_duplicates": "y"}, page=url)
    assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Exchange)) == 3


def test_import_dry_run_then_commit(bank, auth):
    """Uploading checks only; the import button saves the checked file."""
    import io

    community, coordinator, a, b = bank
    _login(auth, coordinator)
    url = f"/c/{community.slug}/coordinator/import"
    data = b"name,email,phone,language\nNew Person,new@example.org,,en\n"
    response = auth.post(url, {"kind": "members", "idempotency_key": key(), "action": "check",
                               "file": (io.BytesIO(data), "members.csv")}, page=url,
                         content_type="multipart/form-data")  # fmt: skip
    html = response.get_data(as_text=True)
    assert "1 rows are correct." in html
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "import.members")) == 0  # fmt: skip
    response = auth.post(url, {"kind": "members", "idempotency_key": key(), "action": "commit",
                               "content": data.decode()}, page=url)  # fmt: skip
    assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "import.members")) == 1  # fmt: skip


def test_audit_log_filters_and_audited_export(bank, auth):
    """Filtering by action narrows the list; the CSV export is itself audited."""
    community, coordinator, a, b = bank
    _login(auth, coordinator)
    url = f"/c/{community.slug}/coordinator/audit/"
    html = auth.client.get(url + "?action=login").get_data(as_text=True)
    assert "membership" not in html or "login" in html
    response = auth.post(f"/c/{community.slug}/coordinator/audit/export", {}, page=url)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.get_data(as_text=True).startswith("\ufeffid,created_at")
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "audit.export")) == 1  # fmt: skip


def test_announcement_shows_on_the_home_page(bank, auth):
    """A posted announcement appears on the community home page for members."""
    community, coordinator, a, b = bank
    _login(auth, coordinator)
    url = f"/c/{community.slug}/coordinator/announcements/"
    auth.post(url, {"title": "Picnic on Saturday", "body": "Bring a friend"}, page=url)
    assert "Picnic on Saturday" in auth.client.get(f"/c/{community.slug}/").get_data(as_text=True)


def test_a_bilingual_announcement_reads_each_part_in_its_language(bank, auth):
    """An announcement in English and Arabic: on the home page and in the console each
    part carries its own language and direction, so a screen reader switches voice; the
    separator between them and the heading read in the page's direction."""
    community, coordinator, a, b = bank
    _login(auth, coordinator)
    url = f"/c/{community.slug}/coordinator/announcements/"
    body = "Bring a neighbour! أحضروا جاراً معكم!"
    auth.post(url, {"title": "Coffee · قهوة", "body": body}, page=url)
    for page in (f"/c/{community.slug}/", url):
        html = auth.client.get(page).get_data(as_text=True)
        assert '<h3><span lang="en" dir="ltr">Coffee</span> · <span lang="ar"' in html
        assert '<span lang="ar" dir="rtl">قهوة</span>' in html
        assert '<span lang="ar" dir="rtl">أحضروا جاراً معكم!</span>' in html


def test_proxy_records_and_confirms_through_the_pages(bank, auth):
    """A proxy records for their member (marked) and confirms a pending exchange for them:
    a coordinator's record for the provider is the provider's word only, so it waits for
    the recipient (here, through their proxy)."""
    community, coordinator, a, b = bank
    proxies.appoint(a, b, actor=coordinator.user)
    pending = exchanges.record(community, actor=coordinator.user, provider=b, recipient=a,
                               minutes=30, service_date=community.created_at.date(),
                               category="gardening", idempotency_key=key(),
                               on_behalf_of=b)  # fmt: skip
    db.session.commit()
    assert pending.status == ExchangeStatus.RECORDED
    _login(auth, b)
    page = f"/c/{community.slug}/for/{a.id}/"
    auth.post(f"/c/{community.slug}/for/{a.id}/confirm", {"exchange_id": str(pending.id)},
              page=page)  # fmt: skip
    db.session.expire_all()
    url = f"/c/{community.slug}/for/{a.id}/record"
    other = make_member(community, password=None)
    response = auth.post(url, {"direction": "received", "other_number": str(other.member_number),
                               "service_date": "2026-11-01", "duration": "1:30",
                               "category": "gardening", "idempotency_key": key()},
                         page=url)  # fmt: skip
    assert response.status_code == 302
    recorded = db.session.scalar(select(Exchange).where(Exchange.recorded_by_id == b.user_id))
    assert recorded.on_behalf_of_id == a.user_id and recorded.minutes == 90
    assert pending.status == ExchangeStatus.POSTED  # confirmed by a's proxy
    assert pending.confirmed_by_id == b.user_id
    assert auth.client.get(f"/c/{community.slug}/for/{a.id}/statement").status_code == 200
    stranger = make_member(community, password=None)
    assert auth.client.get(f"/c/{community.slug}/for/{stranger.id}/").status_code == 404


def test_download_my_data_needs_the_password(bank, auth):
    """Wrong password: an error on the field. Right one: a JSON file with my e-mail."""
    community, coordinator, a, b = bank
    from tests.listing_factories import make_listing
    from timebank.services.messaging import conversations

    listing = make_listing(b, title="Bread baking")
    conversations.respond(listing, actor=a.user, body="Sourdough on Friday?")
    db.session.commit()
    _login(auth, a)
    response = auth.post("/account/data", {"password": "wrong", "format": "json"},
                         page="/account/data")  # fmt: skip
    assert "The password is not correct." in response.get_data(as_text=True)
    response = auth.post("/account/data", {"password": PASSWORD, "format": "json"},
                         page="/account/data")  # fmt: skip
    data = json.loads(response.get_data(as_text=True))
    assert data["user"]["email"] == a.user.email
    (message,) = data["messages_written"]
    assert message["text"] == "Sourdough on Friday?" and message["counterpart"] == "Badr Member"
    response = auth.post("/account/data", {"password": PASSWORD, "format": "csv"},
                         page="/account/data")  # fmt: skip
    csv_text = response.get_data(as_text=True)
    assert a.user.email in csv_text and "Sourdough on Friday?" in csv_text
    assert "messages_written" in csv_text and "Badr Member" in csv_text


def test_erase_my_account(bank, auth):
    """With password and confirmation the account is erased and the session ends."""
    community, coordinator, a, b = bank
    email = a.user.email
    _login(auth, a)
    response = auth.post("/account/erase", {"password": PASSWORD, "confirm": "y"},
                         page="/account/erase")  # fmt: skip
    assert response.status_code == 302
    db.session.expire_all()
    assert a.user.email is None and a.user.erased_at is not None
    assert auth.login(email, PASSWORD).status_code == 200


def test_member_page_lists_proxies_and_offers_acting_for_them(bank, auth):
    """The coordinator sees who acts for a member and can act for them too."""
    community, coordinator, a, b = bank
    proxies.appoint(a, b, actor=coordinator.user)
    db.session.commit()
    _login(auth, coordinator)
    html = auth.client.get(f"/c/{community.slug}/coordinator/members/{a.id}").get_data(as_text=True)
    assert "Badr Member" in html and f"/c/{community.slug}/for/{a.id}/" in html


def test_proxy_posts_a_listing_through_the_page(bank, auth):
    """The listing belongs to the member; the proxy's page says it was done for them."""
    from tests.listing_factories import category
    from timebank.models import Listing

    community, coordinator, a, b = bank
    proxies.appoint(a, b, actor=coordinator.user)
    db.session.commit()
    _login(auth, b)
    url = f"/c/{community.slug}/for/{a.id}/listing"
    response = auth.post(url, {"kind": "offer", "title": "Knitting lessons", "description": "",
                               "category_id": str(category(community).id),
                               "language": "en"}, page=url)  # fmt: skip
    assert response.status_code == 302
    listing = db.session.scalar(select(Listing).where(Listing.title == "Knitting lessons"))
    assert listing.owner_id == a.id


def _post_at(community, provider, recipient, minutes, at):
    exchange = exchanges.record(
        community, actor=provider.user, provider=provider, recipient=recipient,
        minutes=minutes, service_date=at.date(), category="gardening",
        idempotency_key=key(), now=at,
    )  # fmt: skip
    exchanges.confirm(exchange, actor=recipient.user, now=at)
    db.session.commit()


def test_printable_statement_for_a_period_shows_opening_and_closing_balances(bank, auth):
    """A coordinator prints a member's statement for some days: the balance before them,
    the postings of those days, the balance after them; bad dates are refused."""
    from datetime import UTC, datetime

    community, coordinator, a, b = bank
    community.require_confirmation = True
    db.session.commit()
    _post_at(community, a, b, 60, datetime(2026, 3, 1, 10, tzinfo=UTC))
    _post_at(community, b, a, 45, datetime(2026, 3, 5, 10, tzinfo=UTC))
    _post_at(community, a, b, 30, datetime(2026, 3, 9, 10, tzinfo=UTC))
    _login(auth, coordinator)
    url = f"/c/{community.slug}/coordinator/members/{a.id}/statement"
    page = auth.client.get(f"{url}?start=2026-03-02&end=2026-03-06")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    opening = html.index("Opening balance")
    closing = html.index("Closing balance")
    assert "1 h" in html[opening:closing] and "−45 min" in html[opening:closing]
    assert "+30 min" not in html  # the posting after the period
    assert "15 min" in html[closing:]  # 60 − 45
    assert "Gardening" in html[opening:closing]  # the category's name, not its key
    whole = auth.client.get(url).get_data(as_text=True)
    assert "Opening balance" not in whole and "+30 min" in whole
    refused = auth.client.get(f"{url}?start=2026-03-06&end=2026-03-02")
    assert refused.status_code == 400
    assert "The last day cannot be before the first." in refused.get_data(as_text=True)


def test_the_last_administrator_is_told_to_appoint_another_first(app, auth):
    """A community's only administrator demoting themself is refused, in their language,
    with what to do first; their role is unchanged."""
    community = make_community()
    admin = make_member(community, role=Role.ADMIN)
    _login(auth, admin)
    page = f"/c/{community.slug}/coordinator/members/{admin.id}"
    response = auth.post(f"{page}/role", {"role": "member"}, page=page, follow_redirects=True)
    assert response.status_code == 200
    assert "Appoint another coordinator first" in response.get_data(as_text=True)
    db.session.expire_all()
    assert admin.role == Role.ADMIN


def test_coordinator_pages_open_with_the_largest_limits(bank, auth):
    """Limits at the largest whole number the columns hold (2**31 - 1): the dashboard and
    the member list filtered by limits still answer (no 32-bit overflow on PostgreSQL)."""
    from timebank.models import Account

    community, coordinator, a, b = bank
    largest = 2**31 - 1
    for account in db.session.scalars(select(Account).where(Account.community_id == community.id)):
        account.credit_limit = largest
        account.upper_limit = largest
    db.session.commit()
    _login(auth, coordinator)
    base = f"/c/{community.slug}/coordinator"
    assert auth.client.get(f"{base}/").status_code == 200
    assert auth.client.get(f"{base}/members/?filter=beyond_limits").status_code == 200
