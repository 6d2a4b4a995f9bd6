"""The field form, the encounter page and the screening API, per persona."""

import json

import pytest

from tandem.encounters.models import Encounter, Screening
from tandem.encounters.services import encounter_save

pytestmark = pytest.mark.django_db

HIGH = {"q1": True, "q2": True, "q3": True, "q4": True, "q5": False, "q6": False}


def form_url(r):
    return f"/encounters/new/?assignment={r.open_assignment.pk}"


def post_form(client, url, token, **data):
    return client.post(url, {"client_token": str(token), "modality": "in_person", **data})


def test_the_clinician_gets_the_screeners_and_the_officer_the_police_report(field_region, client):
    client.force_login(field_region.clinician)
    page = client.get(form_url(field_region)).content.decode()
    assert "C-SSRS screener" in page and "Crisis Triage Rating Scale" in page
    assert 'name="force_used"' not in page
    client.force_login(field_region.officer)
    page = client.get(form_url(field_region)).content.decode()
    assert "C-SSRS" not in page and 'name="clinical_notes"' not in page
    assert 'name="force_used"' in page and 'name="behaviors"' in page


@pytest.mark.parametrize("persona", ["other_officer", "navigator", "analyst", "dispatcher"])
def test_only_the_team_on_the_assignment_may_open_its_form(field_region, client, persona):
    client.force_login(getattr(field_region, persona))
    assert client.get(form_url(field_region)).status_code == 404
    assert client.get("/encounters/new/").status_code == 404


def test_submitting_the_form_saves_the_encounter_and_shows_it(field_region, client, token):
    client.force_login(field_region.clinician)
    answers = {f"cssrs_{k}": "yes" if v else "no" for k, v in HIGH.items()}
    response = post_form(
        client,
        form_url(field_region),
        token,
        intent="submit",
        disposition="transport_crisis_center",
        behaviors=["suicidal", "hopeless_depressed"],
        present_role_0="family",
        present_name_0="Mother",
        **answers,
    )
    encounter = Encounter.objects.get(client_token=token)
    assert response.status_code == 302
    assert response["Location"] == f"/encounters/{encounter.pk}/"
    assert encounter.status == "submitted" and encounter.needs_emergency_care
    assert encounter.diverted_from_hospital
    assert encounter.people_present == [{"role": "family", "name": "Mother"}]
    assert encounter.behaviors == ["suicidal", "hopeless_depressed"]


def test_a_draft_autosave_answers_json_and_keeps_what_is_valid(field_region, client, token):
    client.force_login(field_region.officer)
    response = client.post(
        form_url(field_region),
        {"client_token": str(token), "intent": "draft", "minutes_on_scene": "lots", "charges": "x"},
        HTTP_X_TANDEM_AUTOSAVE="1",
    )
    data = response.json()
    encounter = Encounter.objects.get(client_token=token)
    assert response.status_code == 200 and data["status"] == "draft"
    assert data["edit_url"] == f"/encounters/{encounter.pk}/edit/"
    assert data["errors"][0]["path"] == "$.minutes_on_scene"
    assert encounter.charges == "x"
    # The form is opened again: it continues the draft rather than starting another.
    assert client.get(form_url(field_region))["Location"] == data["edit_url"]


def test_a_wrong_branch_is_shown_next_to_the_item(field_region, client, token):
    client.force_login(field_region.clinician)
    response = post_form(
        client,
        form_url(field_region),
        token,
        intent="submit",
        disposition="declined",
        cssrs_q1="no",
        cssrs_q2="no",
        cssrs_q3="yes",
        cssrs_q6="no",
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_cssrs_q3-error"' in page and "item 3: is skipped when item 2" in page
    assert not Encounter.objects.filter(client_token=token).exists()


def test_the_officer_sees_screening_done_and_emergency_but_no_answers(field_region, client, token):
    r = field_region
    encounter = encounter_save(
        actor=r.clinician,
        client_token=token,
        assignment_id=r.open_assignment.pk,
        fields={"clinical_interventions": ["safety_planning"]},
        screenings={"cssrs_screener": HIGH},
    )
    client.force_login(r.officer)
    page = client.get(f"/encounters/{encounter.pk}/").content.decode()
    assert "<dt>Screening done</dt><dd>Yes</dd>" in page
    assert "<dt>Needs emergency care</dt><dd>Yes</dd>" in page
    assert "High risk" not in page and "Item 4" not in page and "Safety planning" not in page
    edit = client.get(f"/encounters/{encounter.pk}/edit/").content.decode()
    assert "cssrs" not in edit and "safety_planning" not in edit
    client.force_login(r.clinician)
    page = client.get(f"/encounters/{encounter.pk}/").content.decode()
    assert "High risk" in page and "Item 4: yes" in page and "Safety planning" in page


def test_the_screening_api_records_answers_for_clinical_staff_only(field_region, client):
    r = field_region
    url = f"/api/encounters/{r.encounter.pk}/screenings"
    body = {
        "instrument": "ctrs",
        "answers": {"dangerousness": 2, "support_system": 3, "cooperation": 2},
    }
    client.force_login(r.officer)
    refused = client.post(url, json.dumps(body), content_type="application/json")
    assert refused.status_code == 404 and not Screening.objects.exists()
    client.force_login(r.clinician)
    made = client.post(url, json.dumps(body), content_type="application/json")
    assert made.status_code == 201, made.content
    assert made.json()["total"] == 7 and made.json()["needs_emergency_care"] is True
    client.force_login(r.officer)
    [seen] = client.get(url).json()
    assert seen == {
        "id": seen["id"],
        "encounter": r.encounter.pk,
        "complete": True,
        "needs_emergency_care": True,
        "screened_at": seen["screened_at"],
    }


def test_the_screening_api_names_each_wrong_answer_by_path(field_region, client):
    r = field_region
    client.force_login(r.clinician)
    body = {"instrument": "cssrs_screener", "answers": {"q1": True, "q2": False, "q4": True}}
    response = client.post(
        f"/api/encounters/{r.encounter.pk}/screenings",
        json.dumps(body),
        content_type="application/json",
    )
    assert response.status_code == 400
    paths = [e["path"] for e in response.json()["errors"]]
    assert paths == ["$.answers.q4", "$.answers.q6"]


def test_the_encounter_list_offers_the_form_for_the_teams_open_assignment(field_region, client):
    url = form_url(field_region)
    client.force_login(field_region.officer)
    assert url in client.get("/encounters/").content.decode()
    client.force_login(field_region.other_officer)
    assert url not in client.get("/encounters/").content.decode()


def test_a_new_encounter_starts_with_the_person_the_call_is_about(field_region, client, token):
    r = field_region
    client.force_login(r.clinician)
    page = client.get(form_url(r)).content.decode()
    assert "The person the call is about" in page
    assert f'name="person_id" id="person-current" value="{r.person.pk}" checked' in page

    post_form(
        client,
        form_url(r),
        token,
        intent="submit",
        disposition="resolved_on_scene",
        person_id=r.person.pk,
    )
    assert Encounter.objects.get(client_token=token).person_id == r.person.pk
