"""The program file: a region's set-up (agencies, places, teams, schedules, codes) as YAML.

`program_parse` turns text into a validated `Program`, or raises `ProgramInvalid` listing
every problem with its line and field, so a region fixes its file in one pass instead of
one error per run. Writing it to the database is `services.program_load`.
"""

import re
from collections.abc import Callable, Iterable
from datetime import time
from pathlib import Path
from typing import Annotated, Any

from django.db import models
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    model_validator,
)
from pydantic_core import PydanticCustomError

from tandem.accounts.otp import TwoFactorSpec
from tandem.agencies.configfile import (
    ConfigInvalid,
    LineOf,
    Problem,
    config_parse,
    config_read,
    expected,
)
from tandem.agencies.models import AgencyKind, JurisdictionKind, ProgramModel, ScheduleKind
from tandem.encounters.models import Disposition, RiskLevel
from tandem.followups.models import FollowUpKind
from tandem.followups.rules import DAILY_UNTIL_STABILISED
from tandem.followups.rules import EVENTS as FOLLOWUP_EVENTS
from tandem.metrics.costs import UnitCostsSpec

# A bad program file: `.lines()` gives `file:line: path: message`, one per problem.
ProgramInvalid = ConfigInvalid

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_SETS = {"daily": (0, 1, 2, 3, 4, 5, 6), "weekdays": (0, 1, 2, 3, 4), "weekends": (5, 6)}


def _one_of(choices: type[models.TextChoices]) -> BeforeValidator:
    allowed = [str(c) for c in choices.values]

    def check(value: Any) -> Any:
        if not isinstance(value, str) or value not in allowed:
            raise expected("one_of", "one of " + ", ".join(allowed), value)
        return value

    return BeforeValidator(check)


def _slug(value: Any) -> Any:
    if not isinstance(value, str) or not re.fullmatch(r"[-a-zA-Z0-9_]{1,40}", value):
        raise expected("slug", "a code of 1-40 letters, digits, '-' or '_'", value)
    return value


def _clock(value: Any) -> time:
    match = (
        re.fullmatch(r"([01][0-9]|2[0-3]):([0-5][0-9])", value) if isinstance(value, str) else None
    )
    if match is None:
        raise expected("clock", "a time as HH:MM from 00:00 to 23:59", value)
    return time(int(match[1]), int(match[2]))


def _days(value: Any) -> tuple[int, ...]:
    if isinstance(value, str) and value in DAY_SETS:
        return DAY_SETS[value]
    if (
        isinstance(value, list)
        and value
        and all(isinstance(d, str) and d in DAYS for d in value)
        and len(set(value)) == len(value)
    ):
        return tuple(DAYS.index(d) for d in value)
    raise expected(
        "days", "daily, weekdays, weekends or a list of distinct " + ", ".join(DAYS), value
    )


def _as_text(value: Any) -> Any:
    # `version: 1.2` reads as a float; a version is a label, not a number.
    return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


def _ref(section: str, kinds: Iterable[str] = ()) -> AfterValidator:
    """A code that must name an entry of another section (of one of `kinds`, if given)."""
    wanted = set(kinds)

    def check(value: str, info: ValidationInfo) -> str:
        # References are resolved against the raw file (see `_context`), so a typo in
        # one agency does not also flag every team that names it.
        known: dict[str, str] = info.context["refs"][section]
        allowed = sorted(code for code, kind in known.items() if not wanted or kind in wanted)
        if value not in allowed:
            label = f"a {'/'.join(sorted(wanted))} code" if wanted else "a code"
            raise expected("unknown_ref", f"{label} from {section} ({', '.join(allowed)})", value)
        return value

    return AfterValidator(check)


Slug = Annotated[str, BeforeValidator(_slug)]
Text = Annotated[str, Field(min_length=1, max_length=200)]
Clock = Annotated[time, BeforeValidator(_clock)]
Latitude = Annotated[float, Field(ge=-90, le=90)]
Longitude = Annotated[float, Field(ge=-180, le=180)]
AgencyRef = Annotated[str, _ref("agencies")]
PoliceRef = Annotated[str, _ref("agencies", kinds=[AgencyKind.POLICE])]
ProviderRef = Annotated[str, _ref("agencies", kinds=[AgencyKind.BEHAVIORAL_HEALTH])]
JurisdictionRef = Annotated[str, _ref("jurisdictions")]


