"""Familiar faces: people with repeated crisis contacts, for navigators' outreach.

A crisis contact is a behavioral-health call for service naming the person as its
subject (after recoding: the call's current flag). A person is on the list when any rule
holds, for example 4 or more contacts in 90 days, or 7 in 365. Rules come from the
setting TANDEM_FAMILIAR_FACES ("4/90,7/365").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Count, Max, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from tandem.dispatch.models import Call
from tandem.followups.models import FollowUp, FollowUpStatus
from tandem.people.models import Person
from tandem.privacy import selectors as gate


@dataclass(frozen=True)
class Rule:
    contacts: int
    days: int

    def __str__(self) -> str:
        return f"{self.contacts} or more contacts in {self.days} days"


def rules_parse(text: str) -> list[Rule]:
    """'4/90,7/365' -> [Rule(4, 90), Rule(7, 365)]; a bad value fails loudly."""
    rules = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        contacts, _, days = part.partition("/")
        if not (contacts.isdigit() and days.isdigit() and int(contacts) > 0 and int(days) > 0):
            raise ImproperlyConfigured(
                f"TANDEM_FAMILIAR_FACES: expected rules like '4/90,7/365'; got {part!r}"
            )
        rules.append(Rule(int(contacts), int(days)))
    return rules


def active_rules() -> list[Rule]:
    return rules_parse(settings.FAMILIAR_FACES)


@dataclass
class FamiliarFace:
    person: Person
    counts: dict[int, int]  # window in days -> contacts
    last_contact: datetime
    months: list[int]  # contacts per month, oldest first (12 months)
    open_followups: int
    rules_met: list[Rule]


def familiar_faces(
    *, actor, rules: list[Rule] | None = None, now: datetime | None = None
) -> list[FamiliarFace]:
    """People the actor may see who meet a rule, most contacts first."""
    rules = rules or active_rules()
    now = now or timezone.now()
    longest = max(r.days for r in rules)
    windows = sorted({r.days for r in rules})
    contacts = Call.objects.filter(
        behavioral_health=True,
        subject__isnull=False,
        received_at__gt=now - timedelta(days=longest),
        received_at__lte=now,
    )
    per_person = contacts.values("subject_id").annotate(
        last=Max("received_at"),
        **{
            f"in_{d}": Count("id", filter=Q(received_at__gt=now - timedelta(days=d)))
            for d in windows
        },
    )
    met = {}
    for row in per_person:
        counts = {d: row[f"in_{d}"] for d in windows}
        hits = [r for r in rules if counts[r.days] >= r.contacts]
        if hits:
            met[row["subject_id"]] = (counts, row["last"], hits)
    people = {
        p.pk: p for p in gate.summaries(actor, Person.objects.filter(pk__in=list(met)), limit=None)
    }
    months = _monthly(list(people), now)
    followups = dict(
        FollowUp.objects.filter(person_id__in=list(people), status=FollowUpStatus.OPEN)
        .values_list("person_id")
        .annotate(n=Count("id"))
    )
    faces = [
        FamiliarFace(
            people[pid],
            met[pid][0],
            met[pid][1],
            months.get(pid, [0] * 12),
            followups.get(pid, 0),
            met[pid][2],
        )
        for pid in people
    ]
    return sorted(faces, key=lambda f: (-f.counts[windows[-1]], -f.last_contact.timestamp()))


def _monthly(person_ids: list[int], now: datetime) -> dict[int, list[int]]:
    """Contacts per calendar month over the last 12 months, for the trend sparkline."""
    local_now = timezone.localtime(now)
    first = (
        local_now.replace(day=1, hour=0, minute=0, second=0, microsecond=0) - timedelta(days=335)
    ).replace(day=1)
    rows = (
        Call.objects.filter(
            behavioral_health=True,
            subject_id__in=person_ids,
            received_at__gte=first,
            received_at__lte=now,
        )
        .annotate(month=TruncMonth("received_at"))
        .values("subject_id", "month")
        .annotate(n=Count("id"))
    )
    result: dict[int, list[int]] = {}
    for row in rows:
        month = (
            timezone.localtime(row["month"]) if timezone.is_aware(row["month"]) else (row["month"])
        )
        index = (month.year - first.year) * 12 + month.month - first.month
        if 0 <= index < 12:
            result.setdefault(row["subject_id"], [0] * 12)[index] = row["n"]
    return result
