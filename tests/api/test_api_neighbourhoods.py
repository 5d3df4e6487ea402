"""GET /api/v1/neighbourhoods: the lists of the holder's communities, names in both
languages and in the client's; never another community's; documented in OpenAPI."""

from __future__ import annotations

import pytest

from tests.neighbourhood_factories import make_neighbourhood
from tests.web.ledger_helpers import make_town
from timebank.database import transaction
from timebank.extensions import db
from timebank.services.auth import tokens


@pytest.fixture
def towns(app):
    town, other = make_town(), make_town()
    old_town = make_neighbourhood(town.community, town.coordinator.user)
    retired = make_neighbourhood(town.community, town.coordinator.user, "Hillside", "حي التلة")
    retired.active = False
    make_neighbourhood(other.community, other.coordinator.user, "Elsewhere", "مكان آخر")
    db.session.commit()
    return town, other, old_town, retired


def _auth(membership, scopes=("read",), **headers) -> dict:
    secret = transaction(
        lambda: tokens.create(membership.user, name="script", scopes=list(scopes),
                              expires_on=None)
    ).secret  # fmt: skip
    return {"Authorization": f"Bearer {secret}", **headers}


def test_a_member_reads_their_communitys_list(client, towns):
    town, _other, old_town, retired = towns
    response = client.get("/api/v1/neighbourhoods", headers=_auth(town.salma))
    assert response.status_code == 200
    assert response.get_json()["items"] == [
        {"id": old_town.id, "community": town.slug, "name": "Old Town", "name_en": "Old Town",
         "name_ar": "البلدة القديمة", "active": True},
    ]  # fmt: skip
    arabic = client.get(
        f"/api/v1/neighbourhoods?community={town.slug}&include_retired=true",
        headers=_auth(town.salma, **{"Accept-Language": "ar"}),
    ).get_json()["items"]
    assert [(n["id"], n["name"], n["active"]) for n in arabic] == [
        (old_town.id, "البلدة القديمة", True), (retired.id, "حي التلة", False),
    ]  # fmt: skip


def test_another_communitys_list_is_not_found(client, towns):
    town, other, _old_town, _retired = towns
    headers = _auth(town.salma)
    assert client.get(f"/api/v1/neighbourhoods?community={other.slug}",
                      headers=headers).status_code == 404  # fmt: skip
    assert (
        client.get("/api/v1/neighbourhoods?community=nowhere", headers=headers).status_code == 404
    )
    names = [
        n["name_en"] for n in client.get("/api/v1/neighbourhoods", headers=headers).json["items"]
    ]
    assert "Elsewhere" not in names


@pytest.mark.parametrize("query", ["include_retired=maybe", "community=" + "x" * 61, "community="])
def test_bad_arguments_are_problems(client, towns, query):
    town = towns[0]
    response = client.get(f"/api/v1/neighbourhoods?{query}", headers=_auth(town.salma))
    assert response.status_code == 422, response.get_json()
    assert response.mimetype == "application/problem+json"


def test_the_route_is_documented(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/neighbourhoods"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"community", "include_retired"}
    assert "NeighbourhoodList" in str(operation["responses"]["200"])