class Spec(BaseModel):
    # An unknown key is usually a misspelt known one; silently ignoring it loses config.
    model_config = ConfigDict(extra="forbid")


class ProgramInfo(Spec):
    name: Text
    version: Annotated[str, BeforeValidator(_as_text), Field(max_length=40)] = "1"
    description: str = ""


class AgencySpec(Spec):
    code: Slug
    name: Text
    kind: Annotated[str, _one_of(AgencyKind)]
    ori: Annotated[str, Field(max_length=9)] = ""
    part2_program: bool = False


class JurisdictionSpec(Spec):
    code: Slug
    name: Text
    kind: Annotated[str, _one_of(JurisdictionKind)]
    police: PoliceRef
    population: Annotated[int, Field(ge=0)] | None = None
    latitude: Latitude
    longitude: Longitude
    radius_km: Annotated[float, Field(gt=0, le=200)] = 5.0


class ShiftSpec(Spec):
    """A weekly block on each of `days`; end before start runs past midnight, equal is 24 h."""

    days: Annotated[tuple[int, ...], BeforeValidator(_days)]
    start: Clock
    end: Clock
    kind: Annotated[str, _one_of(ScheduleKind)] = ScheduleKind.STAFFED.value


class TeamSpec(Spec):
    code: Slug
    call_sign: Annotated[str, Field(min_length=1, max_length=40)]
    name: Text
    agency: AgencyRef
    program_model: Annotated[str, _one_of(ProgramModel)]
    # Owns the clinical record of the team's encounters; defaults to `agency` when that
    # is a behavioral-health provider (see services._load_team).
    clinical_agency: ProviderRef | None = None
    coverage: list[JurisdictionRef] = []
    base_latitude: Latitude | None = None
    base_longitude: Longitude | None = None
    requires_certification: Annotated[str, Field(max_length=80)] = ""
    shifts: list[ShiftSpec] = []


class CallTypeSpec(Spec):
    code: Annotated[str, Field(min_length=1, max_length=80)]
    label: Text
    apco: Annotated[str, Field(min_length=1, max_length=40)]
    behavioral_health: bool = False
    agency: AgencyRef | None = None


class DispositionSpec(Spec):
    code: Annotated[str, Field(min_length=1, max_length=80)]
    label: Text
    standard: Annotated[str, _one_of(Disposition)]
    agency: AgencyRef | None = None


def _event(value: Any) -> Any:
    if value not in FOLLOWUP_EVENTS:
        raise expected("one_of", "one of " + ", ".join(FOLLOWUP_EVENTS), value)
    return value


def _repeat(value: Any) -> Any:
    if value not in ("", DAILY_UNTIL_STABILISED):
        raise expected("one_of", DAILY_UNTIL_STABILISED + " (or leave out)", value)
    return value


class FollowUpRuleSpec(Spec):
    """When `when` happens (narrowed by `risk` or `dispositions`), create a task of
    `kind` due within `due_within_hours`; `repeat` makes it recur (followups.rules)."""

    code: Slug
    when: Annotated[str, BeforeValidator(_event)]
    risk: list[Annotated[str, _one_of(RiskLevel)]] = []
    dispositions: list[Annotated[str, _one_of(Disposition)]] = []
    kind: Annotated[str, _one_of(FollowUpKind)]
    due_within_hours: Annotated[int, Field(gt=0, le=2160)]
    repeat: Annotated[str, BeforeValidator(_repeat)] = ""
    provider: ProviderRef | None = None

    @model_validator(mode="after")
    def _narrowed(self) -> "FollowUpRuleSpec":
        if self.when == "screening" and not self.risk:
            raise PydanticCustomError(
                "narrow", "expected risk: a list of low, moderate, high; got none"
            )
        if self.when == "disposition" and not self.dispositions:
            raise PydanticCustomError(
                "narrow", "expected dispositions: a list of standard dispositions; got none"
            )
        if self.when != "screening" and self.risk:
            raise expected("narrow", "risk only with when: screening", self.risk)
        if self.when != "disposition" and self.dispositions:
            raise expected("narrow", "dispositions only with when: disposition", self.dispositions)
        return self


