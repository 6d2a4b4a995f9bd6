"""Who sees which part of a crisis plan: officers on a call about the person see the
safety part of the approved plan; nobody in police sees a draft or any clinical text."""

import pytest
from django.http import Http404

from tandem.plans import selectors, services
from tandem.plans.models import PlanStatus
from tests.plans.conftest import CLINICAL, approved_plan

pytestmark = pytest.mark.django_db
CLINICAL_MARKS = ("CLINBASE", "CLINTRIG", "CLINHELP")


def test_the_assigned_officer_gets_the_safety_part_only_from_the_selector(plan_region):
    r = plan_region
    plan = approved_plan(r)
    seen = selectors.plan_get(actor=r.officer, plan_id=plan.pk)
    assert seen.safety_concerns == "Large dog in the yard."
    assert seen.contacts[0]["name"] == "Ana Reyes"
    assert seen.baseline_behavior == "" and seen.triggers == "" and seen.what_helps == ""
    assert {"baseline_behavior", "triggers", "what_helps"} <= seen.withheld


def test_the_call_page_shows_the_assigned_officer_the_safety_box(plan_region, client):
    r = plan_region
    approved_plan(r)
    client.force_login(r.officer)
    page = client.get(f"/calls/{r.call.pk}/").content.decode()
    assert "Crisis plan — safety" in page
    assert "Large dog in the yard." in page and "555 0100 22" in page
    assert not any(mark in page for mark in CLINICAL_MARKS)


def test_the_plan_page_and_api_show_an_officer_no_clinical_text(plan_region, client):
    r = plan_region
    plan = approved_plan(r)
    client.force_login(r.officer)
    page = client.get(f"/plans/{plan.pk}/").content.decode()
    api = client.get(f"/api/plans/{plan.pk}").json()
    assert "Large dog in the yard." in page
    assert not any(mark in page for mark in CLINICAL_MARKS)
    assert api["safety_concerns"] == "Large dog in the yard."
    assert "baseline_behavior" not in api and "triggers" not in api


@pytest.mark.parametrize("persona", ["other_officer", "police_dispatcher", "police_supervisor"])
def test_police_not_assigned_to_a_call_about_the_person_see_nothing(plan_region, client, persona):
    r = plan_region
    plan = approved_plan(r)
    user = getattr(r, persona)
    with pytest.raises(Http404):
        selectors.plan_get(actor=user, plan_id=plan.pk)
    assert selectors.safety_for_call(actor=user, call=r.call) is None
    client.force_login(user)
    assert client.get(f"/plans/{plan.pk}/").status_code == 404
    assert client.get(f"/api/plans/{plan.pk}").status_code == 404
    assert "Large dog" not in client.get(f"/calls/{r.call.pk}/").content.decode()


def test_no_officer_sees_a_draft_even_when_assigned(plan_region, client):
    r = plan_region
    draft = services.plan_create(
        actor=r.clinician, person_id=r.person.pk, safety_concerns="Draft hazard", **CLINICAL
    )
    services.plan_submit(actor=r.clinician, plan_id=draft.pk)
    with pytest.raises(Http404):
        selectors.plan_get(actor=r.officer, plan_id=draft.pk)
    assert selectors.safety_for_call(actor=r.officer, call=r.call) is None
    client.force_login(r.officer)
    assert "Draft hazard" not in client.get(f"/calls/{r.call.pk}/").content.decode()


def test_the_clinician_sees_the_whole_plan_and_the_read_is_audited(plan_region, client):
    from tandem.privacy.models import AuditEvent

    r = plan_region
    plan = approved_plan(r)
    client.force_login(r.navigator)
    page = client.get(f"/plans/{plan.pk}/").content.decode()
    assert all(mark in page for mark in CLINICAL_MARKS)
    assert AuditEvent.objects.filter(
        action="read", object_id=str(plan.pk), actor=r.navigator
    ).exists()


def test_plan_status_for_reads_many_people_in_one_query(plan_region, django_assert_num_queries):
    r = plan_region
    plan = approved_plan(r)
    r.navigator.memberships_cached()
    with django_assert_num_queries(1):
        statuses = selectors.plan_status_for(actor=r.navigator, person_ids=[r.person.pk, 999])
    assert statuses[r.person.pk].status == PlanStatus.APPROVED
    assert statuses[r.person.pk].plan_id == plan.pk
    assert 999 not in statuses


def test_familiar_faces_prompts_to_start_a_plan_then_shows_its_status(plan_region, client):
    from datetime import timedelta

    from django.utils import timezone

    from tandem.dispatch.models import Call

    r = plan_region
    for n in range(4):
        Call.objects.create(
            owning_agency=r.pd,
            number=f"FF-{n}",
            source="911",
            received_at=timezone.now() - timedelta(days=n + 1),
            call_type="EDP",
            behavioral_health=True,
            subject=r.person,
        )
    client.force_login(r.navigator)
    page = client.get("/people/familiar/").content.decode()
    assert f"/plans/new/?person={r.person.pk}" in page and "Start a crisis plan" in page
    approved_plan(r)
    page = client.get("/people/familiar/").content.decode()
    assert "Start a crisis plan" not in page and ">Approved</a>" in page


def test_the_editor_saves_a_draft_and_reports_a_bad_phone_by_its_field(plan_region, client):
    r = plan_region
    client.force_login(r.clinician)
    form = {
        "baseline_behavior": "Calm",
        "contact-1-name": "Ana",
        "contact-1-relationship": "sister",
        "contact-1-phone": "soon",
        "contact-2-name": "",
        "contact-2-relationship": "",
        "contact-2-phone": "",
    }
    page = client.post(f"/plans/new/?person={r.person.pk}", form).content.decode()
    assert 'id="contact-1-phone-error"' in page and "expected a phone number" in page
    assert 'value="Ana"' in page and ">Calm</textarea>" in page
    form["contact-1-phone"] = "816 555 0100"
    response = client.post(f"/plans/new/?person={r.person.pk}", form)
    assert response.status_code == 302
    plan = services.CrisisPlan.objects.get()
    assert plan.contacts == [{"name": "Ana", "relationship": "sister", "phone": "816 555 0100"}]


def test_writing_pages_do_not_exist_for_police(plan_region, client):
    r = plan_region
    plan = approved_plan(r)
    client.force_login(r.police_supervisor)
    assert client.get("/plans/").status_code == 404
    assert client.get(f"/plans/new/?person={r.person.pk}").status_code == 404
    assert client.post(f"/plans/{plan.pk}/decide/", {"decision": "approve"}).status_code == 404


def test_approve_and_return_through_the_page(plan_region, client):
    r = plan_region
    plan = services.plan_create(actor=r.clinician, person_id=r.person.pk, **CLINICAL)
    services.plan_submit(actor=r.clinician, plan_id=plan.pk)
    client.force_login(r.clinician)
    assert "Your decision" not in client.get(f"/plans/{plan.pk}/").content.decode()
    client.force_login(r.supervisor)
    assert "Your decision" in client.get(f"/plans/{plan.pk}/").content.decode()
    client.post(f"/plans/{plan.pk}/decide/", {"decision": "return", "comment": ""})
    plan.refresh_from_db()
    assert plan.status == PlanStatus.SUBMITTED  # a return needs a comment
    client.post(f"/plans/{plan.pk}/decide/", {"decision": "approve"})
    plan.refresh_from_db()
    assert plan.status == PlanStatus.APPROVED
