"""Writes of follow-up work: tasks from program rules, contact attempts, closing, reminders.

Every function takes the acting user, runs in one transaction and writes its audit event
in it. Referral and encounter services call `followups_for_event` (or one of the three
helpers below it) inside their own transaction, so a referral and its follow-up task
commit together.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from tandem.accounts.models import Membership
from tandem.accounts.roles import Role
from tandem.agencies.models import Agency, AgencyKind
from tandem.core.models import service_write
from tandem.followups import rules
from tandem.followups.models import (
    AttemptMethod,
    AttemptOutcome,
    ClosingReason,
    FollowUp,
    FollowUpAttempt,
    FollowUpRule,
    FollowUpStatus,
    Notification,
)
from tandem.privacy.selectors import visible
from tandem.privacy.services import audit_record

# "Unable to reach" is a closing reason only after this many recorded attempts.
UNREACHABLE_MIN_ATTEMPTS = 3
# Overdue by more than this, the provider's supervisors are told too.
ESCALATE_AFTER = timedelta(hours=24)


class FollowUpError(ValueError):
    """A request the task's state does not allow; `field` names the form field at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


# -- Tasks from program rules ---------------------------------------------------------


def program_rules() -> list[rules.Rule]:
    return [
        rules.Rule(
            code=r.code,
            event=r.event,
            kind=r.kind,
            due_within_hours=r.due_within_hours,
            risk_levels=frozenset(r.risk_levels),
            dispositions=frozenset(r.dispositions),
            repeat=r.repeat,
            provider_id=r.provider_id,
        )
        for r in FollowUpRule.objects.all()
    ]


@transaction.atomic
def followups_for_event(*, actor, event: rules.Event) -> list[FollowUp]:
    """Create the tasks the program's rules call for after `event`; returns them.

    Only a behavioral-health provider's events make tasks (a police-only encounter has
    no treating provider to follow up). A task already open for the same person, kind
    and encounter or referral is not made twice, so reporting an event again is harmless.
    """
    if not Agency.objects.filter(pk=event.agency_id, kind=AgencyKind.BEHAVIORAL_HEALTH).exists():
        return []
    created = []
    for spec in rules.tasks_for_event(program_rules(), event):
        duplicate = FollowUp.objects.filter(
            person_id=event.person_id,
            kind=spec.kind,
            status=FollowUpStatus.OPEN,
            encounter_id=spec.encounter_id,
            referral_id=spec.referral_id,
        )
        if duplicate.exists():
            continue
        created.append(
            _task_create(
                actor=actor,
                agency_id=event.agency_id,
                person_id=event.person_id,
                kind=spec.kind,
                due_at=spec.due_at,
                rule_code=spec.rule_code,
                repeat=spec.repeat,
                encounter_id=spec.encounter_id,
                referral_id=spec.referral_id,
                reason=f"rule {spec.rule_code} after {event.kind}",
            )
        )
    return created


def followups_for_referral(*, actor, referral) -> list[FollowUp]:
    """Call after a referral is created (inside the referral's transaction)."""
    return followups_for_event(
        actor=actor,
        event=rules.Event(
            kind=rules.REFERRAL_CREATED,
            at=referral.sent_at,
            agency_id=referral.owning_agency_id,
            person_id=referral.person_id,
            encounter_id=referral.encounter_id,
            referral_id=referral.pk,
        ),
    )


def followups_for_screening(
    *, actor, encounter, risk_level: str, at: datetime | None = None
) -> list[FollowUp]:
    """Call after a screening with its risk level (low, moderate, high) is recorded."""
    if encounter.person_id is None:
        return []
    return followups_for_event(
        actor=actor,
        event=rules.Event(
            kind=rules.SCREENING,
            at=at or timezone.now(),
            agency_id=encounter.owning_agency_id,
            person_id=encounter.person_id,
            encounter_id=encounter.pk,
            risk_level=risk_level,
        ),
    )


def followups_for_disposition(*, actor, encounter, at: datetime | None = None) -> list[FollowUp]:
    """Call after an encounter's disposition is recorded or changed."""
    if encounter.person_id is None or not encounter.disposition:
        return []
    return followups_for_event(
        actor=actor,
        event=rules.Event(
            kind=rules.DISPOSITION,
            at=at or encounter.ended_at or timezone.now(),
            agency_id=encounter.owning_agency_id,
            person_id=encounter.person_id,
            encounter_id=encounter.pk,
            disposition=encounter.disposition,
        ),
    )


