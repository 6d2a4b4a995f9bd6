"""NENA EIDO 1.0 in and out: parsing a CAD's incident, rendering Tandem's update."""

import copy
import json
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from tandem.interop.eido import (
    SCHEMA_PATH,
    EidoInvalid,
    PersonIn,
    parse_incident,
    render_incident,
    validate_document,
)

SAMPLE = Path(__file__).parent / "samples" / "crisis_call_transfer.json"
CDT = timezone(timedelta(hours=-5))
CANARY = "CANARY-7f3a"


@pytest.fixture
def sample() -> dict:
    return json.loads(SAMPLE.read_text(encoding="utf-8"))


def errors_of(document) -> list[dict]:
    with pytest.raises(EidoInvalid) as caught:
        parse_incident(document)
    return caught.value.errors


def paths_of(document) -> set[str]:
    return {e["path"] for e in errors_of(document)}


def a_call(**changes) -> dict:
    call = {
        "number": "25-031477",
        "incident_id": "urn:emergency:uid:incidentid:7c1f2e90a1:psap.county.example.gov",
        "received_at": datetime(2025, 3, 14, 22, 9, 41, tzinfo=CDT),
        "call_type": "MENTAL",
        "apco_code": "EDP",
        "final_call_type": "",
        "behavioral_health": True,
        "location_text": "1204 N Maple Avenue, Riverton, MN",
        "latitude": 44.97712,
        "longitude": -93.26503,
        "status": "assigned",
        "updated_at": datetime(2025, 3, 14, 23, 2, 0, tzinfo=UTC),
    }
    return call | changes


def render(call: dict, **kwargs) -> dict:
    return render_incident(
        call, agency_id="pd.city.example.gov", updated_by="tandem.city.example.gov", **kwargs
    )


# ---------------------------------------------------------------- schema file


def test_schema_file_is_a_valid_draft_2020_12_schema_that_names_its_upstream_commit():
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    assert "7f62055d30609b4a931c797a740b4eb7e2c33dbf" in schema["$comment"]
    assert {"EDP", "SUICTHRT", "OD", "WELFARE"} <= set(
        schema["$defs"]["apcoIncidentCategoryCodeSimpleType"]["enum"]
    )


def test_sample_validates_against_the_schema_file_directly(sample):
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert list(Draft202012Validator(schema).iter_errors(sample)) == []


# ---------------------------------------------------------------- parsing


def test_valid_sample_parses_to_the_expected_fields(sample):
    incident = parse_incident(sample)

    assert incident.incident_id == sample["$id"]
    assert incident.updated_at == datetime(2025, 3, 14, 22, 18, 5, 250000, tzinfo=CDT)
    assert incident.call_type == "MENTAL"
    assert incident.call_type_text == "Mental health crisis"
    assert incident.apco_code == "EDP"
    assert incident.received_at == datetime(2025, 3, 14, 22, 9, 41, tzinfo=CDT)
    assert incident.source == "911"
    assert incident.location_text == "1204 N Maple Avenue, Unit 3B, Riverton, MN 55401"
    assert (incident.latitude, incident.longitude) == (44.97712, -93.26503)
    assert incident.persons == (
        PersonIn(given="Avery", family="Quill", dob=date(1991, 7, 2), role="Caller, Patient"),
    )
    assert incident.caller_phone == "+15555550142"
    assert incident.agency_ids == ("psap.county.example.gov", "pd.city.example.gov")
    assert incident.updated_by_agency == "psap.county.example.gov"
    assert incident.internal_incident_id == "25-031477"


def test_narrative_joins_notes_oldest_first_as_plain_text_without_scripts(sample):
    narrative = parse_incident(sample).narrative

    assert narrative == (
        "Caller says she is very upset,\npacing in the apartment.\n"
        "No weapons seen. Neighbour waiting outside & will meet unit."
    )


def test_a_queue_or_local_call_type_naming_988_marks_the_source_988(sample):
    sample["callComponent"][0]["queueIdentifier"] = "988-transfer@lifeline.example.org"

    assert parse_incident(sample).source == "988"


def test_a_registry_text_that_is_not_an_apco_code_gives_no_apco_code(sample):
    del sample["incidentComponent"]["incidentTypeInternalCode"]
    sample["incidentComponent"]["incidentTypeCommonRegistryText"] = "NONEMERG"

    incident = parse_incident(sample)

    assert (incident.call_type, incident.apco_code) == ("NONEMERG", "")


