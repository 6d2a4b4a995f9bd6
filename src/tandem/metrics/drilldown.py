"""Drill-down: the records behind a figure, read through the privacy gate.

A figure's cell (a month, an agency, the whole filter) is a count of calls or
encounters; here the same rule is written as a query on the operational tables, so a
supervisor can open the records it counts. Rows pass through `privacy.selectors`
(`visible`, `summaries`): the list holds only records the actor may open, with
segmented fields blanked. Roles without casework access (analyst, regional
administrator, privacy officer) are never offered a drill-down; the view answers 404.

Imported history rows (`imports.history`) the figure counts follow the records, for the
actor's own agencies only (the call's, or the encounter's clinicians'): they hold codes,
flags and times, never a narrative.

Only figures whose rule reads operational fields are drillable. Use of force, injuries
and charges are `cji`: listing the encounters where force was used would tell a
clinical supervisor a police fact the record itself withholds from them.

The rules mirror `metrics.facts` (month of the call's received time or the encounter's
start, in the program's time zone; the agency of the call, else the record's own; the
program model of the first team assigned); `tests/metrics/test_dashboard.py` checks the
counts agree with the figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Upper

from tandem.agencies.models import Team
from tandem.dispatch.models import Assignment, Call
from tandem.encounters.diversion import NOT_MET, OFFENCE_APCO
from tandem.encounters.models import Encounter
from tandem.imports.history import history_rows
from tandem.metrics.engine import Filters
from tandem.metrics.facts import NO_PROGRAM
from tandem.metrics.forms import add_months
from tandem.privacy import selectors as gate

CALLS, ENCOUNTERS = "calls", "encounters"


@dataclass(frozen=True)
class Drill:
    records: str  # CALLS or ENCOUNTERS
    title: str  # what the listed records are


DRILLS: dict[str, Drill] = {
    "bh_calls": Drill(CALLS, "Behavioral-health calls"),
    "bh_calls_clinician_assessed": Drill(
        CALLS, "Behavioral-health calls with an on-site clinician assessment"
    ),
    "resolved_on_scene": Drill(ENCOUNTERS, "Encounters resolved on scene"),
    "diverted_from_jail": Drill(ENCOUNTERS, "Encounters diverted from jail"),
    "diverted_from_hospital": Drill(ENCOUNTERS, "Encounters diverted from hospital"),
    "arrests_per_encounter": Drill(ENCOUNTERS, "Encounters ending in arrest"),
}


def records_behind(metric_id: str, filters: Filters) -> QuerySet:
    """Every record the figure counts, before the privacy gate (never returned as is)."""
    drill = DRILLS[metric_id]
    if drill.records == CALLS:
        return _calls(metric_id, filters)
    return _encounters(metric_id, filters)


def visible_records(
    actor, metric_id: str, filters: Filters, *, limit: int, offset: int
) -> tuple[list, list[dict], int]:
    """The records behind the figure that the actor may open (a page of them, fields
    the actor may not read blanked), then its imported history rows, and how many there
    are in all. The page runs through the records first, then the history rows."""
    rows = records_behind(metric_id, filters)
    count = gate.visible(actor, rows).count()
    records = gate.summaries(actor, rows, limit=limit, offset=offset)
    imported, imported_count = _history(
        actor, metric_id, filters, limit=limit - len(records), offset=max(0, offset - count)
    )
    return records, imported, count + imported_count


def _history(actor, metric_id: str, filters: Filters, *, limit: int, offset: int):
    """Imported history rows (`imports.history`) the figure counts, of the actor's own
    agencies only: the agency of the call, or of the encounter's clinicians. They hold
    codes, flags and times, which the figures show anyway; never a narrative."""
    mine = sorted(actor.agency_ids())
    if not mine:
        return [], 0
    held = ", ".join("?" * len(mine))
    calls = DRILLS[metric_id].records == CALLS
    where = [
        f"(agency_id IN ({held}) OR clinical_agency_id IN ({held}))",
        "behavioral_health" if calls else "has_encounter",
    ]
    params: list = [*mine, *mine]
    when = "received_at" if calls else "started_at"
    if filters.start:
        where.append(f"{when} >= ?")
        params.append(int(_local(filters.start).timestamp()))
    if filters.end:
        where.append(f"{when} < ?")
        params.append(int(_local(add_months(filters.end, 1)).timestamp()))
    for column, ids in (
        ("agency_id", filters.agency_ids),
        ("jurisdiction_id", filters.jurisdiction_ids),
    ):
        if ids:
            where.append(f"{column} IN ({', '.join('?' * len(ids))})")
            params.extend(ids)
    if filters.program_models:
        teams = list(
            Team.objects.filter(program_model__in=filters.program_models).values_list(
                "pk", flat=True
            )
        )
        either = [f"team_id IN ({', '.join('?' * len(teams))})"] if teams else []
        if NO_PROGRAM in filters.program_models:
            either.append("team_id IS NULL")
        where.append("(" + (" OR ".join(either) or "false") + ")")
        params.extend(teams)
    not_met = ", ".join("?" * len(NOT_MET))
    if metric_id == "bh_calls_clinician_assessed":
        where.append("has_encounter AND clinician_assessed AND disposition <> 'cancelled'")
    elif not calls:
        where.append(f"disposition NOT IN ({not_met})")
        params.extend(sorted(NOT_MET))
        where.append(
            {
                "resolved_on_scene": "disposition = 'resolved_on_scene'",
                "arrests_per_encounter": "disposition = 'arrest'",
                "diverted_from_hospital": "diverted_from_hospital",
                "diverted_from_jail": "diverted_from_jail AND upper(apco_code) IN ("
                + ", ".join("?" * len(OFFENCE_APCO))
                + ")",
            }[metric_id]
        )
        if metric_id == "diverted_from_jail":
            params.extend(sorted(OFFENCE_APCO))
    return history_rows(" AND ".join(where), params, limit=max(limit, 0), offset=offset)


def _local(d: date) -> datetime:
    return datetime(d.year, d.month, 1, tzinfo=ZoneInfo(settings.TIME_ZONE))


def _months(field: str, filters: Filters) -> Q:
    q = Q()
    if filters.start:
        q &= Q(**{f"{field}__gte": _local(filters.start)})
    if filters.end:
        q &= Q(**{f"{field}__lt": _local(add_months(filters.end, 1))})
    return q


def _calls(metric_id: str, filters: Filters) -> QuerySet:
    calls = Call.objects.filter(behavioral_health=True).filter(_months("received_at", filters))
    if filters.agency_ids:
        calls = calls.filter(owning_agency_id__in=filters.agency_ids)
    if filters.jurisdiction_ids:
        calls = calls.filter(jurisdiction_id__in=filters.jurisdiction_ids)
    if filters.program_models:
        first_team = Assignment.objects.filter(call=OuterRef("pk")).order_by("assigned_at", "pk")
        calls = calls.annotate(
            first_model=Subquery(first_team.values("team__program_model")[:1])
        ).filter(_program(filters, "first_model"))
    if metric_id == "bh_calls_clinician_assessed":
        submitted = Encounter.objects.filter(call=OuterRef("pk"), status="submitted")
        calls = calls.filter(
            Exists(submitted.filter(clinician_assessed=True)),
            # Not cancelled: some submitted encounter on the call is not `cancelled`.
            Exists(submitted.exclude(disposition="cancelled")),
        )
    return calls.select_related("jurisdiction").order_by("-received_at", "-pk")


def _program(filters: Filters, field: str) -> Q:
    models = [m for m in filters.program_models if m != NO_PROGRAM]
    q = Q(**{f"{field}__in": models})
    if NO_PROGRAM in filters.program_models:
        q |= Q(**{f"{field}__isnull": True})
    return q


def _encounters(metric_id: str, filters: Filters) -> QuerySet:
    rows = Encounter.objects.filter(status="submitted").filter(_months("started_at", filters))
    if filters.agency_ids:
        # The call's agency; an encounter without a call counts under its own.
        rows = rows.filter(
            Q(call__owning_agency_id__in=filters.agency_ids)
            | Q(call__isnull=True, owning_agency_id__in=filters.agency_ids)
        )
    if filters.jurisdiction_ids:
        rows = rows.filter(call__jurisdiction_id__in=filters.jurisdiction_ids)
    if filters.program_models:
        rows = rows.filter(_program(filters, "assignment__team__program_model"))
    met = rows.exclude(disposition__in=NOT_MET)
    if metric_id == "resolved_on_scene":
        rows = met.filter(disposition="resolved_on_scene")
    elif metric_id == "arrests_per_encounter":
        rows = met.filter(disposition="arrest")
    elif metric_id == "diverted_from_hospital":
        rows = met.filter(diverted_from_hospital=True)
    elif metric_id == "diverted_from_jail":
        rows = (
            met.annotate(apco=Upper("call__apco_code"))
            .filter(Q(arrestable_offence=True) | Q(apco__in=sorted(OFFENCE_APCO)))
            .filter(diverted_from_jail=True)
        )
    return rows.select_related("call", "assignment__team").order_by("-started_at", "-pk")
