"""Writes of dispatch: assignments, unit status, clinician requests, recoding.

Intake lives in `dispatch.intake`. Every change is timestamped and attributed by a
`DispatchEvent` written in the same transaction.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from tandem.agencies.models import BUSY_STATUSES, Team, UnitStatus
from tandem.dispatch.intake import CallIntake, call_intake, event_record
from tandem.dispatch.models import (
    STEPS,
    Assignment,
    Call,
    CallSource,
    CallStatus,
    ResponseMode,
)


class DispatchError(Exception):
    """A dispatch action that cannot be done; the message says why, for the dispatcher."""


STEP_FIELDS = {status: field for status, _, field in STEPS}


@transaction.atomic
def assignment_create(*, actor, call_id: int, team_id: int, mode: str = "") -> Assignment:
    """Send a team to a call. A team already committed is refused, never double-booked."""
    # Row locks make concurrent dispatchers queue here on PostgreSQL; SQLite takes its
    # write lock at BEGIN. The partial unique index is the last line of defence.
    team = Team.objects.select_for_update().get(pk=team_id)
    call = Call.objects.select_for_update().get(pk=call_id)
    if call.status == CallStatus.CLOSED:
        raise DispatchError(f"Call {call.number} is closed.")
    busy = Assignment.objects.filter(team=team, cleared_at__isnull=True).select_related("call")
    if (current := busy.first()) is not None:
        raise DispatchError(f"{team.call_sign} is already assigned to call {current.call.number}.")
    if team.status != UnitStatus.AVAILABLE:
        raise DispatchError(f"{team.call_sign} is {team.get_status_display().lower()}.")
    now = timezone.now()
    try:
        with transaction.atomic():
            assignment = Assignment.objects.create(
                owning_agency_id=call.owning_agency_id,
                call=call,
                team=team,
                mode=mode or call.recommended_mode or ResponseMode.CO_RESPONDER,
                assigned_at=now,
                assigned_by=actor,
                created_by=actor,
                updated_by=actor,
            )
    except IntegrityError:
        raise DispatchError(f"{team.call_sign} was just assigned by someone else.") from None
    _team_status(team, UnitStatus.ASSIGNED, now)
    Call.objects.filter(pk=call.pk).update(
        status=CallStatus.ASSIGNED, updated_at=now, updated_by=actor
    )
    event_record(
        actor=actor,
        kind="assign",
        call=call,
        team=team,
        assignment=assignment,
        detail=f"{team.call_sign} assigned ({assignment.get_mode_display()})",
    )
    return assignment


@transaction.atomic
def assignment_advance(*, actor, assignment_id: int, status: str) -> Assignment:
    """Move an assignment forward: en route, on scene, transporting, cleared, or the
    officer's return to patrol (kept apart from the clinician's clear)."""
    if status == "officer_returned":
        return assignment_officer_returned(actor=actor, assignment_id=assignment_id)
    assignment = (
        Assignment.objects.select_for_update().select_related("team", "call").get(pk=assignment_id)
    )
    if status not in STEP_FIELDS:
        raise DispatchError(f"status: expected one of {', '.join(STEP_FIELDS)}; got {status!r}.")
    if assignment.cleared_at is not None:
        raise DispatchError(f"{assignment.team.call_sign} has already cleared this call.")
    if status not in {s for s, _ in assignment.next_steps}:
        raise DispatchError(
            f"{assignment.team.call_sign} cannot go {status.replace('_', ' ')} "
            f"after {_stage_name(assignment)}."
        )
    now = timezone.now()
    setattr(assignment, STEP_FIELDS[status], now)
    assignment.updated_by = actor
    assignment.save()
    if status == "cleared":
        _team_status(assignment.team, UnitStatus.AVAILABLE, now)
        if not assignment.call.assignments.filter(cleared_at__isnull=True).exists():
            Call.objects.filter(pk=assignment.call_id).update(status=CallStatus.CLOSED)
    else:
        _team_status(assignment.team, status, now)
    event_record(
        actor=actor,
        kind="status",
        call=assignment.call,
        team=assignment.team,
        assignment=assignment,
        detail=f"{assignment.team.call_sign} {status}",
    )
    return assignment


def _stage_name(assignment: Assignment) -> str:
    stage = assignment.stage
    return STEPS[stage][1].lower() if stage >= 0 else "assigned"


@transaction.atomic
def assignment_officer_returned(*, actor, assignment_id: int) -> Assignment:
    """The officer goes back on patrol; the clinician stays with the person."""
    assignment = (
        Assignment.objects.select_for_update().select_related("team", "call").get(pk=assignment_id)
    )
    if assignment.officer_returned_at is not None:
        raise DispatchError("The officer's return to patrol is already recorded.")
    if assignment.on_scene_at is None:
        raise DispatchError("Record arrival on scene before the officer's return to patrol.")
    assignment.officer_returned_at = timezone.now()
    assignment.updated_by = actor
    assignment.save()
    event_record(
        actor=actor,
        kind="officer_returned",
        call=assignment.call,
        team=assignment.team,
        assignment=assignment,
        detail=f"{assignment.team.call_sign}: officer returned to patrol",
    )
    return assignment


@transaction.atomic
def team_status_set(*, actor, team_id: int, status: str) -> Team:
    """Put a free team out of service or back in service."""
    team = Team.objects.select_for_update().get(pk=team_id)
    if status not in {UnitStatus.AVAILABLE, UnitStatus.OUT_OF_SERVICE}:
        raise DispatchError("A team's status is set directly only to available or out of service.")
    if team.status in BUSY_STATUSES:
        raise DispatchError(f"{team.call_sign} is on a call; clear it first.")
    _team_status(team, status, timezone.now())
    event_record(
        actor=actor,
        kind="status",
        team=team,
        detail=f"{team.call_sign} {UnitStatus(status).label.lower()}",
    )
    return team


def _team_status(team: Team, status: str, at) -> None:
    Team.objects.filter(pk=team.pk).update(status=status, status_since=at)
    team.status, team.status_since = status, at


@transaction.atomic
def call_request_clinician(*, actor, call_id: int, note: str = "") -> Call:
    """An officer on scene asks for a clinician: the call goes back to the board."""
    call = Call.objects.select_for_update().get(pk=call_id)
    call.recommended_mode = ResponseMode.CLINICIAN_CALLOUT
    call.behavioral_health = True
    call.status = CallStatus.PENDING
    call.updated_by = actor
    call.save()
    event_record(
        actor=actor,
        kind="clinician_requested",
        call=call,
        detail=("Officer on scene requested a clinician. " + note).strip(),
    )
    return call


@transaction.atomic
def call_self_initiate(*, actor, team_id: int, intake: CallIntake) -> Assignment:
    """A team starts a contact on its own (self-staging): a call, assigned and on scene."""
    intake.source = CallSource.SELF_INITIATED
    call, _ = call_intake(actor=actor, intake=intake)
    assignment = assignment_create(actor=actor, call_id=call.pk, team_id=team_id)
    return assignment_advance(actor=actor, assignment_id=assignment.pk, status=UnitStatus.ON_SCENE)


@transaction.atomic
def call_recode(*, actor, call_id: int, final_call_type: str, behavioral_health: bool) -> Call:
    """Record the call's final type after the encounter found (or ruled out) a BH nexus.

    No free-text reason is taken: the recode travels back to the CAD, which must never
    carry clinical detail.
    """
    call = Call.objects.select_for_update().get(pk=call_id)
    if not final_call_type.strip():
        raise DispatchError("final_call_type: expected the call type after recoding.")
    call.final_call_type = final_call_type.strip()[:80]
    call.behavioral_health = behavioral_health
    call.recoded_at = timezone.now()
    call.updated_by = actor
    call.save()
    event_record(
        actor=actor,
        kind="recode",
        call=call,
        detail=f"Recoded to {call.final_call_type} "
        f"({'behavioral health' if behavioral_health else 'not behavioral health'})",
    )
    return call