def test_without_a_call_component_received_at_falls_back_to_the_incident_update(sample):
    del sample["callComponent"]
    for person in sample["personComponent"]:
        del person["callBackReference"]

    incident = parse_incident(sample)

    assert incident.received_at == datetime(2025, 3, 14, 22, 18, 5, 250000, tzinfo=CDT)
    assert incident.caller_phone == "+15555550142"  # still found in the callback component


# ---------------------------------------------------------------- errors


def test_three_problems_are_all_reported_with_their_json_paths(sample):
    del sample["incidentComponent"]["incidentTypeCommonRegistryText"]
    sample["callComponent"][0]["direction"] = "sideways"
    sample["personComponent"][0]["personIncidentRoleRegistryText"] = "Caller"

    errors = errors_of(sample)

    assert [e["path"] for e in errors] == [
        "$.callComponent[0].direction",
        "$.incidentComponent.incidentTypeCommonRegistryText",
        "$.personComponent[0].personIncidentRoleRegistryText",
    ]
    assert "incoming" in errors[0]["message"] and "sideways" in errors[0]["message"]
    assert errors[1]["message"] == "required property is missing"
    assert errors[2]["message"] == "expected array, got string"


def test_missing_eido_version_is_reported_at_its_path(sample):
    del sample["eidoVersion"]

    assert errors_of(sample) == [
        {"path": "$.eidoVersion", "message": "required property is missing"}
    ]


def test_a_wrong_eido_version_lists_the_allowed_value(sample):
    sample["eidoVersion"] = "2.0"

    assert errors_of(sample) == [
        {"path": "$.eidoVersion", "message": "must be one of ['1.0'], got '2.0'"}
    ]


@pytest.mark.parametrize(("document", "kind"), [([], "array"), ("{}", "string"), (None, "null")])
def test_a_document_that_is_not_an_object_is_rejected_with_one_clear_error(document, kind):
    assert errors_of(document) == [{"path": "$", "message": f"expected object, got {kind}"}]


def test_a_timestamp_without_an_offset_is_a_semantic_error(sample):
    sample["callComponent"][0]["callStartTimestamp"] = "2025-03-14 22:09:41"

    [error] = errors_of(sample)

    assert error["path"] == "$.callComponent[0].callStartTimestamp"
    assert "RFC 3339" in error["message"]


def test_a_reference_to_a_missing_component_is_reported(sample):
    sample["incidentComponent"]["personReference"] = [{"$ref": "no-such-person"}]

    assert errors_of(sample) == [
        {
            "path": "$.incidentComponent.personReference[0].$ref",
            "message": "refers to 'no-such-person', which no component has as $id",
        }
    ]


def test_a_reference_to_the_wrong_kind_of_component_is_reported(sample):
    sample["incidentComponent"]["locationReference"] = [{"$ref": "pd.city.example.gov"}]

    [error] = errors_of(sample)

    assert error["path"] == "$.incidentComponent.locationReference[0].$ref"
    assert "agencyComponent" in error["message"]


def test_a_duplicate_id_is_reported_at_the_second_occurrence(sample):
    sample["agencyComponent"][1]["$id"] = "psap.county.example.gov"

    assert "$.agencyComponent[1].$id" in paths_of(sample)


def test_schema_and_semantic_errors_are_reported_together(sample):
    sample["agencyComponent"][0]["agencyType"] = []
    sample["notesComponent"][0]["lastUpdateTimeStamp"] = "yesterday"
    sample["personComponent"][0]["ncPersonComponent"]["birthDate"][0]["date"][0]["value"] = "7/2"

    assert paths_of(sample) == {
        "$.agencyComponent[0].agencyType",
        "$.notesComponent[0].lastUpdateTimeStamp",
        "$.personComponent[0].ncPersonComponent.birthDate[0].date[0].value",
    }


def test_a_pidf_lo_with_a_dtd_is_refused_without_parsing_it(sample):
    pidf = '<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY a "a">]><presence>&a;</presence>'
    sample["locationComponent"][0]["locationByValue"] = pidf

    [error] = errors_of(sample)

    assert error["path"] == "$.locationComponent[0].locationByValue"
    assert "DTD" in error["message"]


def test_validate_document_returns_no_errors_for_a_valid_document(sample):
    assert validate_document(sample) == []


