"""Writes of the agencies app: loading a program file into the database."""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import models, transaction

from tandem.accounts.models import User
from tandem.accounts.roles import Perm
from tandem.accounts.services import sign_in_policy_set
from tandem.agencies.models import Agency, AgencyKind, Code, CodeList, Jurisdiction, Shift, Team
from tandem.agencies.program import Program, TeamSpec, program_parse, program_read
from tandem.followups.models import FollowUpRule
from tandem.metrics.services import unit_costs_set
from tandem.privacy.services import audit_record

M = TypeVar("M", bound=models.Model)


@dataclass
class Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0

    def add(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)


@dataclass
class ProgramSummary:
    name: str
    version: str
    tallies: dict[str, Tally] = field(default_factory=dict)

    def tally(self, section: str) -> Tally:
        return self.tallies.setdefault(section, Tally())

    @property
    def changed(self) -> bool:
        return any(t.created or t.updated or t.deleted for t in self.tallies.values())

    def lines(self) -> list[str]:
        lines = [f"Loaded program {self.name!r} (version {self.version})"]
        for section, t in self.tallies.items():
            total = t.created + t.updated + t.unchanged
            detail = f"{t.created} created, {t.updated} updated, {t.unchanged} unchanged"
            lines.append(
                f"  {section}: {total} ({detail}{f', {t.deleted} deleted' if t.deleted else ''})"
            )
        return lines


def program_load(
    *, path: str | Path | None = None, text: str | None = None, actor: User | None = None
) -> ProgramSummary:
    """Validate a program file (from `path` or `text`), then upsert it; all or nothing.

    Raises `ProgramInvalid` before touching the database if the file has any error.
    `actor` is None when the command line loads the file.
    """
    if (path is None) == (text is None):
        raise TypeError("give exactly one of path= or text=")
    program = program_read(path) if path is not None else program_parse(text or "")
    return program_apply(program=program, actor=actor)


def program_apply(*, program: Program, actor: User | None = None) -> ProgramSummary:
    """Upsert a validated program by code. Rows the file does not name are left alone."""
    if actor is not None and not actor.has_perm_in(Perm.MANAGE_PROGRAM):
        raise PermissionDenied("loading a program needs the manage_program permission")
    summary = ProgramSummary(program.program.name, program.program.version)
    with transaction.atomic():
        agencies = _load_agencies(program, actor, summary)
        places = _load_jurisdictions(program, agencies, actor, summary)
        for spec in program.teams:
            _load_team(spec, agencies, places, actor, summary)
        _load_codes(program, agencies, actor, summary)
        _load_followup_rules(program, agencies, actor, summary)
        if program.unit_costs is not None:
            admin = agencies[program.administrator.code]
            outcome = unit_costs_set(administrator=admin, spec=program.unit_costs, actor=actor)
            summary.tally("unit costs").add(outcome)
        if program.two_factor is not None:
            admin = agencies[program.administrator.code]
            outcome = sign_in_policy_set(administrator=admin, spec=program.two_factor, actor=actor)
            summary.tally("sign-in policy").add(outcome)
        if summary.changed:
            audit_record(
                actor=actor,
                action="program_load",
                agency_id=agencies[program.administrator.code].pk,
                reason=f"program {summary.name!r} version {summary.version}",
            )
    return summary


def _upsert(
    model: type[M], *, key: dict[str, Any], values: dict[str, Any], actor: User | None
) -> tuple[M, str]:
    """Create or update one row; a row already as the file says is not saved at all.

    Skipping identical rows keeps `updated_at`/`updated_by` meaningful and makes a second
    load of the same file a true no-op. `values` use attnames (`owning_agency_id`).
    """
    actor_id = actor.pk if actor is not None else None
    obj = model._default_manager.filter(**key).first()
    if obj is None:
        obj = model(**key, **values, created_by_id=actor_id, updated_by_id=actor_id)
        obj.save()
        return obj, "created"
    changed = {name: v for name, v in values.items() if getattr(obj, name) != v}
    if not changed:
        return obj, "unchanged"
    for name, value in changed.items():
        setattr(obj, name, value)
    obj.updated_by_id = actor_id
    obj.save()
    return obj, "updated"


def _load_agencies(
    program: Program, actor: User | None, summary: ProgramSummary
) -> dict[str, Agency]:
    admin_code = program.administrator.code
    # The administrator goes first: every other agency names it as owner.
    ordered = sorted(program.agencies, key=lambda a: a.code != admin_code)
    agencies: dict[str, Agency] = {}
    for spec in ordered:
        owner = agencies[admin_code].pk if spec.code != admin_code else None
        values = spec.model_dump(include={"name", "kind", "ori", "part2_program"})
        values["owning_agency_id"] = owner
        agency, outcome = _upsert(Agency, key={"code": spec.code}, values=values, actor=actor)
        agencies[spec.code] = agency
        summary.tally("agencies").add(outcome)
    return agencies


