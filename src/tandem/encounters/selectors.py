"""Reads of encounters and screenings, through the privacy gate."""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from tandem.agencies.models import Code, CodeList
from tandem.dispatch.models import Assignment
from tandem.encounters.models import Disposition, Encounter, EncounterStatus, Screening
from tandem.encounters.services import disposition_agencies, on_team
from tandem.privacy import selectors as gate

_RELATED = ("call", "person", "assignment__team", "owning_agency")


def encounter_list(
    *,
    actor,
    person_id: int | None = None,
    call_id: int | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[Encounter]:
    rows = Encounter.objects.select_related(*_RELATED)
    if person_id is not None:
        rows = rows.filter(person_id=person_id)
    if call_id is not None:
        rows = rows.filter(call_id=call_id)
    return gate.summaries(actor, rows, limit=limit, offset=offset)


def encounter_get(*, actor, encounter_id: int) -> Encounter:
    return gate.get_visible(actor, Encounter.objects.select_related(*_RELATED), encounter_id)


@dataclass(frozen=True)
class ScreeningSummary:
    """What anyone who sees the encounter is told: that screening happened, and whether
    it calls for emergency care. No instrument, answer or score."""

    done: bool
    needs_emergency_care: bool


def screening_summary(*, actor, encounter: Encounter) -> ScreeningSummary:
    rows = gate.visible(actor, Screening.objects.filter(encounter_id=encounter.pk))
    flags = list(rows.values_list("needs_emergency_care", flat=True))
    return ScreeningSummary(done=bool(flags), needs_emergency_care=any(flags))


def screening_list(*, actor, encounter: Encounter) -> list[Screening]:
    """The encounter's screenings, redacted for the actor (answers for clinical staff)."""
    rows = Screening.objects.filter(encounter_id=encounter.pk).select_related("encounter__call")
    return gate.disclose_all(actor, gate.visible(actor, rows))


def assignment_for_encounter(*, actor, assignment_id: int | None) -> Assignment:
    """An assignment the actor is on, to record its encounter; 404 otherwise."""
    assignment = (
        Assignment.objects.select_related("team", "call").filter(pk=assignment_id).first()
        if assignment_id
        else None
    )
    if not on_team(actor, assignment):
        raise Http404("No such assignment.")
    return assignment


# Assignments stay on a responder's "to record" list this long after clearing.
RECORD_WITHIN = timedelta(hours=12)


def assignments_to_record(*, actor) -> list[Assignment]:
    """The actor's team assignments, open or cleared lately, with no submitted encounter."""
    since = timezone.now() - RECORD_WITHIN
    return list(
        Assignment.objects.filter(team__members__user=actor)
        .filter(Q(cleared_at__isnull=True) | Q(cleared_at__gte=since))
        .exclude(encounters__status=EncounterStatus.SUBMITTED)
        .select_related("team", "call")
        .order_by("-assigned_at")
        .distinct()[:20]
    )


def draft_for(*, actor, assignment: Assignment) -> Encounter | None:
    """An unfinished encounter of this assignment the actor started, to carry on with."""
    return (
        Encounter.objects.filter(
            assignment=assignment, status=EncounterStatus.DRAFT, created_by=actor
        )
        .order_by("-created_at")
        .first()
    )


def disposition_choices(encounter: Encounter) -> list[tuple[str, list[tuple[str, str]]]]:
    """Grouped choices for the form: the standard list, then the program's local codes
    (each says which standard value it counts as). Local codes are sent as `code:<code>`."""
    labels = dict(Disposition.choices)
    groups = [("Standard", [(value, label) for value, label in Disposition.choices])]
    local = (
        Code.objects.filter(
            list=CodeList.DISPOSITION, owning_agency__in=disposition_agencies(encounter)
        )
        .exclude(code__in=Disposition.values)
        .order_by("code")
    )
    options = [
        (f"code:{c.code}", f"{c.code}: {c.label} (counts as {labels.get(c.standard, c.standard)})")
        for c in local
    ]
    if options:
        groups.append(("Local codes", list(dict.fromkeys(options))))
    return groups


def call_subject(*, actor, call):
    """The person a call is about, if the actor may see them (a new encounter's subject)."""
    from tandem.people.models import Person

    if call is None or call.subject_id is None:
        return None
    return gate.visible(actor, Person.objects.filter(pk=call.subject_id)).first()
