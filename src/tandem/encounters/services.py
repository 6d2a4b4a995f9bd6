"""Writes of encounters and screenings. Each runs in one transaction with its audit event.

Every save re-derives what follows from the record: the standard disposition of a
local code, `needs_emergency_care` from the screenings, and the diversion flags
(`encounters.diversion`, rules in docs/metrics.md). An actor writes only the segments
they may read: an officer cannot enter clinical fields, and a form re-sent with the
blanks of fields withheld from its user cannot erase them.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from tandem.agencies.models import AgencyKind, Code, CodeList, TeamMember
from tandem.core.models import service_write
from tandem.dispatch.models import Assignment
from tandem.encounters import diversion, instruments
from tandem.encounters.models import Encounter, EncounterStatus, Screening
from tandem.followups.services import followups_for_disposition, followups_for_screening
from tandem.people.models import Person
from tandem.people.services import person_create
from tandem.privacy import policy
from tandem.privacy.segments import CLINICAL, HEALTH_SEGMENTS, segmented_fields
from tandem.privacy.selectors import visible
from tandem.privacy.services import audit_record

# What the field form (and the API) may set; the rest is derived or set by the system.
EDITABLE_FIELDS = (
    "person_id",
    "started_at",
    "ended_at",
    "minutes_on_scene",
    "modality",
    "clinician_assessed",
    "disposition",
    "local_disposition",
    "transport_destination",
    "people_present",
    "behaviors",
    "weapons_present",
    "weapon_kinds",
    "safety_notes",
    "force_used",
    "injuries",
    "arrestable_offence",
    "charges",
    "police_narrative",
    "ed_otherwise",
    "response_actions",
    "clinical_interventions",
    "risk_level",
    "presenting_problem",
    "clinical_notes",
    "diagnosis_impression",
    "substance_use_notes",
    "subject_entry",
)
EDITABLE = frozenset(EDITABLE_FIELDS)
SUBJECT_FIELDS = ("given_name", "family_name", "date_of_birth", "phone", "address")


def _health_segments_in(fields) -> set[str]:
    segments = segmented_fields(Encounter)
    return {str(segments[f]) for f in fields if segments.get(f) in HEALTH_SEGMENTS}


def writable_fields(actor, encounter: Encounter) -> frozenset[str]:
    """Editable fields whose segment (if any) the actor may write on this encounter."""
    readable = policy.writable_segments(actor, encounter)
    segments = segmented_fields(Encounter)
    return frozenset(f for f in EDITABLE if segments.get(f) is None or segments[f] in readable)


def _check_writable(actor, encounter: Encounter, fields) -> None:
    if actor is None:
        return  # the system (imports, feeds) writes every segment
    refused = sorted(set(fields) - writable_fields(actor, encounter) - {"subject_entry"})
    if refused:
        raise PermissionDenied(f"You may not record {', '.join(refused)} on this encounter.")


def _local_code(encounter: Encounter) -> Code | None:
    """The program code named by `local_disposition`: the most specific agency's first."""
    agencies = disposition_agencies(encounter)
    codes = Code.objects.filter(
        list=CodeList.DISPOSITION, code=encounter.local_disposition, owning_agency__in=agencies
    ).select_related("owning_agency")
    return min(codes, key=lambda c: c.owning_agency.kind == AgencyKind.REGIONAL_ADMIN, default=None)


def disposition_agencies(encounter: Encounter) -> set[int]:
    """Agencies whose local disposition codes apply: the encounter's, the call's, the
    team's, and the regional administrator's (codes shared by the whole region)."""
    from tandem.agencies.models import Agency

    ids = {encounter.owning_agency_id}
    if encounter.call_id:
        ids.add(encounter.call.owning_agency_id)
    if encounter.assignment_id:
        team = encounter.assignment.team
        ids |= {team.owning_agency_id, team.clinical_agency_id}
    ids |= set(Agency.objects.filter(kind=AgencyKind.REGIONAL_ADMIN).values_list("pk", flat=True))
    return ids - {None}


def _derive(encounter: Encounter) -> None:
    """Fill in what follows from the record: standard disposition, emergency, diversion."""
    if encounter.local_disposition:
        code = _local_code(encounter)
        if code is None:
            raise ValidationError(
                {
                    "local_disposition": f"{encounter.local_disposition!r} is not a disposition "
                    "code of this program"
                }
            )
        encounter.disposition = code.standard
    screenings = list(encounter.screenings.all()) if encounter.pk else []
    if screenings:
        encounter.needs_emergency_care = any(s.needs_emergency_care for s in screenings)
    facts = diversion.Facts(
        disposition=encounter.disposition,
        apco_code=encounter.call.apco_code if encounter.call_id else "",
        arrestable_offence=encounter.arrestable_offence,
        ed_otherwise=encounter.ed_otherwise,
        screening_results=frozenset(s.result for s in screenings if s.complete),
    )
    encounter.diverted_from_jail = diversion.diverted_from_jail(facts)
    encounter.diverted_from_hospital = diversion.diverted_from_hospital(facts)


