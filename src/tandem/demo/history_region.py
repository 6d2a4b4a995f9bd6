"""The region the history is generated for, read from the database into arrays.

Whatever agencies, jurisdictions, teams, shifts and codes exist are used; the generator
never assumes the demo region. Everything is read in a fixed order so the same database
and seed always give the same rows.
"""

from dataclasses import dataclass

import numpy as np

from tandem.agencies.models import (
    Agency,
    AgencyKind,
    Code,
    CodeList,
    Jurisdiction,
    ProgramModel,
    Shift,
    Team,
)
from tandem.demo.history_sql import max_id, reset_sequences
from tandem.demo.history_text import FALLBACK_SERVICES
from tandem.directory.models import Service

WEEK_HOURS = 168
DEFAULT_POPULATION = 10_000

# Built-in call types (APCO ANS 2.103.1 codes) for a region that has loaded none.
FALLBACK_CALL_TYPES = (
    ("EDP", "Emotionally disturbed person", True),
    ("SUICTHRT", "Suicide attempt or threat", True),
    ("SUICIDE", "Suicide", True),
    ("OD", "Overdose", True),
    ("INTOX", "Intoxicated person", True),
    ("WELFARE", "Welfare check", False),
    ("DRUGS", "Drugs", False),
    ("CITASST", "Citizen assist", False),
)

# Relative frequency of each APCO type among a co-responder program's calls.
# fmt: off
# Types far from behavioral health (theft, traffic, alarms) are rare among them.
APCO_WEIGHTS = {
    "EDP": 10.0, "SUICTHRT": 4.0, "SUICIDE": 0.6, "OD": 2.5, "INTOX": 3.5,
    "WELFARE": 6.0, "DRUGS": 1.5, "CITASST": 3.0, "DISTURB": 2.5, "DOMESTIC": 1.5,
    "TRESPASS": 1.5, "ASSAULT": 0.5, "THEFT": 0.2, "TRAFFIC": 0.1, "ALARM": 0.1,
}
DEFAULT_TYPE_WEIGHT = 1.0

# Which template family (history_text.PRESENTING_PROBLEMS) an APCO type belongs to.
APCO_FAMILY = {
    "EDP": "mental_health", "SUICTHRT": "suicide", "SUICIDE": "suicide", "OD": "substance",
    "INTOX": "substance", "DRUGS": "substance", "WELFARE": "welfare",
}
# fmt: on
URGENT_APCO = {"SUICTHRT", "SUICIDE", "OD"}

# Navigators do follow-up, not calls; every other program model can take a call. When
# several teams are on duty, dispatch prefers one that can be there in person at once.
DISPATCH_PREFERENCE = {
    ProgramModel.RIDE_ALONG: 4.0,
    ProgramModel.CLINICIAN_ONLY: 4.0,
    ProgramModel.FLOATER: 2.0,
    ProgramModel.ON_CALL: 1.5,
    ProgramModel.TELEHEALTH: 1.0,
}
DISPATCHABLE = [m.value for m in ProgramModel if m != ProgramModel.NAVIGATOR]


@dataclass(frozen=True)
class CallTypes:
    code: list[str]
    apco: list[str]
    bh: np.ndarray  # bool per type
    weight: np.ndarray
    family: list[str]
    urgent: np.ndarray  # bool per type
    by_jurisdiction: list[np.ndarray]  # indices of the types each jurisdiction uses


@dataclass(frozen=True)
class Region:
    jurisdiction_id: np.ndarray
    jurisdiction_owner: np.ndarray  # owning (police) agency id
    share: np.ndarray  # population share of calls
    latitude: np.ndarray
    longitude: np.ndarray
    radius_km: np.ndarray
    team_id: np.ndarray
    team_owner: np.ndarray  # owner of the team's encounters: its clinical agency, if any
    team_model: list[str]
    slot_team: np.ndarray  # [jurisdiction, hour of week, k] team index, -1 padding
    slot_count: np.ndarray  # [jurisdiction, hour of week] teams on duty
    slot_preference: np.ndarray  # [jurisdiction, hour of week, k] cumulative preference
    call_types: CallTypes
    service_id: np.ndarray
    service_category: list[str]
    service_owner: np.ndarray
    disposition_codes: dict[tuple[int, str], str]  # (agency id or 0, standard) -> code