def _load_jurisdictions(
    program: Program, agencies: dict[str, Agency], actor: User | None, summary: ProgramSummary
) -> dict[str, Jurisdiction]:
    places: dict[str, Jurisdiction] = {}
    for spec in program.jurisdictions:
        values = spec.model_dump(
            include={"name", "kind", "population", "latitude", "longitude", "radius_km"}
        )
        values["owning_agency_id"] = agencies[spec.police].pk
        places[spec.code], outcome = _upsert(
            Jurisdiction, key={"code": spec.code}, values=values, actor=actor
        )
        summary.tally("jurisdictions").add(outcome)
    return places


def _load_team(
    spec: TeamSpec,
    agencies: dict[str, Agency],
    places: dict[str, Jurisdiction],
    actor: User | None,
    summary: ProgramSummary,
) -> None:
    values = spec.model_dump(
        include={
            "call_sign",
            "name",
            "program_model",
            "base_latitude",
            "base_longitude",
            "requires_certification",
        }
    )
    agency = agencies[spec.agency]
    clinical = agencies[spec.clinical_agency] if spec.clinical_agency else None
    if clinical is None and agency.kind == AgencyKind.BEHAVIORAL_HEALTH:
        clinical = agency
    values["owning_agency_id"] = agency.pk
    values["clinical_agency_id"] = clinical.pk if clinical else None
    team, outcome = _upsert(Team, key={"code": spec.code}, values=values, actor=actor)
    coverage = {places[code].pk for code in spec.coverage}
    if set(team.coverage.values_list("pk", flat=True)) != coverage:
        team.coverage.set(coverage)
        outcome = "updated" if outcome == "unchanged" else outcome
    summary.tally("teams").add(outcome)
    _load_shifts(team, spec, actor, summary.tally("shifts"))


def _load_shifts(team: Team, spec: TeamSpec, actor: User | None, tally: Tally) -> None:
    """Make the team's weekly blocks exactly the file's.

    Blocks already present are kept rather than recreated, so the clinician assigned to
    carry an on-call phone (set elsewhere) survives a reload.
    """
    wanted = {(day, s.start, s.end, s.kind) for s in spec.shifts for day in s.days}
    actor_id = actor.pk if actor is not None else None
    for shift in team.shifts.all():
        block = (shift.weekday, shift.start, shift.end, shift.kind)
        if block in wanted and shift.owning_agency_id == team.owning_agency_id:
            wanted.discard(block)
            tally.add("unchanged")
        elif block in wanted:
            # The team moved to another agency; its schedule moves with it.
            wanted.discard(block)
            shift.owning_agency_id, shift.updated_by_id = team.owning_agency_id, actor_id
            shift.save()
            tally.add("updated")
        else:
            shift.delete()
            tally.add("deleted")
    for weekday, start, end, kind in sorted(wanted):
        Shift.objects.create(
            team=team,
            weekday=weekday,
            start=start,
            end=end,
            kind=kind,
            owning_agency_id=team.owning_agency_id,
            created_by_id=actor_id,
            updated_by_id=actor_id,
        )
        tally.add("created")


def _load_codes(
    program: Program, agencies: dict[str, Agency], actor: User | None, summary: ProgramSummary
) -> None:
    admin = program.administrator.code
    entries = [
        (
            CodeList.CALL_TYPE,
            c.agency or admin,
            c.code,
            {"label": c.label, "standard": c.apco, "behavioral_health": c.behavioral_health},
        )
        for c in program.call_types
    ] + [
        (
            CodeList.DISPOSITION,
            d.agency or admin,
            d.code,
            {"label": d.label, "standard": d.standard, "behavioral_health": False},
        )
        for d in program.dispositions
    ]
    for code_list, agency_code, code, values in entries:
        key = {"owning_agency_id": agencies[agency_code].pk, "list": code_list.value, "code": code}
        _, outcome = _upsert(Code, key=key, values=values, actor=actor)
        summary.tally("call types" if code_list == CodeList.CALL_TYPE else "dispositions").add(
            outcome
        )


def _load_followup_rules(
    program: Program, agencies: dict[str, Agency], actor: User | None, summary: ProgramSummary
) -> None:
    """Make the follow-up rules exactly the file's: a rule left out of the file stops
    making tasks (tasks it made stay)."""
    if not program.followup_rules and not FollowUpRule.objects.exists():
        return
    tally = summary.tally("follow-up rules")
    admin = agencies[program.administrator.code]
    for spec in program.followup_rules:
        values = {
            "owning_agency_id": admin.pk,
            "provider_id": agencies[spec.provider].pk if spec.provider else None,
            "event": spec.when,
            "risk_levels": sorted(spec.risk),
            "dispositions": sorted(spec.dispositions),
            "kind": spec.kind,
            "due_within_hours": spec.due_within_hours,
            "repeat": spec.repeat,
        }
        _, outcome = _upsert(FollowUpRule, key={"code": spec.code}, values=values, actor=actor)
        tally.add(outcome)
    stale = FollowUpRule.objects.exclude(code__in=[r.code for r in program.followup_rules])
    deleted, _ = stale.delete()
    tally.deleted += deleted
