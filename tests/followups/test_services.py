"""Tasks from program rules, contact attempts, completing and closing, reminders."""

import re
from datetime import timedelta

import pytest
from django.http import Http404
from django.utils import timezone

from tandem.core.models import service_write
from tandem.encounters.models import Encounter
from tandem.followups import rules, services
from tandem.followups.models import FollowUp, FollowUpStatus, Notification
from tandem.followups.tasks import followup_reminder
from tandem.privacy.models import AuditEvent

pytestmark = pytest.mark.django_db


def disposition_event(region, disposition="transport_crisis_center", at=None):
    return rules.Event(
        kind=rules.DISPOSITION,
        at=at or timezone.now(),
        agency_id=region.clinic.pk,
        person_id=region.person.pk,
        encounter_id=region.encounter.pk,
        disposition=disposition,
    )


def medication_task(region) -> FollowUp:
    (task,) = services.followups_for_event(actor=region.clinician, event=disposition_event(region))
    return task


def test_a_screening_with_moderate_risk_creates_a_task_for_the_treating_provider(rules_region):
    r = rules_region
    (task,) = services.followups_for_screening(
        actor=r.clinician, encounter=r.encounter, risk_level="moderate"
    )
    assert task.owning_agency_id == r.clinic.pk
    assert task.kind == "post_crisis" and task.rule_code == "screening-72h"
    assert AuditEvent.objects.filter(action="create", object_id=str(task.pk)).exists()


def test_a_low_screening_creates_no_task(rules_region):
    r = rules_region
    assert (
        services.followups_for_screening(actor=r.clinician, encounter=r.encounter, risk_level="low")
        == []
    )
    assert not FollowUp.objects.exists()


def test_reporting_the_same_event_twice_makes_one_task(rules_region):
    r = rules_region
    medication_task(r)
    again = services.followups_for_event(actor=r.clinician, event=disposition_event(r))
    assert again == []
    assert FollowUp.objects.count() == 1


def test_a_police_only_encounter_makes_no_follow_up(rules_region):
    r = rules_region
    with service_write():
        police_only = Encounter.objects.create(
            owning_agency=r.pd, person=r.person, started_at=timezone.now()
        )
    event = rules.Event(
        kind=rules.DISPOSITION,
        at=timezone.now(),
        agency_id=police_only.owning_agency_id,
        person_id=r.person.pk,
        encounter_id=police_only.pk,
        disposition="transport_crisis_center",
    )
    assert services.followups_for_event(actor=r.officer, event=event) == []


def test_completing_a_daily_medication_check_creates_the_next_one(rules_region):
    r = rules_region
    task = medication_task(r)
    done, successor = services.followup_complete(actor=r.navigator, followup_id=task.pk)
    assert done.status == FollowUpStatus.DONE
    assert successor.kind == "medication_check" and successor.previous_id == task.pk
    assert successor.due_at >= task.due_at + timedelta(days=1)
    assert successor.status == FollowUpStatus.OPEN


def test_daily_checks_stop_once_the_person_is_stabilised(rules_region):
    r = rules_region
    task = medication_task(r)
    _, second = services.followup_complete(actor=r.navigator, followup_id=task.pk)
    _, third = services.followup_complete(actor=r.navigator, followup_id=second.pk, stabilised=True)
    assert third is None
    assert FollowUp.objects.filter(status=FollowUpStatus.OPEN).count() == 0
    assert FollowUp.objects.get(pk=second.pk).stabilised


def test_a_one_off_task_makes_no_successor(rules_region):
    r = rules_region
    (task,) = services.followups_for_screening(
        actor=r.clinician, encounter=r.encounter, risk_level="high"
    )
    _, successor = services.followup_complete(actor=r.navigator, followup_id=task.pk)
    assert successor is None


def test_attempts_are_recorded_with_method_and_outcome(rules_region):
    r = rules_region
    task = medication_task(r)
    attempt = services.attempt_record(
        actor=r.navigator,
        followup_id=task.pk,
        method="family_or_caregiver",
        outcome="left_message",
        notes="Spoke to sister.",
    )
    assert attempt.by == r.navigator and attempt.owning_agency_id == r.clinic.pk
    event = AuditEvent.objects.get(object_type="followups.followupattempt")
    assert event.segments == "clinical"


def test_an_attempt_with_an_unknown_method_names_the_field(rules_region):
    r = rules_region
    task = medication_task(r)
    with pytest.raises(services.FollowUpError) as error:
        services.attempt_record(
            actor=r.navigator, followup_id=task.pk, method="pigeon", outcome="reached"
        )
    assert error.value.field == "method"