class RegionMissing(RuntimeError):
    pass


def region_load() -> Region:
    jurisdictions = list(Jurisdiction.objects.order_by("id"))
    if not jurisdictions:
        raise RegionMissing("no jurisdictions: load a region first (tandem load-region)")
    population = np.array([j.population or 0 for j in jurisdictions], dtype=np.float64)
    population[population <= 0] = (
        np.median(population[population > 0]) if (population > 0).any() else DEFAULT_POPULATION
    )
    teams = list(Team.objects.filter(program_model__in=DISPATCHABLE).order_by("id"))
    slot_team, slot_count = _duty_table(jurisdictions, teams)
    preference = np.array([DISPATCH_PREFERENCE.get(t.program_model, 1.0) for t in teams])
    services = _services()
    return Region(
        jurisdiction_id=np.array([j.id for j in jurisdictions], dtype=np.int64),
        jurisdiction_owner=np.array([j.owning_agency_id for j in jurisdictions], np.int64),
        share=population / population.sum(),
        latitude=np.array([j.latitude for j in jurisdictions]),
        longitude=np.array([j.longitude for j in jurisdictions]),
        radius_km=np.array([j.radius_km for j in jurisdictions]),
        team_id=np.array([t.id for t in teams], dtype=np.int64),
        team_owner=np.array(
            [t.clinical_agency_id or t.owning_agency_id for t in teams], dtype=np.int64
        ),
        team_model=[t.program_model for t in teams],
        slot_team=slot_team,
        slot_count=slot_count,
        slot_preference=np.cumsum(
            np.where(slot_team >= 0, preference[np.maximum(slot_team, 0)], 0.0), axis=2
        ),
        call_types=_call_types(jurisdictions),
        service_id=np.array([s.id for s in services], dtype=np.int64),
        service_category=[s.category for s in services],
        service_owner=np.array([s.owning_agency_id for s in services], dtype=np.int64),
        disposition_codes=_disposition_codes(),
    )


def _duty_hours(shifts: list[Shift]) -> np.ndarray:
    """Hours of the week (Monday 00:00 = 0) a team is on duty; no shifts means always."""
    on = np.zeros(WEEK_HOURS, dtype=bool)
    if not shifts:
        on[:] = True
        return on
    for shift in shifts:
        start = shift.start.hour * 60 + shift.start.minute
        end = shift.end.hour * 60 + shift.end.minute
        if end <= start:  # wraps past midnight; equal means 24 hours
            end += 24 * 60
        hours = np.arange(48)
        middle = hours * 60 + 30  # an hour counts when its middle is inside the shift
        covered = hours[(middle >= start) & (middle < end)]
        on[(shift.weekday * 24 + covered) % WEEK_HOURS] = True
    return on


def _duty_table(
    jurisdictions: list[Jurisdiction], teams: list[Team]
) -> tuple[np.ndarray, np.ndarray]:
    """For each jurisdiction and hour of the week, the teams that cover it and are on duty."""
    index = {j.id: i for i, j in enumerate(jurisdictions)}
    shifts: dict[int, list[Shift]] = {t.id: [] for t in teams}
    for shift in Shift.objects.filter(team__in=teams).order_by("id"):
        shifts[shift.team_id].append(shift)
    coverage = np.zeros((len(jurisdictions), len(teams)), dtype=bool)
    team_index = {t.id: k for k, t in enumerate(teams)}
    through = Team.coverage.through.objects.filter(team__in=teams).order_by("id")
    covered_teams = set()
    for row in through:
        coverage[index[row.jurisdiction_id], team_index[row.team_id]] = True
        covered_teams.add(row.team_id)
    for t, team in enumerate(teams):  # no coverage listed: its own agency's jurisdictions
        if team.id not in covered_teams:
            for j, jur in enumerate(jurisdictions):
                coverage[j, t] = jur.owning_agency_id == team.owning_agency_id
    on_duty = np.array([_duty_hours(shifts[t.id]) for t in teams], dtype=bool).reshape(
        len(teams), WEEK_HOURS
    )
    available = coverage[:, None, :] & on_duty.T[None, :, :]  # [J, 168, T]
    count = available.sum(axis=2)
    width = max(1, int(count.max(initial=0)))
    slot_team = np.full((len(jurisdictions), WEEK_HOURS, width), -1, dtype=np.int64)
    for j, h in zip(*np.nonzero(count), strict=True):
        members = np.flatnonzero(available[j, h])
        slot_team[j, h, : len(members)] = members
    return slot_team, count


