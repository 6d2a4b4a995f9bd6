"""Reads of encounters, through the privacy gate."""

from tandem.encounters.models import Encounter
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