def test_unable_to_reach_needs_three_attempts_first(rules_region):
    r = rules_region
    task = medication_task(r)
    with pytest.raises(services.FollowUpError, match="at least 3"):
        services.followup_close(actor=r.navigator, followup_id=task.pk, reason="unable_to_reach")
    for _ in range(3):
        services.attempt_record(
            actor=r.navigator, followup_id=task.pk, method="phone", outcome="no_answer"
        )
    closed = services.followup_close(
        actor=r.navigator, followup_id=task.pk, reason="unable_to_reach"
    )
    assert closed.status == FollowUpStatus.CLOSED
    assert closed.closing_reason == "unable_to_reach"


def test_closing_a_repeating_task_stops_the_repeat(rules_region):
    r = rules_region
    task = medication_task(r)
    services.followup_close(actor=r.navigator, followup_id=task.pk, reason="hospitalised")
    assert not FollowUp.objects.filter(status=FollowUpStatus.OPEN).exists()


def test_a_closed_task_cannot_be_closed_again(rules_region):
    r = rules_region
    task = medication_task(r)
    services.followup_close(actor=r.navigator, followup_id=task.pk, reason="moved")
    with pytest.raises(services.FollowUpError, match="already closed"):
        services.followup_close(actor=r.navigator, followup_id=task.pk, reason="moved")


def test_officers_cannot_touch_follow_ups(rules_region):
    r = rules_region
    task = medication_task(r)
    with pytest.raises(Http404):
        services.attempt_record(
            actor=r.officer, followup_id=task.pk, method="phone", outcome="reached"
        )
    with pytest.raises(Http404):
        services.followup_close(actor=r.police_supervisor, followup_id=task.pk, reason="moved")


def test_a_due_reminder_notifies_the_assignee_without_clinical_detail(rules_region):
    r = rules_region
    task = medication_task(r)
    services.followup_assign(actor=r.navigator, followup_id=task.pk, assignee_id=r.navigator.pk)
    later = task.due_at + timedelta(minutes=1)
    (note,) = services.followup_remind(followup_id=task.pk, kind="due", now=later)
    assert note.recipient == r.navigator
    assert note.text == f"Follow-up due for D.R. (person {r.person.pk})"
    for word in ("medication", "crisis", "Dana", "Reyes", "transport"):
        assert word.lower() not in note.text.lower()


def test_a_reminder_before_the_due_time_does_nothing(rules_region):
    r = rules_region
    task = medication_task(r)
    early = task.due_at - timedelta(hours=1)
    assert services.followup_remind(followup_id=task.pk, kind="due", now=early) == []


def test_overdue_by_a_day_tells_the_supervisor_too_once(rules_region):
    r = rules_region
    task = medication_task(r)
    services.followup_assign(actor=r.navigator, followup_id=task.pk, assignee_id=r.navigator.pk)
    late = task.due_at + timedelta(hours=25)
    made = services.followup_remind(followup_id=task.pk, kind="overdue", now=late)
    assert {n.recipient for n in made} == {r.navigator, r.supervisor}
    assert services.followup_remind(followup_id=task.pk, kind="overdue", now=late) == []
    assert "overdue by more than 24 h" in made[0].text


def test_a_finished_task_sends_no_reminder(rules_region):
    r = rules_region
    task = medication_task(r)
    services.followup_close(actor=r.navigator, followup_id=task.pk, reason="declined")
    late = task.due_at + timedelta(days=2)
    assert services.followup_remind(followup_id=task.pk, kind="overdue", now=late) == []


def test_creating_a_task_schedules_its_reminders_and_the_task_runs_synchronously(
    rules_region, settings, django_capture_on_commit_callbacks
):
    from django_tasks import task_backends

    r = rules_region
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    backend = task_backends["default"]
    with django_capture_on_commit_callbacks(execute=True):
        task = medication_task(r)
    scheduled = sorted((res.task.run_after, res.args[1]) for res in backend.results)
    assert scheduled == [
        (task.due_at, "due"),
        (task.due_at + services.ESCALATE_AFTER, "overdue"),
    ]
    # Unassigned at its due time: the provider's supervisors hear of it.
    task.due_at = timezone.now() - timedelta(minutes=1)
    FollowUp.objects.filter(pk=task.pk).update(due_at=task.due_at)
    assert followup_reminder.call(task.pk, "due") == 1
    note = Notification.objects.get()
    assert note.recipient == r.supervisor
    assert re.fullmatch(r"Follow-up due for D\.R\. \(person \d+\)", note.text)