def _task_create(*, actor, agency_id: int, reason: str, **fields) -> FollowUp:
    user = actor if actor is not None and actor.is_authenticated else None
    with service_write():
        task = FollowUp(owning_agency_id=agency_id, created_by=user, updated_by=user, **fields)
        task.full_clean()
        task.save()
        audit_record(
            actor=actor,
            action="create",
            obj=task,
            person_id=task.person_id,
            reason=reason,
            agency_id=agency_id,
        )
    transaction.on_commit(lambda: _schedule_reminders(task.pk, task.due_at))
    return task


def _schedule_reminders(followup_id: int, due_at: datetime) -> None:
    from tandem.followups.tasks import followup_reminder

    followup_reminder.using(run_after=due_at).enqueue(followup_id, "due")
    followup_reminder.using(run_after=due_at + ESCALATE_AFTER).enqueue(followup_id, "overdue")


# -- Working a task -------------------------------------------------------------------


def _task_for_update(actor, followup_id: int) -> FollowUp:
    """The task, locked, if the actor may see it; 404 alike for missing and forbidden."""
    if not visible(actor, FollowUp.objects.filter(pk=followup_id)).exists():
        raise Http404("No such follow-up.")
    return FollowUp.objects.select_for_update().get(pk=followup_id)


def _require_open(task: FollowUp) -> None:
    if task.status != FollowUpStatus.OPEN:
        raise FollowUpError("status", f"the task is already {task.get_status_display().lower()}")


@transaction.atomic
def attempt_record(
    *,
    actor,
    followup_id: int,
    method: str,
    outcome: str,
    notes: str = "",
    at: datetime | None = None,
) -> FollowUpAttempt:
    """Record one try to reach the person (phone, visit, family or caregiver ...)."""
    task = _task_for_update(actor, followup_id)
    _require_open(task)
    if method not in AttemptMethod.values:
        raise FollowUpError("method", "expected one of " + ", ".join(AttemptMethod.labels))
    if outcome not in AttemptOutcome.values:
        raise FollowUpError("outcome", "expected one of " + ", ".join(AttemptOutcome.labels))
    at = at or timezone.now()
    if at > timezone.now() + timedelta(minutes=5):
        raise FollowUpError("at", "an attempt cannot be in the future")
    with service_write():
        attempt = FollowUpAttempt(
            owning_agency_id=task.owning_agency_id,
            followup=task,
            method=method,
            outcome=outcome,
            at=at,
            by=actor,
            notes=notes.strip(),
            created_by=actor,
            updated_by=actor,
        )
        attempt.full_clean()
        attempt.save()
        task.updated_by = actor
        task.save(update_fields=["updated_at", "updated_by"])
        audit_record(
            actor=actor,
            action="create",
            obj=attempt,
            person_id=task.person_id,
            segments={"clinical"} if attempt.notes else (),
            reason=f"attempt {method} {outcome} on follow-up {task.pk}",
            agency_id=task.owning_agency_id,
        )
    return attempt


@transaction.atomic
def followup_complete(
    *, actor, followup_id: int, stabilised: bool = False, outcome: str = "", notes: str = ""
) -> tuple[FollowUp, FollowUp | None]:
    """Mark the task done; a repeating task makes its successor unless `stabilised`.

    Returns the task and the next one (None when there is none).
    """
    task = _task_for_update(actor, followup_id)
    _require_open(task)
    now = timezone.now()
    task.status = FollowUpStatus.DONE
    task.completed_at = now
    task.stabilised = stabilised
    task.outcome = outcome.strip()[:200] or ("Stabilised" if stabilised else "Completed")
    _finish(task, actor, "complete", notes, reason="stabilised" if stabilised else "")
    due = None if stabilised else rules.next_due(task.repeat, now, task.due_at)
    if due is None:
        return task, None
    successor = _task_create(
        actor=actor,
        agency_id=task.owning_agency_id,
        person_id=task.person_id,
        kind=task.kind,
        due_at=due,
        rule_code=task.rule_code,
        repeat=task.repeat,
        encounter_id=task.encounter_id,
        referral_id=task.referral_id,
        previous=task,
        assigned_to=task.assigned_to,
        reason=f"repeats follow-up {task.pk}",
    )
    return task, successor


