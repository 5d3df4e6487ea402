"""Search benchmark: p95 server time of the listings search page with 100,000 listings.

Standalone (not part of the test run)::

    python benchmarks/search.py            # 100,000 listings, 200 queries
    python benchmarks/search.py 20000 100  # smaller, quicker

Builds a temporary SQLite database through the real migrations, loads one community
with 100,000 listings in English and Arabic, logs in through the login form, then times
``GET /c/<slug>/listings/?q=…`` (sometimes with filters and a later page) through the Flask
test client. The floor is the raw FTS5 part of each search (the newest RESULT_CAP + 1
matches, their bm25, the count and one ranked page) run with the ``sqlite3`` module on the
same file right after its page, so the ratio holds on a noisy machine. Target (DESIGN.md
§10, issue 4): p95 ≤ 50 ms."""

from __future__ import annotations

import random
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import insert, select  # noqa: E402

from timebank import create_app  # noqa: E402
from timebank.extensions import db  # noqa: E402
from timebank.models import (  # noqa: E402
    Category,
    Listing,
    Membership,
    MembershipStatus,
    Profile,
    User,
)
from timebank.services.auth import users as accounts
from timebank.services.community import communities  # noqa: E402
from timebank.services.listings.categories import search_names  # noqa: E402
from timebank.services.listings.search import RESULT_CAP  # noqa: E402
from timebank.services.textsearch import fts5_query, index_text, terms  # noqa: E402

PASSWORD = "quiet river lamp timing 2026"


def _words(text: str) -> list[str]:
    return text.split()


# A small everyday vocabulary, drawn uniformly: a pessimistic case, since one common word
# then matches about one listing in five of its language (real text is far more varied).
ENGLISH = _words(
    "garden help lift clinic shopping cooking meals tutoring english maths reading "
    "computer phone repair bicycle painting knitting sewing walk dog company visit "
    "coffee chat paperwork forms taxes letters music guitar piano singing children "
    "homework moving boxes furniture cleaning windows cakes bread soup market pharmacy "
    "doctor hospital bus train station library story chess cards yoga exercise"
)
ARABIC = _words(
    "مساعدة حديقة توصيل عيادة تسوق طبخ وجبات دروس لغة رياضيات قراءة حاسوب هاتف إصلاح "
    "دراجة رسم حياكة خياطة مشي زيارة قهوة حديث أوراق نماذج ضرائب رسائل موسيقى عود غناء "
    "أطفال واجبات نقل أثاث تنظيف نوافذ كعك خبز شوربة سوق صيدلية طبيب مستشفى حافلة "
    "مكتبة قصة شطرنج رياضة مدرسة جارة"
)
NEIGHBOURHOODS = ["Old Town", "Harbour", "Hill", "البلدة القديمة", "الميناء", "التلة"]


def _login(client) -> None:
    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post(
        "/auth/login",
        data={"csrf_token": token, "email": "timer@example.org", "password": PASSWORD},
    )
    assert response.status_code == 302, "login failed"


def _load(count: int, rng: random.Random) -> str:
    user = accounts.create_user(
        email="timer@example.org", display_name="Timer", password=PASSWORD, locale="en"
    )
    community = communities.create(actor=None, slug="bench", name="Bench")
    owners = []
    for n in range(200):
        member_user = user if n == 0 else User(display_name=f"Member {n}", email=None)
        db.session.add(member_user)
        membership = Membership(
            user=member_user,
            community=community,
            status=MembershipStatus.ACTIVE,
            member_number=n + 1,
        )
        db.session.add(membership)
        db.session.flush()
        db.session.add(
            Profile(membership_id=membership.id, search_text=index_text(member_user.display_name))
        )
        owners.append(membership.id)
    cats = db.session.scalars(select(Category).where(Category.community_id == community.id)).all()
    names = {c.id: search_names(c) for c in cats}
    now = datetime.now(UTC)
    batch = []
    for n in range(count):
        arabic = n % 2 == 1
        vocabulary = ARABIC if arabic else ENGLISH
        title = " ".join(rng.choices(vocabulary, k=rng.randint(3, 6)))
        description = " ".join(rng.choices(vocabulary, k=rng.randint(10, 25)))
        neighbourhood = rng.choice(NEIGHBOURHOODS)
        category_id = rng.choice(cats).id
        body = f"{index_text(description, neighbourhood)} {names[category_id]}"
        batch.append(
            {
                "community_id": community.id,
                "owner_id": rng.choice(owners),
                "kind": "offer" if n % 3 else "request",
                "title": title[:120],
                "description": description,
                "category_id": category_id,
                "neighbourhood": neighbourhood,
                "language": "ar" if arabic else "en",
                "is_group": False,
                "status": "active",
                "created_at": now - timedelta(minutes=n),
                "updated_at": now,
                "expires_at": now + timedelta(days=90),
                "search_title": index_text(title),
                "search_body": body,
            }
        )
        if len(batch) == 5000:
            db.session.execute(insert(Listing), batch)
            batch = []
    if batch:
        db.session.execute(insert(Listing), batch)
    db.session.commit()
    return community.slug


