"""The API's listings name their neighbourhood (an entry of the community's list, by id
or by a name in either language) and how long the help takes; bad values are problems
that change nothing (issue 16)."""

from __future__ import annotations

import pytest

from tests.api.test_api_resources import _auth, _count, _post_listing, refused_by_field
from tests.neighbourhood_factories import make_neighbourhood
from tests.web.ledger_helpers import make_town
from timebank.extensions import db
from timebank.models import Listing


@pytest.fixture
def town(app):
    town = make_town(require_confirmation=False)
    coordinator = town.coordinator.user
    town.harbour = make_neighbourhood(town.community, coordinator, "Harbour", "حي الميناء")
    return town


def test_place_and_duration_are_written_and_read_in_the_clients_language(client, town):
    salma = _auth(town.salma)
    posted = _post_listing(client, town, salma, neighbourhood_id=town.harbour.id,
                           duration_minutes=90)  # fmt: skip
    assert posted.status_code == 201, posted.get_json()
    body = posted.get_json()
    assert (body["neighbourhood_id"], body["neighbourhood"], body["duration_minutes"]) == (
        town.harbour.id,
        "Harbour",
        90,
    )
    url = f"/api/v1/communities/{town.slug}/listings/{body['id']}"
    arabic = client.get(url, headers={**salma, "Accept-Language": "ar"}).get_json()
    assert arabic["neighbourhood"] == "حي الميناء"
    found = client.get(
        f"/api/v1/communities/{town.slug}/listings?neighbourhood={town.harbour.id}", headers=salma
    ).get_json()
    assert [(i["id"], i["neighbourhood_id"], i["duration_minutes"]) for i in found["items"]] == [
        (body["id"], town.harbour.id, 90)
    ]
    # A name in either language is the entry; null clears; the duration can be removed.
    by_name = client.patch(url, json={"neighbourhood": " حي  الميناء "}, headers=salma).get_json()
    assert by_name["neighbourhood_id"] == town.harbour.id
    cleared = client.patch(url, json={"neighbourhood_id": None, "duration_minutes": None},
                           headers=salma).get_json()  # fmt: skip
    assert (cleared["neighbourhood_id"], cleared["neighbourhood"]) == (None, None)
    assert cleared["duration_minutes"] is None
    words = client.patch(url, json={"neighbourhood": "Behind the mill"}, headers=salma).get_json()
    assert (words["neighbourhood_id"], words["neighbourhood"]) == (None, "Behind the mill")


def test_bad_places_and_durations_are_problems_that_change_nothing(client, town):
    salma = _auth(town.salma)
    other = make_town()
    foreign = make_neighbourhood(other.community, other.coordinator.user, "Elsewhere", "مكان")
    bodies = [
        {"neighbourhood_id": foreign.id}, {"neighbourhood_id": 2**40},
        {"neighbourhood_id": "3"}, {"duration_minutes": 4}, {"duration_minutes": 1441},
        {"duration_minutes": "90"}, {"duration_minutes": 1.5}, {"neighbourhood": "n" * 81},
    ]  # fmt: skip
    refused_by_field(client, town, salma, bodies, prefix="bad-place")
    assert _count(Listing) == 0
    town.harbour.active = False
    db.session.commit()
    place = {"neighbourhood_id": town.harbour.id}
    retired = _post_listing(client, town, salma, key="retired-0001", **place)
    assert retired.status_code == 400 and "neighbourhood_id" in str(retired.get_json()["errors"])
    assert _count(Listing) == 0