@transaction.atomic
def followup_close(*, actor, followup_id: int, reason: str, notes: str = "") -> FollowUp:
    """Close the task with a reason; a repeating task stops repeating."""
    task = _task_for_update(actor, followup_id)
    _require_open(task)
    if reason not in ClosingReason.values:
        raise FollowUpError("reason", "expected one of " + ", ".join(ClosingReason.labels))
    if reason == ClosingReason.UNABLE_TO_REACH:
        tries = task.attempts.count()
        if tries < UNREACHABLE_MIN_ATTEMPTS:
            raise FollowUpError(
                "reason",
                f"'unable to reach' needs at least {UNREACHABLE_MIN_ATTEMPTS} recorded "
                f"attempts; this task has {tries}",
            )
    if reason == ClosingReason.OTHER and not notes.strip():
        raise FollowUpError("notes", "say why the task is closed when the reason is 'other'")
    task.status = FollowUpStatus.CLOSED
    task.completed_at = timezone.now()
    task.closing_reason = reason
    task.outcome = ClosingReason(reason).label
    _finish(task, actor, "close", notes, reason=f"closed: {reason}")
    return task


def _finish(task: FollowUp, actor, action: str, notes: str, *, reason: str) -> None:
    """Save a completed or closed task with any closing notes appended, audited."""
    with service_write():
        if notes.strip():
            task.notes = (task.notes + "\n" if task.notes else "") + notes.strip()
        task.updated_by = actor
        task.full_clean()
        task.save()
        audit_record(
            actor=actor,
            action=action,
            obj=task,
            person_id=task.person_id,
            segments={"clinical"} if notes.strip() else (),
            reason=reason,
            agency_id=task.owning_agency_id,
        )


@transaction.atomic
def followup_assign(*, actor, followup_id: int, assignee_id: int | None) -> FollowUp:
    """Give the task to a clinical staff member of its provider (or to nobody)."""
    task = _task_for_update(actor, followup_id)
    _require_open(task)
    if (
        assignee_id is not None
        and not Membership.objects.filter(
            user_id=assignee_id,
            owning_agency_id=task.owning_agency_id,
            role__in=(Role.CLINICIAN, Role.NAVIGATOR, Role.SUPERVISOR),
        ).exists()
    ):
        raise FollowUpError("assignee", "expected a clinician or navigator of the provider")
    with service_write():
        task.assigned_to_id = assignee_id
        task.updated_by = actor
        task.save()
        audit_record(
            actor=actor,
            action="assign",
            obj=task,
            person_id=task.person_id,
            reason=f"assigned to user {assignee_id}" if assignee_id else "unassigned",
            agency_id=task.owning_agency_id,
        )
    return task


# -- Reminders ------------------------------------------------------------------------


def reminder_text(task: FollowUp, kind: str) -> str:
    """No clinical detail: no kind, reason or diagnosis, only whom and when."""
    person = task.person
    initials = f"{person.given_name[:1]}.{person.family_name[:1]}.".upper()
    when = "overdue by more than 24 h" if kind == "overdue" else "due"
    return f"Follow-up {when} for {initials} (person {person.pk})"


def _supervisors(agency_id: int) -> list[int]:
    return list(
        Membership.objects.filter(owning_agency_id=agency_id, role=Role.SUPERVISOR).values_list(
            "user_id", flat=True
        )
    )


@transaction.atomic
def followup_remind(
    *, followup_id: int, kind: str, now: datetime | None = None
) -> list[Notification]:
    """Notify about one task falling due ('due') or overdue by over 24 h ('overdue').

    Run by the background task at the due time; does nothing for a task since finished,
    or one not yet due (its due time moved). Each recipient is told once per kind.
    """
    if kind not in ("due", "overdue"):
        raise ValueError(f"kind: expected due or overdue; got {kind!r}")
    now = now or timezone.now()
    task = FollowUp.objects.select_related("person").filter(pk=followup_id).first()
    if task is None or task.status != FollowUpStatus.OPEN:
        return []
    threshold = task.due_at + (ESCALATE_AFTER if kind == "overdue" else timedelta(0))
    if now < threshold:
        return []
    recipients = [task.assigned_to_id] if task.assigned_to_id else []
    if kind == "overdue" or not recipients:
        recipients += _supervisors(task.owning_agency_id)
    made = []
    for user_id in dict.fromkeys(recipients):
        try:
            with transaction.atomic():
                made.append(
                    Notification.objects.create(
                        owning_agency_id=task.owning_agency_id,
                        recipient_id=user_id,
                        kind=f"followup_{kind}",
                        text=reminder_text(task, kind),
                        url=reverse("followups:followup_detail", args=[task.pk]),
                        followup=task,
                    )
                )
        except IntegrityError:
            continue  # already told
    return made


@transaction.atomic
def notifications_read(*, actor, notification_ids: list[int] | None = None) -> int:
    """Mark the actor's notifications read (all of them when no ids are given)."""
    rows = Notification.objects.filter(recipient=actor, read_at__isnull=True)
    if notification_ids is not None:
        rows = rows.filter(pk__in=notification_ids)
    return rows.update(read_at=timezone.now())