def _queries(n: int, rng: random.Random) -> list[dict]:
    queries = []
    for _ in range(n):
        vocabulary = rng.choice((ENGLISH, ARABIC))
        words = rng.sample(vocabulary, k=rng.choice((1, 1, 2, 2, 3)))
        query = {"q": " ".join(words)}
        if rng.random() < 0.3:
            query["kind"] = rng.choice(("offer", "request"))
        if rng.random() < 0.2:
            query["page"] = rng.randint(2, 4)
        queries.append(query)
    return queries


def _p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[18]


def _floor(conn: sqlite3.Connection, query: dict, per_page: int) -> float:
    """The FTS5 part of the same search straight through sqlite3: the newest RESULT_CAP + 1
    matches with their bm25, counted, and one ranked page of them (the page also joins the
    listings for the filters and the cards, which the floor leaves out)."""
    match = fts5_query(terms(query["q"]))
    offset = (int(query.get("page", 1)) - 1) * per_page
    started = time.perf_counter()
    conn.execute(
        "WITH found AS MATERIALIZED (SELECT rowid AS id, bm25(listings_fts, 4.0, 1.0) AS rank "
        "FROM listings_fts WHERE listings_fts MATCH ? ORDER BY rowid DESC LIMIT ?) "
        "SELECT id, (SELECT count(*) FROM found) FROM found ORDER BY rank, id DESC "
        "LIMIT ? OFFSET ?",
        (match, RESULT_CAP + 1, per_page, offset),
    ).fetchall()
    return time.perf_counter() - started


def _uncapped(conn: sqlite3.Connection, query: dict, per_page: int) -> float:
    """What the search cost before the cap: count every match, bm25-rank every match."""
    match = fts5_query(terms(query["q"]))
    offset = (int(query.get("page", 1)) - 1) * per_page
    started = time.perf_counter()
    conn.execute(
        "SELECT count(*) FROM listings_fts WHERE listings_fts MATCH ?", (match,)
    ).fetchone()
    conn.execute(
        "SELECT rowid FROM listings_fts WHERE listings_fts MATCH ? "
        "ORDER BY bm25(listings_fts, 4.0, 1.0) LIMIT ? OFFSET ?",
        (match, per_page, offset),
    ).fetchall()
    return time.perf_counter() - started


def main(count: int = 100_000, runs: int = 200) -> None:
    rng = random.Random(2026)
    with tempfile.TemporaryDirectory() as tmp:
        path = f"{tmp}/bench.sqlite3"
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
                "SECRET_KEY": "benchmark-secret-key-0123456789-abcdefghijklmnop",
                "RATELIMIT_ENABLED": False,
            }
        )
        app.instance_path = tmp
        with app.app_context():
            upgrade()
            started = time.perf_counter()
            slug = _load(count, rng)
            print(f"loaded {count:,} listings in {time.perf_counter() - started:.1f} s")
            db.session.remove()
        client = app.test_client()
        _login(client)
        queries = _queries(runs, rng)
        url = f"/c/{slug}/listings/"
        for query in queries[:20]:  # warm-up: caches, compiled statements, page cache
            client.get(url, query_string=query)
        raw = sqlite3.connect(path)
        samples, floor, uncapped = [], [], []
        for query in queries:  # page and floor back to back, so both see the same load
            started = time.perf_counter()
            response = client.get(url, query_string=query)
            samples.append(time.perf_counter() - started)
            assert response.status_code == 200
            floor.append(_floor(raw, query, app.config["PER_PAGE"]))
            uncapped.append(_uncapped(raw, query, app.config["PER_PAGE"]))
        raw.close()
        browse = []
        for page in range(1, 21):
            started = time.perf_counter()
            client.get(url, query_string={"page": page})
            browse.append(time.perf_counter() - started)
    page_p95, floor_p95 = _p95(samples) * 1000, _p95(floor) * 1000
    print(
        f"search page: p50 {statistics.median(samples) * 1000:.1f} ms, "
        f"p95 {page_p95:.1f} ms over {len(samples)} queries (target ≤ 50 ms)"
    )
    print(f"browse page (no words): p95 {_p95(browse) * 1000:.1f} ms over {len(browse)} pages")
    print(
        f"floor (raw FTS5: newest {RESULT_CAP + 1:,} matches, bm25, count, ranked page): p50 "
        f"{statistics.median(floor) * 1000:.1f} ms, p95 {floor_p95:.1f} ms"
    )
    print(
        f"for comparison, FTS5 counting and ranking every match: p50 "
        f"{statistics.median(uncapped) * 1000:.1f} ms, p95 {_p95(uncapped) * 1000:.1f} ms"
    )
    print(f"load average after the run: {Path('/proc/loadavg').read_text().strip()}")
    print(f"ratio page/floor at p95: {page_p95 / floor_p95:.1f}×")


if __name__ == "__main__":
    main(*(int(arg) for arg in sys.argv[1:3]))