class Program(Spec):
    program: ProgramInfo
    agencies: list[AgencySpec] = []
    jurisdictions: list[JurisdictionSpec] = []
    teams: list[TeamSpec] = []
    call_types: list[CallTypeSpec] = []
    dispositions: list[DispositionSpec] = []
    followup_rules: list[FollowUpRuleSpec] = []
    # Unit costs and counterfactual assumptions for cost avoided (metrics.costs, where the
    # defaults and their sources are); left out, the loaded ones (or the defaults) stay.
    unit_costs: UnitCostsSpec | None = None
    # Who signs in with a second factor beyond the roles that always do
    # (accounts.roles.TWO_FACTOR_ROLES); left out, the loaded policy stays.
    two_factor: TwoFactorSpec | None = None

    @property
    def administrator(self) -> AgencySpec:
        return next(a for a in self.agencies if a.kind == AgencyKind.REGIONAL_ADMIN)


def program_read(path: str | Path) -> Program:
    return config_read(path, **_OPTIONS)


def program_parse(text: str, *, filename: str = "<program>") -> Program:
    """Validate a program file; raise `ProgramInvalid` listing every problem found."""
    return config_parse(text, filename=filename, **_OPTIONS)


def _entries(data: dict, section: str) -> list[tuple[int, dict]]:
    items = data.get(section)
    return (
        [(i, e) for i, e in enumerate(items) if isinstance(e, dict)]
        if isinstance(items, list)
        else []
    )


def _context(data: dict) -> dict[str, Any]:
    """Codes each section declares, read from the raw file for the reference validators."""

    def codes(section: str) -> dict[str, str]:
        return {
            e["code"]: e.get("kind")
            for _, e in _entries(data, section)
            if isinstance(e.get("code"), str)
        }

    return {"refs": {"agencies": codes("agencies"), "jurisdictions": codes("jurisdictions")}}


def _check_codes(data: dict, line_of: LineOf) -> list[Problem]:
    """Rules across entries: one administrator, and codes that upsert keys rely on are unique."""
    problems: list[Problem] = []
    admins = [
        i for i, e in _entries(data, "agencies") if e.get("kind") == AgencyKind.REGIONAL_ADMIN
    ]
    if not admins:
        problems.append(
            (("agencies",), "expected exactly one agency of kind regional_admin; got none")
        )
    for index in admins[1:]:
        first = line_of(("agencies", admins[0]))
        problems.append(
            (
                ("agencies", index, "kind"),
                f"expected exactly one regional_admin; first at line {first}",
            )
        )
    admin = data["agencies"][admins[0]].get("code") if admins else None
    keys: dict[str, Callable[[dict], Any]] = {
        "agencies": lambda e: e.get("code"),
        "jurisdictions": lambda e: e.get("code"),
        "teams": lambda e: e.get("code"),
        # Local codes are unique per owning agency, which defaults to the administrator.
        "call_types": lambda e: (e.get("agency") or admin, e.get("code")),
        "dispositions": lambda e: (e.get("agency") or admin, e.get("code")),
        "followup_rules": lambda e: e.get("code"),
    }
    for section, key_of in keys.items():
        problems += _duplicates(section, "code", key_of, data, line_of)
    problems += _duplicates("teams", "call_sign", lambda e: e.get("call_sign"), data, line_of)
    return problems


def _duplicates(
    section: str,
    field: str,
    key_of: Callable[[dict], Any],
    data: dict,
    line_of: LineOf,
) -> list[Problem]:
    seen: dict[Any, int] = {}
    problems: list[Problem] = []
    for index, entry in _entries(data, section):
        key = key_of(entry)
        if not isinstance(entry.get(field), str) or not isinstance(key, str | tuple):
            continue  # the schema reports a missing or malformed value
        if key in seen:
            first = line_of((section, seen[key], field))
            problems.append(
                (
                    (section, index, field),
                    f"duplicate {field} {entry[field]!r}; first at line {first}",
                )
            )
        seen.setdefault(key, index)
    return problems


_OPTIONS: dict[str, Any] = {"schema": Program, "context": _context, "checks": [_check_codes]}
