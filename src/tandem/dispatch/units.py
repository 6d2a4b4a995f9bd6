"""Which teams can take a call now, ranked by estimated travel time.

Eligibility: the team's program model serves the recommended mode; it covers the call's
jurisdiction; a shift (or, for on-call teams, an on-call block) covers this moment; its
unit status is available; and every member holds the certification the team requires.
Travel time sits behind `TravelTime` so a routing engine can replace the straight line.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from django.db import connection
from django.utils import timezone

from tandem.agencies.models import ProgramModel, ScheduleKind, Shift, Team, TeamMember, UnitStatus
from tandem.dispatch.models import Call, ResponseMode

# Program models that can answer each response mode, in order of preference.
MODE_PROGRAMS: dict[str, tuple[str, ...]] = {
    ResponseMode.CLINICIAN_ONLY: (ProgramModel.CLINICIAN_ONLY, ProgramModel.FLOATER),
    ResponseMode.CO_RESPONDER: (ProgramModel.RIDE_ALONG, ProgramModel.FLOATER),
    ResponseMode.CLINICIAN_CALLOUT: (
        ProgramModel.ON_CALL,
        ProgramModel.FLOATER,
        ProgramModel.TELEHEALTH,
        ProgramModel.RIDE_ALONG,
    ),
    ResponseMode.NAVIGATOR: (ProgramModel.NAVIGATOR,),
    # Police/EMS units and 988 counsellors are dispatched by CAD and the 988 centre.
    ResponseMode.POLICE_EMS: (),
    ResponseMode.PHONE_988: (),
}
REMOTE_MODELS = {ProgramModel.TELEHEALTH}


class TravelTime(Protocol):
    def minutes(self, origin: tuple[float, float], destination: tuple[float, float]) -> float: ...


@dataclass(frozen=True)
class StraightLine:
    """Great-circle distance times a road factor, at an average emergency-driving speed."""

    road_factor: float = 1.3
    speed_kmh: float = 45.0

    def minutes(self, origin: tuple[float, float], destination: tuple[float, float]) -> float:
        return haversine_km(origin, destination) * self.road_factor / self.speed_kmh * 60


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(h))


@dataclass
class Candidate:
    team: Team
    minutes: float | None  # None: remote, or a place is unknown
    on_call: bool = False

    @property
    def remote(self) -> bool:
        return self.team.program_model in REMOTE_MODELS


@dataclass
class UnitRecommendation:
    mode: str
    candidates: list[Candidate]
    excluded: dict[str, list[str]] = field(default_factory=dict)  # reason -> call signs
    fallback_mode: str = ""
    fallback_reason: str = ""
    fallback: UnitRecommendation | None = None

    @property
    def mode_label(self) -> str:
        return ResponseMode(self.mode).label if self.mode else ""

    @property
    def fallback_label(self) -> str:
        return ResponseMode(self.fallback_mode).label if self.fallback_mode else ""


def shift_covers(shift: Shift, moment: datetime) -> bool:
    """Whether a weekly shift covers a local moment; end <= start runs past midnight."""
    day, clock = moment.weekday(), moment.time()
    if shift.start == shift.end:
        return day == shift.weekday
    if shift.start < shift.end:
        return day == shift.weekday and shift.start <= clock < shift.end
    return (day == shift.weekday and clock >= shift.start) or (
        day == (shift.weekday + 1) % 7 and clock < shift.end
    )


def _duty(team: Team, moment: datetime) -> str | None:
    """'staffed', 'on_call' or None for a team at a local moment."""
    kinds = {s.kind for s in team.shifts.all() if shift_covers(s, moment)}
    if ScheduleKind.STAFFED in kinds:
        return ScheduleKind.STAFFED
    return ScheduleKind.ON_CALL if kinds else None


def _certified(team: Team) -> bool:
    needed = team.requires_certification
    return not needed or needed in team.member_certifications


def _exclusion(team: Team, call: Call, moment: datetime) -> str | None:
    if call.jurisdiction_id not in {j.pk for j in team.coverage.all()}:
        return "does not cover the call's jurisdiction"
    if _duty(team, moment) is None:
        return "not on duty now"
    if team.status != UnitStatus.AVAILABLE:
        return f"unit status is {team.get_status_display().lower()}"
    if not _certified(team):
        return f"a member lacks the required {team.requires_certification} certification"
    return None


@dataclass(frozen=True)
class _Roster:
    version: tuple
    teams: tuple[Team, ...]


_cached_roster: _Roster | None = None


def _roster() -> list[Team]:
    """Every dispatchable team with what eligibility needs, as of now.

    Teams, their coverage and their shifts change rarely: each process keeps them until
    one aggregate query says a table behind them changed. Status and the members'
    certifications change during a shift and are read fresh for every call, onto copies
    of the kept teams (which are shared between threads and never changed).
    """
    global _cached_roster
    version = _roster_version()
    if _cached_roster is None or _cached_roster.version != version:
        models = {m for programs in MODE_PROGRAMS.values() for m in programs}
        teams = Team.objects.filter(program_model__in=models).prefetch_related("coverage", "shifts")
        _cached_roster = _Roster(version, tuple(teams.order_by("call_sign")))
    kept = _cached_roster.teams
    status = dict(
        (pk, (value, since))
        for pk, value, since in Team.objects.filter(pk__in=[t.pk for t in kept]).values_list(
            "pk", "status", "status_since"
        )
    )
    held = _certifications_held([t for t in kept if t.requires_certification])
    roster = []
    for team in kept:
        if team.pk not in status:
            continue  # deleted since the version was read
        team = copy.copy(team)
        team.status, team.status_since = status[team.pk]
        team.member_certifications = held.get(team.pk, frozenset())
        roster.append(team)
    return roster


def _certifications_held(teams: list[Team]) -> dict[int, frozenset[str]]:
    """Team -> the certifications every one of its members holds."""
    held: dict[int, frozenset[str]] = {}
    members = TeamMember.objects.filter(team__in=teams).values_list(
        "team_id", "user__certifications"
    )
    for team_id, certifications in members:
        mine = frozenset(certifications or ())
        held[team_id] = held[team_id] & mine if team_id in held else mine
    return held


def _roster_version() -> tuple:
    """Counts, latest changes and a fingerprint of the pairs behind the kept roster."""
    team, shift = Team._meta.db_table, Shift._meta.db_table
    coverage = Team.coverage.through._meta.db_table
    sql = (
        f"SELECT (SELECT count(*) FROM {team}), (SELECT max(updated_at) FROM {team}),"  # noqa: S608 (table names)
        f" (SELECT count(*) FROM {shift}), (SELECT max(updated_at) FROM {shift}),"
        f" (SELECT count(*) FROM {coverage}),"
        f" (SELECT sum(team_id * 1000003 + jurisdiction_id) FROM {coverage})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return tuple(cursor.fetchone())


def recommend_units(
    call: Call,
    mode: str,
    *,
    fallbacks: dict[str, str] | None = None,
    at: datetime | None = None,
    travel: TravelTime | None = None,
) -> UnitRecommendation:
    """Eligible teams for `mode`, nearest first; if none, the first fallback mode that has."""
    moment = timezone.localtime(at or timezone.now())
    travel = travel or StraightLine()
    roster = _roster()
    result = _eligible(roster, call, mode, moment, travel)
    if result.candidates or not MODE_PROGRAMS.get(mode):
        return result  # police/EMS and 988 are dispatched outside Tandem
    reasons = [_unavailable(result)]
    fallbacks = fallbacks or {}
    seen, next_mode = {mode}, fallbacks.get(mode, ResponseMode.POLICE_EMS)
    while next_mode not in seen:
        seen.add(next_mode)
        option = _eligible(roster, call, next_mode, moment, travel)
        if option.candidates or not MODE_PROGRAMS.get(next_mode):
            result.fallback_mode, result.fallback = next_mode, option
            break
        reasons.append(_unavailable(option))
        next_mode = fallbacks.get(next_mode, ResponseMode.POLICE_EMS)
    else:
        result.fallback_mode = ResponseMode.POLICE_EMS
    result.fallback_reason = " ".join(reasons)
    return result


def _unavailable(option: UnitRecommendation) -> str:
    """'No co-responder team is available (CR-1: not on duty now).'"""
    why = "; ".join(f"{', '.join(signs)}: {reason}" for reason, signs in option.excluded.items())
    return f"No {ResponseMode(option.mode).label.lower()} is available" + (
        f" ({why})." if why else " (no such team covers this area)."
    )


def _eligible(
    roster: list[Team], call: Call, mode: str, moment: datetime, travel: TravelTime
) -> UnitRecommendation:
    result = UnitRecommendation(mode=mode, candidates=[])
    programs = MODE_PROGRAMS.get(mode, ())
    for team in (t for t in roster if t.program_model in programs):
        reason = _exclusion(team, call, moment)
        if reason:
            result.excluded.setdefault(reason, []).append(team.call_sign)
            continue
        on_call = _duty(team, moment) == ScheduleKind.ON_CALL
        result.candidates.append(Candidate(team, _minutes(team, call, travel), on_call))
    preference = MODE_PROGRAMS.get(mode, ())
    result.candidates.sort(
        key=lambda c: (
            c.on_call,
            c.minutes if c.minutes is not None else 0.0,
            preference.index(c.team.program_model),
        )
    )
    return result


def _minutes(team: Team, call: Call, travel: TravelTime) -> float | None:
    """Travel minutes; None for remote teams and when a place is unknown."""
    if team.program_model in REMOTE_MODELS:
        return None
    origin = (team.base_latitude, team.base_longitude)
    target = (call.latitude, call.longitude)
    if None in target and call.jurisdiction is not None:
        target = (call.jurisdiction.latitude, call.jurisdiction.longitude)  # its centre
    if None in origin or None in target:
        return None
    return round(travel.minutes(origin, target), 1)