@transaction.atomic
def encounter_create(*, actor, owning_agency_id: int, **fields) -> Encounter:
    with service_write():
        encounter = Encounter(
            owning_agency_id=owning_agency_id, created_by=actor, updated_by=actor, **fields
        )
        _check_writable(actor, encounter, set(fields) & EDITABLE)
        _derive(encounter)
        encounter.full_clean()
        encounter.save()
        audit_record(
            actor=actor,
            action="create",
            obj=encounter,
            person_id=encounter.person_id,
            segments=_health_segments_in(fields),
        )
    return encounter


@transaction.atomic
def encounter_update(*, actor, encounter_id: int, **changes) -> Encounter:
    with service_write():
        encounter = Encounter.objects.select_for_update().get(pk=encounter_id)
        _check_writable(actor, encounter, set(changes) & EDITABLE)
        for name, value in changes.items():
            setattr(encounter, name, value)
        encounter.updated_by = actor
        _derive(encounter)
        encounter.full_clean()
        encounter.save()
        audit_record(
            actor=actor,
            action="update",
            obj=encounter,
            person_id=encounter.person_id,
            segments=_health_segments_in(changes),
        )
    return encounter


RISK_RESULTS = {instruments.LOW, instruments.MODERATE, instruments.HIGH}


def _can_write_clinical(actor, encounter: Encounter) -> bool:
    return CLINICAL in policy.writable_segments(actor, encounter)


@transaction.atomic
def screening_record(
    *, actor, encounter_id: int, instrument: str, answers: Mapping[str, Any], final: bool = True
) -> Screening:
    """Store one instrument's answers for an encounter (one screening per instrument).

    With `final`, incomplete or inconsistent answers raise `InstrumentInvalid` naming
    each item. A draft (`final=False`) is stored as it is and scored once complete.
    A complete screening sets the encounter's `needs_emergency_care` and diversion flags.
    """
    encounter = Encounter.objects.select_for_update().get(pk=encounter_id)
    if not _can_write_clinical(actor, encounter):
        raise PermissionDenied("Only the treating provider's clinical staff record screenings.")
    problems = instruments.check(instrument, answers, complete=final)
    if problems and (final or any(p[0] in ("instrument", "answers") for p in problems)):
        raise instruments.InstrumentInvalid(problems)
    complete = not instruments.check(instrument, answers)
    outcome = instruments.score(instrument, answers) if complete else None
    with service_write():
        screening = Screening.objects.filter(encounter=encounter, instrument=instrument).first()
        action = "update" if screening else "create"
        screening = screening or Screening(
            encounter=encounter,
            instrument=instrument,
            owning_agency_id=encounter.owning_agency_id,
            created_by=actor,
        )
        if screening.pk and screening.answers == dict(answers):
            return screening  # the same answers sent again (an autosave or a retry)
        screening.answers = dict(answers)
        screening.complete = complete
        screening.result = outcome.result if outcome else ""
        screening.needs_emergency_care = bool(outcome and outcome.needs_emergency_care)
        screening.screened_at = timezone.now()
        screening.updated_by = actor
        screening.save()
        audit_record(
            actor=actor,
            action=action,
            obj=screening,
            person_id=encounter.person_id,
            segments={str(CLINICAL)},
        )
        encounter.updated_by = actor
        _derive(encounter)
        encounter.save()
        audit_record(actor=actor, action="update", obj=encounter, person_id=encounter.person_id)
    if complete and screening.result in RISK_RESULTS:  # the program's follow-up rules
        followups_for_screening(actor=actor, encounter=encounter, risk_level=screening.result)
    return screening


def treating_agency(*, actor, assignment: Assignment) -> int:
    """Owner of a new encounter: the team's clinical agency when it has one (the treating
    provider); else the actor's behavioral-health agency if they are a clinician on the
    team; else the team's own agency."""
    team = assignment.team
    if team.clinical_agency_id:
        return team.clinical_agency_id
    if team.owning_agency.kind == AgencyKind.BEHAVIORAL_HEALTH:
        return team.owning_agency_id
    for membership in actor.memberships_cached():
        if membership.owning_agency.kind == AgencyKind.BEHAVIORAL_HEALTH and (
            membership.owning_agency_id in policy.actor_for(actor).clinical_agencies
        ):
            return membership.owning_agency_id
    return team.owning_agency_id


def on_team(actor, assignment: Assignment | None) -> bool:
    return (
        assignment is not None
        and TeamMember.objects.filter(team_id=assignment.team_id, user=actor).exists()
    )


