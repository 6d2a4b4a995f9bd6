"""Reads through the privacy gate. Every app's selectors end here."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import models
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from tandem.privacy import notices, policy
from tandem.privacy.segments import HEALTH_SEGMENTS, SAFETY, segmented_fields
from tandem.privacy.services import audit_record


def visible(actor, queryset: models.QuerySet) -> models.QuerySet:
    """Rows the actor may see, as a queryset for counting and further filtering."""
    return policy.scope(actor, queryset)


def summaries(
    actor, queryset: models.QuerySet, *, limit: int | None = 100, offset: int = 0
) -> list:
    """Visible rows for lists: `safety` fields kept (anyone who sees a row may read
    them); every other segmented field blanked and never loaded."""
    hidden = [n for n, s in segmented_fields(queryset.model).items() if s != SAFETY]
    rows = visible(actor, queryset).defer(*hidden)
    rows = rows[offset : offset + limit] if limit is not None else rows[offset:]
    return [policy.strip(row, keep=SAFETY) for row in rows]


def disclose(actor, record, *, reason: str = ""):
    """Redact a record for the actor and audit any health data it still carries; Part 2
    data going outside its program is marked for the 2.32 notice (`privacy.notices`)."""
    disclosed = policy.redact(actor, record)
    if notices.needs_notice(actor, record, disclosed):
        notices.part2_disclosed(record)
    if disclosed & HEALTH_SEGMENTS:
        audit_record(
            actor=actor,
            action="read",
            obj=record,
            person_id=policy.person_id_of(record),
            segments=disclosed & HEALTH_SEGMENTS,
            reason=reason or "treatment",
            legal_basis=policy.read_basis(actor, record),
        )
    return record


def get_visible(actor, queryset: models.QuerySet, pk, *, reason: str = ""):
    """One record, redacted; 404 when missing and when not allowed, alike."""
    record = visible(actor, queryset).filter(pk=pk).first()
    if record is None:
        raise Http404("No such record.")
    return disclose(actor, record, reason=reason)


def disclose_all(actor, records, *, reason: str = "") -> list:
    return [disclose(actor, r, reason=reason) for r in records]


# --- The privacy officer's reads: the audit trail and the people it is about. ----------
# A privacy officer holds no casework role, so the row policy above shows them no person.
# They still must find the people their agency holds records of, to answer a request for
# an accounting or to review who read what; these selectors give exactly that, and no
# segmented field.


def privacy_officer_agencies(actor) -> list[int]:
    """Agencies the actor is privacy officer for, in membership order."""
    from tandem.accounts.roles import Role

    return [
        m.owning_agency_id for m in actor.memberships_cached() if m.role == Role.PRIVACY_OFFICER
    ]


@dataclass(frozen=True)
class AuditCriteria:
    """What the privacy officer narrows the audit trail to; empty means any."""

    person_id: int | None = None  # this person record and the records linked to it
    actor: str = ""  # username
    action: str = ""
    segment: str = ""
    agency_id: int | None = None  # acting for it, or whose record it was
    since: date | None = None
    until: date | None = None  # inclusive


def audit_events(*, actor, criteria: AuditCriteria = AuditCriteria()) -> models.QuerySet:
    """Audit events of the actor's agencies meeting the criteria, newest first.

    An event is an agency's when its staff acted (owning agency) or its record was read
    or changed (record agency): a disclosure to another agency concerns both officers.
    """
    from tandem.people.selectors import linked_ids
    from tandem.privacy.models import AuditEvent

    mine = privacy_officer_agencies(actor)
    events = AuditEvent.objects.filter(Q(owning_agency__in=mine) | Q(record_agency__in=mine))
    c = criteria
    if c.person_id is not None:
        events = events.filter(person_id__in=linked_ids(c.person_id))
    if c.actor:
        events = events.filter(actor__username__iexact=c.actor)
    if c.action:
        events = events.filter(action=c.action)
    if c.segment:
        events = events.filter(segment_q(c.segment))
    if c.agency_id is not None:
        events = events.filter(Q(owning_agency=c.agency_id) | Q(record_agency=c.agency_id))
    if c.since is not None:
        events = events.filter(at__gte=day_start(c.since))
    if c.until is not None:
        events = events.filter(at__lt=day_start(c.until + timedelta(days=1)))
    return events.select_related("actor", "owning_agency", "record_agency").order_by("-at", "-id")


def audit_actions(*, actor) -> list[str]:
    """The actions recorded in the actor's agencies' events, for the search form."""
    return sorted(set(audit_events(actor=actor).order_by().values_list("action", flat=True)))


def segment_q(seg: str, field: str = "segments") -> Q:
    """Events whose comma-separated segments include `seg` (not just a substring)."""
    return (
        Q(**{field: seg})
        | Q(**{f"{field}__startswith": f"{seg},"})
        | Q(**{f"{field}__endswith": f",{seg}"})
        | Q(**{f"{field}__contains": f",{seg},"})
    )


def day_start(day: date) -> datetime:
    """Midnight at the start of a local calendar day, as an aware datetime."""
    return timezone.make_aware(datetime.combine(day, time.min))


def _held_people(agency_ids) -> models.QuerySet:
    """People of whom the agencies hold any record: their own person record, a call about
    them, or an encounter, referral, follow-up, consent or crisis plan about them."""
    from tandem.dispatch.models import Call
    from tandem.encounters.models import Encounter
    from tandem.followups.models import FollowUp
    from tandem.people.models import Person
    from tandem.plans.models import CrisisPlan
    from tandem.privacy.models import Consent
    from tandem.referrals.models import Referral

    held = Q(owning_agency__in=agency_ids) | Q(
        pk__in=Call.objects.filter(owning_agency__in=agency_ids).values("subject_id")
    )
    for model in (Encounter, Referral, FollowUp, Consent, CrisisPlan):
        held |= Q(pk__in=model.objects.filter(owning_agency__in=agency_ids).values("person_id"))
    return Person.objects.filter(held)


def held_people_search(*, actor, query: str, limit: int = 50) -> list:
    """People the actor's agencies hold records of whose names start with the words
    typed, for a privacy officer; the lookup itself is audited (without the name)."""
    from tandem.people.selectors import name_matches

    mine = privacy_officer_agencies(actor)
    if not mine or not query.split():
        return []
    people = name_matches(_held_people(mine).select_related("owning_agency"), query)
    found = list(people.order_by("family_name", "given_name", "pk")[:limit])
    audit_record(
        actor=actor,
        action="person_search",
        reason=f"Privacy review: name search, {len(found)} found",
        agency_id=mine[0],
    )
    return found


def held_person_get(*, actor, person_id: int):
    """One person the actor's agencies hold records of (directly or through a linked
    record); 404 otherwise. Identifying fields only: `Person` has no segmented field."""
    from tandem.people.models import Person
    from tandem.people.selectors import linked_ids

    mine = privacy_officer_agencies(actor)
    if not mine or not _held_people(mine).filter(pk__in=linked_ids(person_id)).exists():
        raise Http404("No such person.")
    return Person.objects.select_related("owning_agency").get(pk=person_id)


def held_person_ids(*, actor, person_ids) -> set[int]:
    """Which of these people the actor's agencies hold records of (for links)."""
    mine = privacy_officer_agencies(actor)
    if not mine:
        return set()
    return set(_held_people(mine).filter(pk__in=person_ids).values_list("pk", flat=True))
