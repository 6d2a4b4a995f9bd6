"""Reads of people, through the privacy gate."""

from django.db.models import Q

from tandem.people.models import Person, PersonIdentifier
from tandem.privacy import selectors as gate


def person_list(*, actor, query: str = "", limit: int = 100, offset: int = 0) -> list[Person]:
    people = Person.objects.select_related("owning_agency")
    for term in query.split():
        people = people.filter(
            Q(family_name__istartswith=term)
            | Q(given_name__istartswith=term)
            | Q(preferred_name__istartswith=term)
        )
    return gate.summaries(actor, people, limit=limit, offset=offset)


def person_get(*, actor, person_id: int) -> Person:
    return gate.get_visible(actor, Person.objects.all(), person_id)


def person_identifiers(*, actor, person: Person) -> list[PersonIdentifier]:
    """Identifiers held by the actor's own agencies only."""
    return list(
        PersonIdentifier.objects.filter(
            person=person, owning_agency__in=actor.agency_ids()
        ).select_related("owning_agency")
    )
