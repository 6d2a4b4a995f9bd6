"""Reads of the directory: search by need, place, opening hours, age and eligibility.

The directory is public information, so these take no actor. Filters that the database
can answer (need, age, words, status) run there; distance and "open now" are computed
in Python over what is left, which is a few hundred services for a region.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet

from tandem.agencies.models import Jurisdiction
from tandem.directory import hours
from tandem.directory.models import (
    Attribute,
    Schedule,
    Service,
    ServiceAtLocation,
    ServiceCategory,
    ServiceStatus,
    TaxonomyTerm,
)
from tandem.dispatch.units import haversine_km


@dataclass(frozen=True)
class Criteria:
    """What a search asks for; every part optional."""

    need: str = ""  # a ServiceCategory value or any taxonomy term code
    q: str = ""  # words in the name, organization or description
    eligibility: str = ""  # words in the eligibility description
    age: int | None = None
    near: tuple[float, float] | None = None  # (latitude, longitude)
    within_km: float | None = None
    open_now: bool = False
    at: dt.datetime | None = None  # the moment for "open now" (default: now)
    include_inactive: bool = False


@dataclass
class Hit:
    service: Service
    distance_km: float | None
    open_now: bool | None  # None: no usable schedule


def _with_related(rows: QuerySet) -> QuerySet:
    return rows.select_related("organization", "owning_agency").prefetch_related(
        "phones",
        "schedules",
        Prefetch(
            "at_locations",
            queryset=ServiceAtLocation.objects.select_related("location").prefetch_related(
                "schedules", "location__schedules", "location__addresses", "location__phones"
            ),
        ),
        Prefetch(
            "attributes",
            queryset=Attribute.objects.select_related(
                "taxonomy_term__taxonomy", "taxonomy_term__parent"
            ),
        ),
    )


def service_schedules(service: Service) -> list[Schedule]:
    """The schedules that say when a service is open: its own and those of its
    service-at-locations; failing both, those of its locations."""
    own = list(service.schedules.all()) + [
        s for at in service.at_locations.all() for s in at.schedules.all()
    ]
    if own:
        return own
    return [s for at in service.at_locations.all() for s in at.location.schedules.all()]


def service_points(service: Service) -> list[tuple[float, float]]:
    return [
        (at.location.latitude, at.location.longitude)
        for at in service.at_locations.all()
        if at.location.latitude is not None and at.location.longitude is not None
    ]


def service_search(criteria: Criteria, *, limit: int = 50) -> list[Hit]:
    rows = Service.objects.all()
    if not criteria.include_inactive:
        rows = rows.filter(status=ServiceStatus.ACTIVE)
    if criteria.need:
        rows = rows.filter(
            Q(category=criteria.need) | Q(attributes__taxonomy_term__code=criteria.need)
        )
    if criteria.age is not None:
        rows = rows.filter(Q(minimum_age__isnull=True) | Q(minimum_age__lte=criteria.age))
        rows = rows.filter(Q(maximum_age__isnull=True) | Q(maximum_age__gte=criteria.age))
    for word in criteria.q.split():
        rows = rows.filter(
            Q(name__icontains=word)
            | Q(alternate_name__icontains=word)
            | Q(organization_name__icontains=word)
            | Q(description__icontains=word)
        )
    for word in criteria.eligibility.split():
        rows = rows.filter(eligibility__icontains=word)
    hits = []
    for service in _with_related(rows.distinct().order_by("name", "id")):
        points = service_points(service)
        distance = (
            min(haversine_km(criteria.near, p) for p in points)
            if criteria.near and points
            else None
        )
        if criteria.within_km is not None and (distance is None or distance > criteria.within_km):
            continue
        open_now = hours.open_at(service_schedules(service), criteria.at)
        if criteria.open_now and not open_now:
            continue
        hits.append(Hit(service=service, distance_km=distance, open_now=open_now))
    if criteria.near:
        hits.sort(key=lambda h: (h.distance_km is None, h.distance_km or 0.0))
    return hits[:limit]


def service_get(*, service_id: int) -> Service:
    """One service with everything HSDS nests in it; Service.DoesNotExist if missing."""
    return _with_related(Service.objects.all()).get(pk=service_id)


def services_for_export() -> list[Service]:
    return list(_with_related(Service.objects.order_by("name", "id")))


def needs() -> list[tuple[str, str]]:
    """(code, label) of every need a search can ask for: Tandem's categories, then the
    codes of other taxonomies' terms that tag at least one service."""
    choices = list(ServiceCategory.choices)
    known = {code for code, _ in choices}
    others = (
        TaxonomyTerm.objects.filter(attributes__isnull=False)
        .exclude(code="")
        .exclude(code__in=known | {"part2_program"})
        .values_list("code", "name")
        .distinct()
        .order_by("name")
    )
    return choices + [(code, name) for code, name in others]


def jurisdictions() -> list[Jurisdiction]:
    return list(Jurisdiction.objects.order_by("name"))


def jurisdiction_point(code: str) -> tuple[float, float] | None:
    j = Jurisdiction.objects.filter(code=code).first()
    return (j.latitude, j.longitude) if j else None
