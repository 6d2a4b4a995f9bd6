"""The dispatch API: the same services as the pages, precise 400s, 409 on conflict."""

import copy
import json
from pathlib import Path

import pytest

from tandem.dispatch.models import Call
from tandem.interop.eido import validate_document

pytestmark = pytest.mark.django_db
SAMPLE = Path(__file__).parents[1] / "interop" / "samples" / "crisis_call_transfer.json"


@pytest.fixture
def api(client, dispatch_region):
    client.force_login(dispatch_region.dispatcher)
    return client


def _post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def test_post_calls_creates_a_triaged_call_with_ranked_teams(api, dispatch_region):
    response = _post(
        api,
        "/api/calls",
        {
            "call_type": "WELFARE",
            "jurisdiction": dispatch_region.city.pk,
            "latitude": 39.0,
            "longitude": -94.3,
            "answers": {"weapon": False, "violence": False, "medical": False, "crime": False},
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["triage"]["mode"] == "clinician_only"
    assert body["triage"]["rules_fired"]
    assert [t["call_sign"] for t in body["teams"]] == ["MCT-1"]


def test_bad_payloads_get_a_400_naming_each_field_by_json_path(api):
    response = _post(
        api, "/api/calls", {"answers": {"weapon": "maybe"}, "priority": 9, "latitude": 39.0}
    )
    assert response.status_code == 400
    paths = {e["path"] for e in response.json()["errors"]}
    assert {"$.call_type", "$.answers.weapon", "$.priority"} <= paths
    assert Call.objects.count() == 1  # only the fixture's call


def test_malformed_json_is_a_400_too(api):
    response = api.post("/api/calls", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["path"] == "$"


def test_an_eido_incident_is_ingested_once_and_updated_by_its_id(api):
    document = json.loads(SAMPLE.read_text())
    first = _post(api, "/api/eido/incidents", document)
    assert first.status_code == 201, first.content
    again = _post(api, "/api/eido/incidents", document)
    assert again.status_code == 200
    assert first.json()["call"]["id"] == again.json()["call"]["id"]
    assert Call.objects.filter(incident_id=document["$id"]).count() == 1


def test_a_malformed_eido_gets_a_400_with_the_path_of_every_problem(api):
    document = json.loads(SAMPLE.read_text())
    broken = copy.deepcopy(document)
    broken["eidoVersion"] = "2.0"
    del broken["incidentComponent"]["incidentTypeCommonRegistryText"]
    response = _post(api, "/api/eido/incidents", broken)
    assert response.status_code == 400
    paths = [e["path"] for e in response.json()["errors"]]
    assert "$.eidoVersion" in paths
    assert any(p.startswith("$.incidentComponent") for p in paths)


def test_assigning_a_busy_team_answers_409_with_the_reason(api, dispatch_region):
    r = dispatch_region
    ids = [
        _post(api, "/api/calls", {"call_type": "EDP", "jurisdiction": r.city.pk}).json()["call"][
            "id"
        ]
        for _ in range(2)
    ]
    assert _post(api, f"/api/calls/{ids[0]}/assignments", {"team": r.team.pk}).status_code == 201
    conflict = _post(api, f"/api/calls/{ids[1]}/assignments", {"team": r.team.pk})
    assert conflict.status_code == 409
    assert "already assigned" in conflict.json()["errors"][0]["message"]


def test_a_recoded_call_is_available_to_cad_as_an_eido_update_without_narrative(
    api, client, dispatch_region
):
    r = dispatch_region
    call_id = _post(
        api,
        "/api/calls",
        {"call_type": "DISORD", "jurisdiction": r.city.pk, "narrative": "SECRET-NARRATIVE"},
    ).json()["call"]["id"]
    _post(api, f"/api/calls/{call_id}/assignments", {"team": r.team.pk})
    client.force_login(r.clinician)  # on the team sent, after the encounter
    recode = _post(
        client,
        f"/api/calls/{call_id}/recode",
        {"final_call_type": "EDP", "behavioral_health": True},
    )
    assert recode.status_code == 200
    client.force_login(r.dispatcher)
    document = client.get(f"/api/calls/{call_id}/eido").json()
    assert validate_document(document) == []
    assert document["incidentComponent"]["incidentTypeInternalCode"] == "EDP"
    assert document["incidentComponent"]["incidentTypeCommonRegistryText"] == "EDP"
    assert "SECRET-NARRATIVE" not in json.dumps(document)


def test_field_staff_update_only_their_own_teams_assignments(api, client, dispatch_region):
    r = dispatch_region
    call_id = _post(api, "/api/calls", {"call_type": "EDP", "jurisdiction": r.city.pk}).json()[
        "call"
    ]["id"]
    assignment = _post(api, f"/api/calls/{call_id}/assignments", {"team": r.team.pk}).json()
    client.force_login(r.other_officer)
    url = f"/api/assignments/{assignment['assignment']}/status"
    assert _post(client, url, {"status": "en_route"}).status_code == 404
    client.force_login(r.officer)
    response = _post(client, url, {"status": "en_route"})
    assert response.status_code == 200
    assert ["on_scene", "On scene"] in response.json()["next"]


def test_officers_cannot_take_calls_through_the_api(client, dispatch_region):
    client.force_login(dispatch_region.officer)
    assert _post(client, "/api/calls", {"call_type": "EDP"}).status_code == 404


def test_the_board_reads_no_segmented_field_but_safety():
    from tandem.dispatch.models import Call
    from tandem.dispatch.selectors import BOARD_CALL_FIELDS
    from tandem.privacy.segments import SAFETY, segmented_fields

    segments = segmented_fields(Call)
    assert {segments[f] for f in BOARD_CALL_FIELDS if f in segments} <= {SAFETY}


def test_board_links_lead_to_the_calls_dispatch_page(api, dispatch_region):
    call_id = _post(
        api, "/api/calls", {"call_type": "EDP", "jurisdiction": dispatch_region.city.pk}
    ).json()["call"]["id"]
    from django.urls import reverse

    page = api.get("/calls/board/", HTTP_HX_REQUEST="true").content.decode()
    assert f'href="{reverse("dispatch:call_dispatch", args=[call_id])}"' in page