def _subject_person(actor, person_id: int | None, subject: Mapping[str, Any], submit: bool):
    """(person_id, subject_entry): an existing person, a new one on submission, or the
    typed details kept with a draft."""
    if person_id:
        if not visible(actor, Person.objects.filter(pk=person_id)).exists():
            raise ValidationError({"person_id": "that person is not on record for you"})
        return person_id, {}
    entered = {k: subject.get(k) for k in SUBJECT_FIELDS if subject.get(k)}
    if not entered:
        return None, {}
    if not submit:
        return None, {k: str(v) for k, v in entered.items()}
    if not (entered.get("given_name") and entered.get("family_name")):
        raise ValidationError(
            {"family_name": "give the subject's given and family names, or choose a match"}
        )
    person = person_create(
        actor=actor,
        given_name=entered["given_name"],
        family_name=entered["family_name"],
        date_of_birth=subject.get("date_of_birth") or None,
        phone=subject.get("phone") or "",
        address=subject.get("address") or "",
    )
    return person.pk, {}


@transaction.atomic
def encounter_save(
    *,
    actor,
    client_token: uuid.UUID,
    fields: Mapping[str, Any],
    assignment_id: int | None = None,
    encounter_id: int | None = None,
    screenings: Mapping[str, Mapping[str, Any]] | None = None,
    person_id: int | None = None,
    subject: Mapping[str, Any] | None = None,
    submit: bool = False,
) -> Encounter:
    """The field form's save, for drafts (autosave) and the final submission alike.

    Idempotent by `client_token`: a form sent again after a dropped connection finds the
    encounter it made the first time, and a submission replayed changes nothing.
    """
    encounter = _find(actor, client_token, assignment_id, encounter_id)
    person, entry = _subject_person(actor, person_id, subject or {}, submit)
    changes = {k: v for k, v in fields.items() if k in EDITABLE}
    if person or not (encounter and encounter.person_id):
        changes["person_id"] = person
    changes["subject_entry"] = entry
    if submit:
        _require_for_submission({**_current(encounter), **changes})
    if encounter is None:
        assignment = Assignment.objects.select_related("team", "call").get(pk=assignment_id)
        changes.setdefault("started_at", assignment.on_scene_at or timezone.now())
        if changes.get("started_at") is None:
            changes["started_at"] = assignment.on_scene_at or timezone.now()
        encounter = encounter_create(
            actor=actor,
            owning_agency_id=treating_agency(actor=actor, assignment=assignment),
            call_id=assignment.call_id,
            assignment_id=assignment.pk,
            client_token=client_token,
            status=EncounterStatus.DRAFT,
            **changes,
        )
    else:
        changed = {k: v for k, v in changes.items() if getattr(encounter, k) != v}
        if changed.get("started_at", True) is None:
            changed.pop("started_at")
        if changed:
            encounter = encounter_update(actor=actor, encounter_id=encounter.pk, **changed)
    for instrument, answers in (screenings or {}).items():
        if answers:
            screening_record(
                actor=actor,
                encounter_id=encounter.pk,
                instrument=instrument,
                answers=answers,
                final=submit,
            )
    if submit and encounter.status != EncounterStatus.SUBMITTED:
        encounter = _submit(actor, encounter.pk)
    return Encounter.objects.get(pk=encounter.pk)


def _current(encounter: Encounter | None) -> dict:
    if encounter is None:
        return {}
    return {"disposition": encounter.disposition, "local_disposition": encounter.local_disposition}


def _require_for_submission(values: Mapping[str, Any]) -> None:
    if not (values.get("disposition") or values.get("local_disposition")):
        raise ValidationError({"disposition": "choose a disposition before submitting"})


@transaction.atomic
def _submit(actor, encounter_id: int) -> Encounter:
    with service_write():
        encounter = Encounter.objects.select_for_update().get(pk=encounter_id)
        encounter.status = EncounterStatus.SUBMITTED
        encounter.updated_by = actor
        _derive(encounter)
        encounter.save()
        audit_record(actor=actor, action="submit", obj=encounter, person_id=encounter.person_id)
    followups_for_disposition(actor=actor, encounter=encounter)  # the program's rules
    return encounter


def _find(actor, token, assignment_id, encounter_id) -> Encounter | None:
    """The encounter this form writes to, if it exists; 404 unless the actor may write it."""
    if encounter_id is not None:
        encounter = Encounter.objects.select_related("assignment").filter(pk=encounter_id).first()
    else:
        encounter = (
            Encounter.objects.select_related("assignment").filter(client_token=token).first()
        )
    if encounter is None:
        assignment = Assignment.objects.filter(pk=assignment_id).first()
        if encounter_id is not None or not on_team(actor, assignment):
            raise Http404("No such encounter.")
        return None
    if not may_edit(actor, encounter):
        raise Http404("No such encounter.")
    return Encounter.objects.select_for_update().get(pk=encounter.pk)


def may_edit(actor, encounter: Encounter) -> bool:
    """Those on the assigned team (or the author) edit an encounter they may see."""
    if not visible(actor, Encounter.objects.filter(pk=encounter.pk)).exists():
        return False
    return encounter.created_by_id == actor.pk or on_team(actor, encounter.assignment)
