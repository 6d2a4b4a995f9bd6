"""Draft -> submitted -> approved by a supervisor; returns; review in six months; versions."""

from datetime import date, timedelta

import pytest
from django.http import Http404
from django.utils import timezone

from tandem.plans import services
from tandem.plans.models import CrisisPlan, PlanStatus
from tandem.privacy.models import AuditEvent
from tests.plans.conftest import CLINICAL, SAFETY, approved_plan

pytestmark = pytest.mark.django_db


def test_a_clinician_drafts_a_plan_owned_by_their_provider(plan_region):
    r = plan_region
    plan = services.plan_create(actor=r.clinician, person_id=r.person.pk, **CLINICAL)
    assert plan.status == PlanStatus.DRAFT and plan.owning_agency_id == r.clinic.pk
    assert plan.version == 1 and plan.author == r.clinician
    assert AuditEvent.objects.filter(action="create", object_type="plans.crisisplan").exists()


def test_the_author_cannot_approve_their_own_plan(plan_region):
    r = plan_region
    plan = services.plan_create(actor=r.supervisor, person_id=r.person.pk, **CLINICAL, **SAFETY)
    services.plan_submit(actor=r.supervisor, plan_id=plan.pk)
    with pytest.raises(services.PlanError, match="author"):
        services.plan_approve(actor=r.supervisor, plan_id=plan.pk)


def test_only_a_supervisor_of_the_provider_approves(plan_region):
    r = plan_region
    plan = services.plan_create(actor=r.clinician, person_id=r.person.pk, **CLINICAL, **SAFETY)
    services.plan_submit(actor=r.clinician, plan_id=plan.pk)
    with pytest.raises(services.PlanError, match="supervisor"):
        services.plan_approve(actor=r.navigator, plan_id=plan.pk)
    with pytest.raises(Http404):  # a police supervisor: not even found
        services.plan_approve(actor=r.police_supervisor, plan_id=plan.pk)


def test_a_supervisor_approves_and_the_review_falls_due_in_six_months(plan_region):
    r = plan_region
    plan = approved_plan(r)
    assert plan.status == PlanStatus.APPROVED and plan.approved_by == r.supervisor
    assert plan.review_due == services.add_months(timezone.localdate(), 6)


def test_six_months_from_the_end_of_august_is_the_end_of_february():
    assert services.add_months(date(2025, 8, 31), 6) == date(2026, 2, 28)
    assert services.add_months(date(2025, 12, 15), 6) == date(2026, 6, 15)


def test_a_draft_must_have_a_baseline_before_it_is_submitted(plan_region):
    r = plan_region
    plan = services.plan_create(actor=r.clinician, person_id=r.person.pk, **SAFETY)
    with pytest.raises(services.PlanError) as error:
        services.plan_submit(actor=r.clinician, plan_id=plan.pk)
    assert error.value.field == "baseline_behavior"


def test_a_returned_plan_carries_the_comment_and_can_be_edited_again(plan_region):
    r = plan_region
    plan = services.plan_create(actor=r.clinician, person_id=r.person.pk, **CLINICAL, **SAFETY)
    services.plan_submit(actor=r.clinician, plan_id=plan.pk)
    with pytest.raises(services.PlanError, match="say what needs to change"):
        services.plan_return(actor=r.supervisor, plan_id=plan.pk, comment=" ")
    returned = services.plan_return(actor=r.supervisor, plan_id=plan.pk, comment="Add triggers")
    assert returned.status == PlanStatus.RETURNED
    services.plan_update(actor=r.clinician, plan_id=plan.pk, triggers="Sirens")
    services.plan_submit(actor=r.clinician, plan_id=plan.pk)
    assert services.plan_approve(actor=r.supervisor, plan_id=plan.pk).review_comment == ""


def test_a_submitted_plan_cannot_be_changed(plan_region):
    r = plan_region
    plan = services.plan_create(actor=r.clinician, person_id=r.person.pk, **CLINICAL, **SAFETY)
    services.plan_submit(actor=r.clinician, plan_id=plan.pk)
    with pytest.raises(services.PlanError, match="cannot be changed"):
        services.plan_update(actor=r.clinician, plan_id=plan.pk, triggers="x")


def test_a_new_version_starts_as_a_copy_and_supersedes_the_old_when_approved(plan_region):
    r = plan_region
    first = approved_plan(r)
    second = services.plan_create(actor=r.navigator, person_id=r.person.pk)
    assert second.version == 2 and second.triggers == CLINICAL["triggers"]
    assert second.contacts == first.contacts
    services.plan_update(actor=r.navigator, plan_id=second.pk, approach_advice="Knock twice")
    services.plan_submit(actor=r.navigator, plan_id=second.pk)
    services.plan_approve(actor=r.supervisor, plan_id=second.pk)
    first.refresh_from_db()
    assert first.status == PlanStatus.SUPERSEDED and first.superseded_at is not None
    assert CrisisPlan.objects.filter(status=PlanStatus.APPROVED).get().pk == second.pk


def test_one_plan_in_progress_per_person_and_provider(plan_region):
    r = plan_region
    services.plan_create(actor=r.clinician, person_id=r.person.pk)
    with pytest.raises(services.PlanError, match="in progress"):
        services.plan_create(actor=r.navigator, person_id=r.person.pk)


def test_officers_cannot_write_plans(plan_region):
    r = plan_region
    with pytest.raises(services.PlanError, match="clinical staff"):
        services.plan_create(actor=r.officer, person_id=r.person.pk)


@pytest.mark.parametrize(
    "row, field",
    [
        ({"name": "", "phone": "555 0100 22"}, "contact-1-name"),
        ({"name": "Ana", "phone": "call her"}, "contact-1-phone"),
    ],
)
def test_a_bad_contact_names_the_row_and_field(plan_region, row, field):
    r = plan_region
    with pytest.raises(services.PlanError) as error:
        services.plan_create(actor=r.clinician, person_id=r.person.pk, contacts=[row])
    assert error.value.field == field


def test_reviews_due_lists_overdue_plans_first(plan_region):
    from tandem.plans.selectors import reviews_due

    r = plan_region
    plan = approved_plan(r)
    today = timezone.localdate()
    assert reviews_due(actor=r.navigator, today=today) == []
    later = plan.review_due + timedelta(days=1)
    (due,) = reviews_due(actor=r.navigator, today=later)
    assert due.pk == plan.pk and due.overdue
    assert reviews_due(actor=r.officer, today=later) == []
