"""HSDS 3.0 import and export: round trip, rejections with paths, idempotency."""

import copy
import uuid

import pytest

from tandem.directory.hsds import parse_document, render_page
from tandem.directory.models import (
    Attribute,
    Location,
    Organization,
    Phone,
    Schedule,
    Service,
    ServiceAtLocation,
)
from tandem.directory.selectors import services_for_export
from tandem.directory.services import directory_import

pytestmark = pytest.mark.django_db
MODELS = (Organization, Service, Location, ServiceAtLocation, Schedule, Phone, Attribute)


def counts() -> dict:
    return {m.__name__: m.objects.count() for m in MODELS}


def without_timestamps(page: dict) -> dict:
    page = copy.deepcopy(page)
    for service in page["contents"]:
        service.pop("last_modified")
    return page


def test_the_demo_directory_imports_whole(directory_agencies, demo_document):
    result = directory_import(actor=None, document=demo_document)
    assert result.errors == []
    assert result.services == Service.objects.count() == len(demo_document["contents"]) >= 20
    categories = set(Service.objects.values_list("category", flat=True))
    assert {"crisis_stabilization", "detox", "outpatient_mh", "peer_support", "housing"} <= (
        categories
    )
    assert {"veterans", "youth", "sud_treatment"} <= categories


def test_the_part2_provider_owns_its_substance_use_services(directory_agencies, demo_document):
    directory_import(actor=None, document=demo_document)
    part2 = Service.objects.filter(part2_program=True)
    assert part2.exists()
    assert set(part2.values_list("owning_agency__code", flat=True)) == {"ridgeway-recovery"}
    assert set(part2.values_list("category", flat=True)) <= {"detox", "sud_treatment"}
    # Unclaimed organizations belong to the regional administrator.
    sobering = Service.objects.get(name="Sobering Center")
    assert sobering.owning_agency == directory_agencies.admin
    assert not sobering.part2_program


def test_export_reimports_to_the_same_directory(directory_agencies, demo_document):
    directory_import(actor=None, document=demo_document)
    first = render_page(services_for_export())
    assert without_timestamps(first) == without_timestamps(render_page(services_for_export()))
    assert first["total_items"] == len(demo_document["contents"])

    for model in (Attribute, Phone, Schedule, ServiceAtLocation, Service):
        model.objects.all().delete()
    Location.objects.all().delete()
    Organization.objects.all().delete()
    result = directory_import(actor=None, document=first)
    assert result.errors == []
    second = render_page(services_for_export())
    assert without_timestamps(second) == without_timestamps(first)


def test_the_demo_file_is_what_an_export_writes(directory_agencies, demo_document):
    directory_import(actor=None, document=demo_document)
    exported = without_timestamps(render_page(services_for_export()))
    by_id = {s["id"]: s for s in exported["contents"]}
    for service in demo_document["contents"]:
        assert by_id[service["id"]] == service


def test_a_second_import_of_the_same_file_changes_nothing(directory_agencies, demo_document):
    directory_import(actor=None, document=demo_document)
    before = counts()
    result = directory_import(actor=None, document=demo_document)
    assert counts() == before
    assert result.services == len(demo_document["contents"])
    assert not result.counts  # nothing created, updated or removed


def test_a_reimport_updates_fields_and_replaces_child_records(directory_agencies, one_service):
    directory_import(actor=None, document=[one_service])
    service = Service.objects.get()
    changed = copy.deepcopy(one_service)
    changed["name"] = "Crisis Stabilization Unit (renamed)"
    changed["minimum_age"] = 16
    changed["phones"] = [{"id": str(uuid.uuid4()), "number": "(816) 555-0199"}]
    result = directory_import(actor=None, document=[changed])
    assert result.counts["service updated"] == 1
    assert result.counts["phone removed"] == 1
    service.refresh_from_db()
    assert (service.name, service.minimum_age, service.phone) == (
        "Crisis Stabilization Unit (renamed)",
        16,
        "(816) 555-0199",
    )
    assert Service.objects.count() == 1
    assert list(service.phones.values_list("number", flat=True)) == ["(816) 555-0199"]


def test_each_rejected_service_is_reported_with_its_path_and_the_rest_import(
    directory_agencies, demo_document
):
    contents = demo_document["contents"]
    del contents[0]["status"]
    contents[1]["id"] = "not-a-uuid"
    contents[2]["schedules"][0]["byday"] = "MO,XX"
    contents[3]["schedules"][0]["opens_at"] = "8am"
    contents[4]["minimum_age"], contents[4]["maximum_age"] = 18, 5
    contents[5]["service_at_locations"][0]["location"]["latitude"] = 123.0
    contents[6]["organization"]["organization_identifiers"][0]["identifier"] = "nowhere"
    contents[7]["attributes"][0] = {"id": str(uuid.uuid4()), "taxonomy_term_id": str(uuid.uuid4())}

    result = directory_import(actor=None, document=demo_document)

    messages = {e["path"]: e["message"] for e in result.errors}
    assert messages == {
        "$.contents[0].status": "required property is missing",
        "$.contents[1].id": "expected a uuid, got 'not-a-uuid'",
        "$.contents[2].schedules[0].byday": "unknown day 'XX'; expected two-letter days MO..SU",
        "$.contents[3].schedules[0].opens_at": "expected a time HH:MM (24-hour), got '8am'",
        "$.contents[4].maximum_age": "is below minimum_age (18)",
        "$.contents[5].service_at_locations[0].location.latitude": (
            "123.0 is greater than the maximum of 90"
        ),
        "$.contents[6].organization.organization_identifiers": ("no agency with code 'nowhere'"),
        "$.contents[7].attributes[0].taxonomy_term_id": "no such taxonomy term",
    }
    assert result.rejected == 8
    assert result.services == Service.objects.count() == len(contents) - 8


def test_a_document_of_the_wrong_shape_is_refused_at_the_root():
    result = parse_document({"services": []})
    assert result.services == []
    assert result.errors[0]["path"] == "$"
    assert "page of services" in result.errors[0]["message"]


def test_a_duplicate_service_id_in_one_file_is_rejected(directory_agencies, one_service):
    result = directory_import(actor=None, document=[one_service, copy.deepcopy(one_service)])
    assert result.errors == [{"path": "$[1].id", "message": "the same service id as $[0]"}]
    assert Service.objects.count() == 1


def test_times_with_an_offset_become_local_wall_clock_times(directory_agencies, one_service):
    one_service["schedules"] = [
        {"id": str(uuid.uuid4()), "byday": "MO", "opens_at": "14:00Z", "closes_at": "22:00Z"}
    ]
    directory_import(actor=None, document=[one_service])
    schedule = Schedule.objects.get(service__isnull=False)
    # America/Chicago is 5 or 6 hours behind UTC depending on the season.
    assert schedule.opens_at.hour in (8, 9)
    assert schedule.closes_at.hour in (16, 17)
