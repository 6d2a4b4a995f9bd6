"""Reads of people, through the privacy gate."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet
from django.urls import reverse

from tandem.dispatch.models import Call
from tandem.encounters.models import Encounter
from tandem.followups.models import FollowUp
from tandem.people.models import LinkStatus, Person, PersonIdentifier, PersonLink
from tandem.privacy import selectors as gate
from tandem.referrals.models import Referral


def person_list(*, actor, query: str = "", limit: int = 100, offset: int = 0) -> list[Person]:
    people = name_matches(Person.objects.select_related("owning_agency"), query)
    return gate.summaries(actor, people, limit=limit, offset=offset)


def name_matches(people: QuerySet, query: str) -> QuerySet:
    """The people whose given, family or preferred name starts with each word typed.
    Only narrows the queryset: the caller applies its own access policy."""
    for term in query.split():
        people = people.filter(
            Q(family_name__istartswith=term)
            | Q(given_name__istartswith=term)
            | Q(preferred_name__istartswith=term)
        )
    return people


def person_get(*, actor, person_id: int) -> Person:
    return gate.get_visible(actor, Person.objects.all(), person_id)


def person_identifiers(*, actor, person: Person) -> list[PersonIdentifier]:
    """Identifiers held by the actor's own agencies only."""
    return list(
        PersonIdentifier.objects.filter(
            person=person, owning_agency__in=actor.agency_ids()
        ).select_related("owning_agency")
    )


@dataclass(frozen=True)
class TimelineItem:
    at: datetime
    kind: str
    title: str
    detail: str
    url: str = ""


def person_history(*, actor, person: Person) -> list[TimelineItem]:
    """One timeline of the person's calls, encounters, referrals and follow-ups.

    Records linked to this one (other agencies' records of the same person) are included.
    Each kind is read through the privacy gate for the viewer: rows they may not see are
    left out, and no segmented field except `safety` is loaded.
    """
    ids = sorted(linked_ids(person.pk))  # this record and the records linked to it
    items = [
        TimelineItem(
            c.received_at,
            "call",
            f"Call {c.number}",
            f"{c.final_call_type or c.call_type}"
            + (f", {c.jurisdiction.name}" if c.jurisdiction else ""),
            reverse("dispatch:call_detail", args=[c.pk]),
        )
        for c in gate.summaries(
            actor,
            Call.objects.filter(subject_id__in=ids).select_related("jurisdiction"),
            limit=None,
        )
    ]
    items += [
        TimelineItem(
            e.started_at,
            "encounter",
            f"Encounter, {e.owning_agency.name}",
            e.get_disposition_display() or "No disposition recorded",
            reverse("encounters:encounter_detail", args=[e.pk]),
        )
        for e in gate.summaries(
            actor,
            Encounter.objects.filter(person_id__in=ids).select_related("owning_agency"),
            limit=None,
        )
    ]
    items += [
        TimelineItem(r.sent_at, "referral", f"Referral to {r.service.name}", r.get_status_display())
        for r in gate.summaries(
            actor, Referral.objects.filter(person_id__in=ids).select_related("service"), limit=None
        )
    ]
    items += [
        TimelineItem(
            f.due_at,
            "follow-up",
            f"Follow-up: {f.get_kind_display()}",
            f.get_status_display() + (f", {f.outcome}" if f.outcome else ""),
        )
        for f in gate.summaries(actor, FollowUp.objects.filter(person_id__in=ids), limit=None)
    ]
    return sorted(items, key=lambda item: item.at, reverse=True)


def linked_ids(person_id: int) -> set[int]:
    """The person's record and every record linked to it, transitively."""
    seen, frontier = {person_id}, {person_id}
    while frontier:
        pairs = (
            PersonLink.objects.filter(status__in=(LinkStatus.AUTO, LinkStatus.CONFIRMED))
            .filter(Q(person_a_id__in=frontier) | Q(person_b_id__in=frontier))
            .values_list("person_a_id", "person_b_id")
        )
        found = {p for pair in pairs for p in pair} - seen
        seen |= found
        frontier = found
    return seen
