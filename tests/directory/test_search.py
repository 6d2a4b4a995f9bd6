"""Searching the directory: by need, place, opening hours, age, eligibility; page and API."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from tandem.agencies.models import Jurisdiction
from tandem.directory.selectors import Criteria, service_search
from tandem.directory.services import directory_import

pytestmark = pytest.mark.django_db
LOCAL = ZoneInfo("America/Chicago")
WEDNESDAY_NOON = dt.datetime(2025, 3, 5, 12, 0, tzinfo=LOCAL)
WEDNESDAY_3AM = dt.datetime(2025, 3, 5, 3, 0, tzinfo=LOCAL)


@pytest.fixture
def directory(directory_agencies, demo_document):
    directory_import(actor=None, document=demo_document)
    Jurisdiction.objects.create(
        owning_agency=directory_agencies.pd,
        code="stoneport",
        name="Stoneport",
        kind="city",
        latitude=39.0068,
        longitude=-94.4514,
    )
    return directory_agencies


def names(criteria: Criteria) -> list[str]:
    return [hit.service.name for hit in service_search(criteria)]


def test_by_need_matches_the_category_and_other_tags(directory):
    youth = names(Criteria(need="youth"))
    assert "Youth Crisis Respite" in youth
    assert "Adolescent Recovery Program" in youth  # tagged youth besides its own category
    assert "Emergency Shelter" not in youth


def test_inactive_services_are_left_out(directory):
    assert "Veterans Treatment Court Mentors" not in names(Criteria(need="veterans"))


def test_by_age_keeps_services_whose_range_includes_it(directory):
    for_a_child = names(Criteria(age=8))
    assert "Child and Family Counseling" in for_a_child
    assert "Family Shelter" in for_a_child  # no age limits
    assert "Crisis Stabilization Unit" not in for_a_child  # 18 and over
    assert "Youth Crisis Respite" not in names(Criteria(age=30))


def test_by_eligibility_words(directory):
    assert names(Criteria(eligibility="veterans")) == [
        "Veterans Outreach and Benefits",
        "Veterans Readjustment Counseling",
    ]


def test_open_now_at_a_given_moment(directory):
    at_night = names(Criteria(open_now=True, at=WEDNESDAY_3AM))
    assert "Sobering Center" in at_night  # 19:00 to 07:00
    assert "Crisis Stabilization Unit" in at_night  # 24/7
    assert "Adult Outpatient Counseling" not in at_night
    at_noon = names(Criteria(open_now=True, at=WEDNESDAY_NOON))
    assert "Adult Outpatient Counseling" in at_noon
    assert "Sobering Center" not in at_noon


def test_near_a_place_sorts_by_distance_and_within_limits_it(directory):
    stoneport = (39.0068, -94.4514)
    hits = service_search(Criteria(need="detox", near=stoneport))
    assert [h.service.name for h in hits][0] == "Medically Monitored Withdrawal Management"
    distances = [h.distance_km for h in hits]
    assert distances == sorted(distances)
    close = service_search(Criteria(near=stoneport, within_km=2))
    assert close and all(h.distance_km <= 2 for h in close)


def test_the_page_searches_and_shows_open_state_distance_and_phone(directory, client):
    client.force_login(directory.officer)  # the directory is public information
    response = client.get(
        "/directory/",
        {"need": "detox", "near": "stoneport", "open_now": "1", "at": "2025-03-05T03:00"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Sobering Center" in body and "Medically Monitored Withdrawal Management" in body
    assert "Open now" in body and " km" in body and "(816) 555-0121" in body
    assert "Adult Outpatient Counseling" not in body


def test_htmx_gets_only_the_results(directory, client):
    client.force_login(directory.clinician)
    response = client.get("/directory/", {"need": "housing"}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert "Emergency Shelter" in body
    assert "<html" not in body


def test_bad_filters_are_named_on_the_page_and_the_rest_still_apply(directory, client):
    client.force_login(directory.clinician)
    response = client.get("/directory/", {"need": "housing", "age": "old", "lat": "39"})
    body = response.content.decode()
    assert "Age of the person: Enter a whole number." in body
    assert "Longitude: Give both latitude and longitude, or neither." in body
    assert "Emergency Shelter" in body


def test_the_search_page_needs_a_sign_in(client):
    assert client.get("/directory/").status_code == 302


def test_the_api_searches_with_the_same_filters(directory, client):
    client.force_login(directory.navigator)
    response = client.get(
        "/api/directory/services",
        {"need": "detox", "lat": "39.0068", "lon": "-94.4514", "at": "2025-03-05T03:00"},
    )
    rows = response.json()
    assert response.status_code == 200
    assert rows[0]["name"] == "Medically Monitored Withdrawal Management"
    assert rows[0]["distance_km"] < 1 and rows[0]["open_now"] is True
    assert rows[0]["part2_program"] is True


def test_the_api_names_each_bad_filter(directory, client):
    client.force_login(directory.navigator)
    response = client.get("/api/directory/services", {"age": "-3", "within_km": "5"})
    assert response.status_code == 400
    paths = {e["path"] for e in response.json()["errors"]}
    assert paths == {"$.age", "$.within_km"}


def test_the_api_exports_one_service_and_the_directory_as_hsds(directory, client, demo_document):
    client.force_login(directory.officer)
    page = client.get("/api/directory/hsds").json()
    assert page["total_items"] == len(demo_document["contents"])
    service = page["contents"][0]
    one = client.get(f"/api/directory/services/{_pk(service['id'])}").json()
    assert one["id"] == service["id"] and one["organization"]["name"]


def _pk(hsds_id: str) -> int:
    from tandem.directory.models import Service

    return Service.objects.get(hsds_id=hsds_id).pk


def test_importing_over_the_api_needs_program_management(directory, client, demo_document):
    client.force_login(directory.clinician)
    assert client.post("/api/directory/hsds", demo_document, "application/json").status_code == 404
    client.force_login(directory.regional_admin)
    response = client.post("/api/directory/hsds", demo_document, "application/json")
    assert response.status_code == 200
    assert response.json()["imported"] == len(demo_document["contents"])
    assert response.json()["errors"] == []


def test_an_api_import_of_only_bad_services_is_a_400_with_paths(directory, client):
    client.force_login(directory.regional_admin)
    response = client.post("/api/directory/hsds", [{"id": "x"}], "application/json")
    assert response.status_code == 400
    assert {"path": "$[0].name", "message": "required property is missing"} in (
        response.json()["errors"]
    )