# ---------------------------------------------------------------- rendering


def test_rendered_document_validates_against_the_schema():
    document = render(a_call())

    assert validate_document(document) == []
    assert document["eidoVersion"] == "1.0"
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert list(Draft202012Validator(schema).iter_errors(document)) == []


def test_rendered_document_round_trips_through_parse_incident():
    incident = parse_incident(render(a_call()))

    assert incident.incident_id == a_call()["incident_id"]
    assert (incident.call_type, incident.call_type_text, incident.apco_code) == (
        "MENTAL",
        "MENTAL",
        "EDP",
    )
    assert incident.internal_incident_id == "25-031477"
    assert incident.updated_at == datetime(2025, 3, 14, 23, 2, 0, tzinfo=UTC)
    assert incident.location_text == "1204 N Maple Avenue, Riverton, MN"
    assert (incident.latitude, incident.longitude) == (44.97712, -93.26503)
    assert incident.agency_ids == ("pd.city.example.gov",)


def test_render_of_a_recoded_call_carries_the_final_type_and_the_recode_note():
    call = a_call(final_call_type="WELFARE-CHK", final_apco_code="WELFARE")

    document = render(call, recode_note="Recoded after contact: <welfare> check only")
    incident = parse_incident(document)

    assert document["incidentComponent"]["incidentTypeInternalCode"] == "WELFARE-CHK"
    assert document["incidentComponent"]["incidentTypeInternalText"] == "WELFARE-CHK"
    assert (incident.call_type, incident.apco_code) == ("WELFARE-CHK", "WELFARE")
    assert incident.narrative == "Recoded after contact: <welfare> check only"
    note = document["notesComponent"][0]["notesActionComments"]
    assert "&lt;welfare&gt;" in note


def test_a_recode_without_a_new_apco_code_keeps_the_call_apco_code():
    document = render(a_call(final_call_type="CHECK"))

    assert document["incidentComponent"]["incidentTypeCommonRegistryText"] == "EDP"
    assert "notesComponent" not in document


def test_render_never_contains_narrative_person_or_clinical_data_from_the_mapping():
    call = a_call(
        narrative=f"{CANARY} narrative",
        subject={"given": f"{CANARY} given", "dob": "1991-07-02"},
        persons=[f"{CANARY} person"],
        screening={"cssrs_item_4": f"{CANARY} clinical"},
        caller_phone=f"{CANARY} phone",
    )

    for document in (render(call), render(call | {"final_call_type": "X"}, recode_note="ok")):
        text = json.dumps(document)
        assert CANARY not in text
        assert "personComponent" not in document and "callbackComponent" not in document


def test_render_sends_a_location_only_with_coordinates():
    document = render(a_call(latitude=None, longitude=None))

    assert "locationComponent" not in document
    assert "locationReference" not in document["incidentComponent"]


def test_render_maps_call_status_to_the_common_incident_status_registry():
    incident = render(a_call(status="closed"))["incidentComponent"]

    assert incident["incidentStatusInternalText"] == ["closed"]
    assert incident["incidentStatusCommonRegistryText"] == ["Closed"]


def test_render_is_stable_so_a_cad_sees_the_same_components_updated():
    assert render(a_call()) == render(a_call())


def test_render_derives_an_incident_tracking_id_from_the_number_when_none_is_known():
    document = render(a_call(incident_id=""))

    assert document["$id"] == "urn:emergency:uid:incidentid:25-031477:pd.city.example.gov"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"updated_at": datetime(2025, 3, 14, 23, 2)}, "timezone-aware"),
        ({"apco_code": ""}, "APCO code"),
        ({"incident_id": "", "number": ""}, "incident_id or number"),
        ({"latitude": 123.0}, "out of range"),
    ],
)
def test_render_refuses_incomplete_or_malformed_calls(changes, message):
    with pytest.raises(ValueError, match=message):
        render(a_call(**changes))


def test_parse_then_render_keeps_the_cad_incident_id(sample):
    incident = parse_incident(copy.deepcopy(sample))
    call = a_call(incident_id=incident.incident_id, number=incident.internal_incident_id)

    assert render(call)["$id"] == sample["$id"]


def test_an_organization_reference_is_accepted_since_eido_has_no_array_to_hold_it(sample):
    sample["incidentComponent"]["organizationReference"] = [{"$ref": "org-1"}]

    assert validate_document(sample) == []
