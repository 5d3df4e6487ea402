"""Member import maps the file's neighbourhood words to the community's list (issue 16):
either language, any case and spacing; the dry run's preview says for each row which
entry it maps to or "not listed"; the import saves exactly that."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from tests.factories import PASSWORD, make_community, make_member
from tests.neighbourhood_factories import make_neighbourhood
from timebank.extensions import db
from timebank.forms import new_key
from timebank.models import Membership, Profile, Role, User

FILE = (
    "name,email,phone,language,neighbourhood\n"
    "Salma Khoury,,,ar,  old   TOWN \n"
    "Omar Farouk,,,ar,حي  الميناء\n"
    "Li Wei,,,en,Fishermen's Row\n"
    "Grace Miller,,,en,\n"
).encode()


@pytest.fixture
def town(app, auth):
    community = make_community()
    coordinator = make_member(community, role=Role.COORDINATOR)
    old_town = make_neighbourhood(community, coordinator.user)
    harbour = make_neighbourhood(community, coordinator.user, "Harbour", "حي الميناء")
    other = make_community(slug="elsewhere")
    make_neighbourhood(other, make_member(other, role=Role.COORDINATOR).user, "Hill", "التلة")
    db.session.commit()
    assert auth.login(coordinator.user.email, PASSWORD).status_code == 302
    return community, old_town, harbour


def _check(auth, community, data: bytes):
    url = f"/c/{community.slug}/coordinator/import"
    form = {"kind": "members", "idempotency_key": new_key(), "action": "check",
            "file": (io.BytesIO(data), "members.csv")}  # fmt: skip
    return auth.post(url, form, page=url, content_type="multipart/form-data")


def _rows(html: str) -> list[str]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [" ".join(r.split()) for r in body.split("</tr>")[:-1]]


def test_the_preview_says_where_each_row_maps(town, auth):
    community, _old_town, _harbour = town
    html = _check(auth, community, FILE).get_data(as_text=True)
    assert "4 rows are correct." in html
    rows = _rows(html)
    assert "Salma Khoury" in rows[0] and "<bdi>Old Town</bdi>" in rows[0]
    assert "Omar Farouk" in rows[1] and "<bdi>Harbour</bdi>" in rows[1]
    assert "Fishermen&#39;s Row" in rows[2] and "not listed" in rows[2]
    assert "Grace Miller" in rows[3] and "not listed" not in rows[3]


def test_the_preview_in_arabic_names_the_entries_in_arabic(town, auth):
    community, _old_town, _harbour = town
    auth.client.post("/language", data={"lang": "ar", "csrf_token": auth.token()})
    rows = _rows(_check(auth, community, FILE).get_data(as_text=True))
    assert "<bdi>البلدة القديمة</bdi>" in rows[0] and "<bdi>حي الميناء</bdi>" in rows[1]
    assert "غير مدرج" in rows[2]


def test_importing_saves_the_mapping(town, auth):
    community, old_town, harbour = town
    url = f"/c/{community.slug}/coordinator/import"
    form = {"kind": "members", "idempotency_key": new_key(), "action": "commit",
            "content": FILE.decode()}  # fmt: skip
    assert auth.post(url, form, page=url).status_code == 302
    db.session.expire_all()
    saved = dict(
        (name, (place_id, words))
        for name, place_id, words in db.session.execute(
            select(User.display_name, Profile.neighbourhood_id, Profile.neighbourhood)
            .join(Membership, Membership.id == Profile.membership_id)
            .join(User, User.id == Membership.user_id)
            .where(Membership.community_id == community.id, Membership.role == Role.MEMBER)
        )
    )
    assert saved == {
        "Salma Khoury": (old_town.id, None),
        "Omar Farouk": (harbour.id, None),
        "Li Wei": (None, "Fishermen's Row"),
        "Grace Miller": (None, None),
    }


def test_another_communitys_entry_and_retired_entries_are_not_listed(town, auth):
    community, old_town, _harbour = town
    old_town.active = False
    db.session.commit()
    data = b"name,neighbourhood\nSalma Khoury,Old Town\nOmar Farouk,Hill\n"
    rows = _rows(_check(auth, community, data).get_data(as_text=True))
    assert all("not listed" in row for row in rows)


def test_an_over_long_neighbourhood_is_a_problem_and_nothing_is_saved(town, auth):
    community, _old_town, _harbour = town
    data = ("name,neighbourhood\nSalma Khoury," + "x" * 81 + "\n").encode()
    html = _check(auth, community, data).get_data(as_text=True)
    assert "The neighbourhood is too long." in html
    assert db.session.scalar(select(User).where(User.display_name == "Salma Khoury")) is None
