"""Writes of encounters. Each runs in one transaction with its audit event."""

from django.db import transaction

from tandem.core.models import service_write
from tandem.encounters.models import Encounter
from tandem.privacy.segments import HEALTH_SEGMENTS, segmented_fields
from tandem.privacy.services import audit_record


def _health_segments_in(fields) -> set[str]:
    segments = segmented_fields(Encounter)
    return {str(segments[f]) for f in fields if segments.get(f) in HEALTH_SEGMENTS}


@transaction.atomic
def encounter_create(*, actor, owning_agency_id: int, **fields) -> Encounter:
    with service_write():
        encounter = Encounter(
            owning_agency_id=owning_agency_id, created_by=actor, updated_by=actor, **fields
        )
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
        for name, value in changes.items():
            setattr(encounter, name, value)
        encounter.updated_by = actor
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