def _regional_agency_ids() -> set[int]:
    """Agencies whose codes are the region's shared list (the regional administrator's)."""
    return set(Agency.objects.filter(kind=AgencyKind.REGIONAL_ADMIN).values_list("id", flat=True))


def _call_types(jurisdictions: list[Jurisdiction]) -> CallTypes:
    """Each jurisdiction takes its police agency's own codes, then the region's shared
    codes for the standard types its agency has no code of its own for, or failing
    both the built-in list."""
    codes = Code.objects.filter(list=CodeList.CALL_TYPE).order_by("id")
    rows = [(c.code, c.standard or c.code, c.behavioral_health, c.owning_agency_id) for c in codes]
    built_in = range(len(rows), len(rows) + len(FALLBACK_CALL_TYPES))
    rows += [(code, code, bh, None) for code, _label, bh in FALLBACK_CALL_TYPES]
    regional = _regional_agency_ids()
    by_jurisdiction = []
    for jurisdiction in jurisdictions:
        own = [i for i, r in enumerate(rows) if r[3] == jurisdiction.owning_agency_id]
        covered = {rows[i][1].upper() for i in own}
        shared = [i for i, r in enumerate(rows) if r[3] in regional and r[1].upper() not in covered]
        by_jurisdiction.append(np.array(own + shared or list(built_in), dtype=np.int64))
    apco = [r[1].upper() for r in rows]
    return CallTypes(
        code=[r[0] for r in rows],
        apco=[r[1][:16] for r in rows],  # Call.apco_code holds 16 characters
        bh=np.array([r[2] for r in rows], dtype=bool),
        weight=np.array([APCO_WEIGHTS.get(a, DEFAULT_TYPE_WEIGHT) for a in apco]),
        family=[APCO_FAMILY.get(a, "other") for a in apco],
        urgent=np.array([a in URGENT_APCO for a in apco], dtype=bool),
        by_jurisdiction=by_jurisdiction,
    )


def _disposition_codes() -> dict[tuple[int, str], str]:
    """(agency id, standard disposition) -> the code that agency records.

    An agency's own code wins; otherwise the region's shared code applies to every
    agency, stored under agency id 0.
    """
    regional = _regional_agency_ids()
    found: dict[tuple[int, str], str] = {}
    for c in Code.objects.filter(list=CodeList.DISPOSITION).exclude(standard="").order_by("id"):
        agency = 0 if c.owning_agency_id in regional else c.owning_agency_id
        found.setdefault((agency, c.standard), c.code)  # the first-made code wins
    return found


def _services() -> list[Service]:
    """Active directory services; a region with none gets a fictional handful."""
    services = list(Service.objects.filter(status="active").order_by("id"))
    if services:
        return services
    owner = (
        Agency.objects.filter(kind=AgencyKind.BEHAVIORAL_HEALTH).order_by("id").first()
        or Agency.objects.order_by("id").first()
    )
    if owner is None:
        raise RegionMissing("no agencies: load a region first")
    # Explicit ids, as for every generated row: the same database gives the same ids even
    # where a rolled-back run has moved PostgreSQL's sequence on.
    first_id = max_id(Service) + 1
    for offset, (category, name, organization) in enumerate(FALLBACK_SERVICES):
        Service.objects.create(
            id=first_id + offset,
            owning_agency=owner,
            name=name,
            organization_name=organization,
            category=category,
            description="Fictional service created for synthetic history.",
            phone="(555) 555-0100",
            hours="Mon-Fri 8:00-17:00" if category != "crisis_stabilization" else "24/7",
            minimum_age=None if category != "youth" else 10,
            maximum_age=17 if category == "youth" else None,
            eligibility="Veterans and their families." if category == "veterans" else "",
        )
    reset_sequences([Service])
    return list(Service.objects.filter(status="active").order_by("id"))
