"""Program configuration as data: the program file, its errors, and loading it."""

import os
import subprocess
import sys
from datetime import time
from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError

from tandem.accounts.models import Membership, User
from tandem.accounts.roles import Role
from tandem.agencies import services
from tandem.agencies.models import (
    Agency,
    AgencyKind,
    Code,
    CodeList,
    Jurisdiction,
    ProgramModel,
    ScheduleKind,
    Shift,
    Team,
)
from tandem.agencies.program import ProgramInvalid, program_parse
from tandem.agencies.services import program_load
from tandem.encounters.models import Disposition
from tandem.interop.eido import apco_codes
from tandem.privacy.models import AuditEvent

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "src" / "tandem" / "demo" / "region.yaml"

# Every line number below is counted in this text: keep the lines where they are.
SEVERAL_ERRORS = """\
program:
  name: Tiny
agencies:
  - {code: admin, name: Admin, kind: regional_admin}
  - {code: pd, name: PD, kind: polise}
jurisdictions:
  - code: town
    name: Town
    kind: town
    police: nowhere
    latitude: 139.0
    longitude: -94.3
teams:
  - code: t1
    name: Team
    agency: pd
    program_model: ridealong
    coverage: [town, village]
    colour: blue
    shifts:
      - {days: [mon, funday], start: "25:00", end: 17:00}
call_types:
  - {code: EDP, label: Crisis, apco: EDP}
  - {code: EDP, label: Crisis again, apco: EDP}
"""


def snapshot() -> dict[str, list[dict]]:
    """Every row the loader may write, so a test can tell that nothing changed at all."""
    tables = [Agency, Jurisdiction, Team, Team.coverage.through, Shift, Code, AuditEvent]
    return {t.__name__: list(t.objects.order_by("pk").values()) for t in tables}


def demo_text() -> str:
    return DEMO.read_text()


def line_of(text: str, fragment: str) -> int:
    """1-based line of the only line containing `fragment`."""
    hits = [n for n, line in enumerate(text.splitlines(), 1) if fragment in line]
    assert len(hits) == 1, hits
    return hits[0]


def issues(exc: pytest.ExceptionInfo[ProgramInvalid]) -> list[tuple[int | None, str]]:
    return [(issue.line, issue.path) for issue in exc.value.issues]


@pytest.mark.django_db
def test_loading_the_demo_region_creates_every_agency_place_team_and_code() -> None:
    summary = program_load(path=DEMO)

    kinds = {kind: Agency.objects.filter(kind=kind).count() for kind in AgencyKind.values}
    assert kinds[AgencyKind.POLICE] == 5
    assert kinds[AgencyKind.BEHAVIORAL_HEALTH] == 2
    assert kinds[AgencyKind.EMS] == 1
    assert kinds[AgencyKind.PSAP] == 1
    assert kinds[AgencyKind.REGIONAL_ADMIN] == 1
    assert Agency.objects.filter(part2_program=True).count() == 1
    assert Agency.objects.filter(kind=AgencyKind.POLICE).exclude(ori="").count() == 5
    assert Jurisdiction.objects.filter(kind="city").count() == 5
    assert Jurisdiction.objects.filter(kind="town").count() == 3
    assert set(Team.objects.values_list("program_model", flat=True)) == set(ProgramModel.values)
    assert summary.tallies["agencies"].created == 11
    assert not summary.tallies["teams"].updated


@pytest.mark.django_db
def test_the_demo_schedules_match_each_program_model() -> None:
    program_load(path=DEMO)
    largest = Jurisdiction.objects.order_by("-population").first()

    around_the_clock = Team.objects.get(program_model=ProgramModel.RIDE_ALONG, coverage=largest)
    blocks = set(around_the_clock.shifts.values_list("weekday", "start", "end"))
    assert blocks == {(day, time(0), time(0)) for day in range(7)}

    clinicians = Team.objects.get(program_model=ProgramModel.CLINICIAN_ONLY)
    assert set(clinicians.shifts.values_list("start", "end")) == {(time(7), time(21))}
    assert clinicians.shifts.count() == 7

    on_call = Team.objects.get(program_model=ProgramModel.ON_CALL)
    assert set(on_call.shifts.values_list("kind", flat=True)) == {ScheduleKind.ON_CALL}

    floater = Team.objects.get(program_model=ProgramModel.FLOATER)
    assert set(floater.coverage.values_list("kind", flat=True)) == {"town"}
    assert floater.coverage.count() == 3
    assert sorted(floater.shifts.values_list("weekday", flat=True)) == [0, 1, 2, 3, 4]


@pytest.mark.django_db
def test_every_loaded_record_is_owned_by_the_agency_responsible_for_it() -> None:
    program_load(path=DEMO)
    admin = Agency.objects.get(kind=AgencyKind.REGIONAL_ADMIN)

    assert admin.owning_agency is None
    assert set(Agency.objects.exclude(pk=admin.pk).values_list("owning_agency", flat=True)) == {
        admin.pk
    }
    assert not Jurisdiction.objects.exclude(owning_agency__kind=AgencyKind.POLICE).exists()
    cr1 = Team.objects.get(code="harrow-springs-cr1")
    assert cr1.owning_agency.code == "harrow-springs-pd"
    assert cr1.clinical_agency.code == "prairie-behavioral"
    floater = Team.objects.get(code="towns-floater")
    assert floater.clinical_agency == floater.owning_agency  # a provider's own team
    for shift in Shift.objects.select_related("team"):
        assert shift.owning_agency_id == shift.team.owning_agency_id
    assert Code.objects.get(code="MHC").owning_agency.code == "harrow-springs-pd"
    assert Code.objects.get(code="10-96").owning_agency == admin


@pytest.mark.django_db
def test_the_demo_codes_map_to_apco_types_and_standard_dispositions() -> None:
    program_load(path=DEMO)
    call_types = Code.objects.filter(list=CodeList.CALL_TYPE)
    apco = set(call_types.values_list("standard", flat=True))
    assert {"EDP", "SUICTHRT", "SUICIDE", "OD", "INTOX", "WELFARE", "DRUGS", "CITASST"} <= apco
    assert apco <= apco_codes(), "every standard is an APCO ANS 2.103.1 incident type"
    assert call_types.get(standard="SUICTHRT").behavioral_health
    assert not call_types.get(standard="LARCENY").behavioral_health
    dispositions = Code.objects.filter(list=CodeList.DISPOSITION)
    assert set(dispositions.values_list("standard", flat=True)) == set(Disposition.values)
    assert dispositions.get(code="GOA").standard == Disposition.UNABLE_TO_LOCATE


@pytest.mark.django_db
def test_loading_the_same_file_twice_changes_nothing() -> None:
    program_load(path=DEMO)
    before = snapshot()

    summary = program_load(path=DEMO)

    assert snapshot() == before
    assert not summary.changed
    assert all(t.created == t.updated == t.deleted == 0 for t in summary.tallies.values())


@pytest.mark.django_db
def test_reloading_after_editing_a_team_updates_it_and_replaces_its_shifts() -> None:
    program_load(path=DEMO)
    team = Team.objects.get(code="towns-floater")
    edited = (
        demo_text()
        .replace("Small-Towns Floater Clinician", "Towns Floater")
        .replace(
            '{days: weekdays, start: "08:00", end: "17:00"}',
            '{days: [sat], start: "09:00", end: "13:00"}',
        )
    )

    summary = program_load(text=edited)

    team.refresh_from_db()
    assert team.name == "Towns Floater"
    assert list(team.shifts.values_list("weekday", "start", "end")) == [(5, time(9), time(13))]
    assert summary.tallies["teams"].updated == 1
    assert summary.tallies["shifts"].deleted == 5
    assert Team.objects.count() == 8  # updated in place, not duplicated


@pytest.mark.django_db
def test_a_file_with_several_errors_reports_each_with_its_line_and_field() -> None:
    with pytest.raises(ProgramInvalid) as exc:
        program_load(text=SEVERAL_ERRORS)

    assert issues(exc) == [
        (5, "agencies[1].kind"),
        (10, "jurisdictions[0].police"),
        (11, "jurisdictions[0].latitude"),
        (14, "teams[0].call_sign"),
        (17, "teams[0].program_model"),
        (18, "teams[0].coverage[1]"),
        (19, "teams[0].colour"),
        (21, "teams[0].shifts[0].days"),
        (21, "teams[0].shifts[0].start"),
        (24, "call_types[1].code"),
    ]
    assert Agency.objects.count() == 0


def test_each_error_says_what_was_expected_and_what_was_found() -> None:
    with pytest.raises(ProgramInvalid) as exc:
        program_parse(SEVERAL_ERRORS, filename="tiny.yaml")
    lines = exc.value.lines()

    assert (
        "tiny.yaml:17: teams[0].program_model: expected one of ride_along, on_call, "
        "clinician_only, navigator, floater, telehealth; got 'ridealong'"
    ) in lines
    assert "tiny.yaml:14: teams[0].call_sign: required field is missing" in lines
    assert any(line.startswith("tiny.yaml:19: teams[0].colour: unknown field;") for line in lines)
    assert any("duplicate code 'EDP'; first at line 23" in line for line in lines)
    assert any("got 'nowhere'" in line for line in lines)


@pytest.mark.django_db
def test_a_bad_program_model_is_reported_with_line_and_field_and_changes_nothing() -> None:
    text = demo_text().replace("program_model: floater", "program_model: ridealong")
    before = snapshot()

    with pytest.raises(ProgramInvalid) as exc:
        program_load(text=text)

    assert issues(exc) == [(line_of(text, "ridealong"), "teams[4].program_model")]
    assert snapshot() == before


@pytest.mark.django_db
def test_a_bad_reference_late_in_the_file_leaves_the_database_unchanged() -> None:
    program_load(path=DEMO)
    before = snapshot()
    # A valid edit early in the file, and a reference to no agency near its end.
    text = demo_text().replace("Harrow Springs Co-Responder Car 1", "Renamed car")
    text = text.replace("agency: prairie-behavioral}", "agency: prairie-behavioural}")

    with pytest.raises(ProgramInvalid) as exc:
        program_load(text=text)

    assert issues(exc) == [(line_of(text, "prairie-behavioural"), "dispositions[14].agency")]
    assert snapshot() == before


@pytest.mark.django_db
def test_a_database_failure_midway_rolls_back_every_write(monkeypatch) -> None:
    program_load(path=DEMO)
    before = snapshot()
    text = demo_text().replace("Harrow Springs Co-Responder Car 1", "Renamed car")

    def fail(*args, **kwargs):
        raise IntegrityError("simulated failure after agencies, places and teams were written")

    monkeypatch.setattr(services, "_load_codes", fail)
    with pytest.raises(IntegrityError):
        program_load(text=text)

    assert snapshot() == before


@pytest.mark.django_db
def test_a_failed_first_load_leaves_an_empty_database_empty(monkeypatch) -> None:
    monkeypatch.setattr(services, "_load_codes", lambda *a, **k: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        program_load(path=DEMO)
    assert all(rows == [] for rows in snapshot().values())


def test_a_yaml_syntax_error_is_reported_with_its_line() -> None:
    text = "program:\n  name: Broken\nagencies:\n  - {code: admin, name: Admin\n  - {code: pd}\n"
    with pytest.raises(ProgramInvalid) as exc:
        program_parse(text, filename="broken.yaml")
    assert len(exc.value.issues) == 1
    assert exc.value.lines()[0].startswith("broken.yaml:5: invalid YAML:")


def test_a_key_given_twice_is_an_error_because_yaml_would_keep_only_the_last() -> None:
    text = (
        "program:\n  name: A\n  name: B\nagencies:\n  - {code: a, name: A, kind: regional_admin}\n"
    )
    with pytest.raises(ProgramInvalid) as exc:
        program_parse(text)
    assert issues(exc) == [(3, "program.name")]


def test_unquoted_times_are_clock_times_not_base_60_numbers() -> None:
    # YAML 1.1 reads 21:00 as 1260 and `no` as false; the program file must not.
    text = demo_text().replace('end: "21:00"', "end: 21:00").replace("code: NARC", "code: no")
    program = program_parse(text)
    clinicians = next(t for t in program.teams if t.program_model == "clinician_only")
    assert clinicians.shifts[0].end == time(21)
    assert "no" in [c.code for c in program.call_types]


def test_a_file_without_a_regional_administrator_is_rejected() -> None:
    text = "program: {name: X}\nagencies:\n  - {code: pd, name: PD, kind: police}\n"
    with pytest.raises(ProgramInvalid) as exc:
        program_parse(text)
    assert issues(exc) == [(2, "agencies")]


@pytest.mark.django_db
def test_the_loader_records_the_acting_administrator_and_writes_one_audit_event() -> None:
    program_load(path=DEMO)
    admin_agency = Agency.objects.get(kind=AgencyKind.REGIONAL_ADMIN)
    actor = User.objects.create_user(username="regional", password="x-long-password-1")
    Membership.objects.create(user=actor, owning_agency=admin_agency, role=Role.REGIONAL_ADMIN)
    audits = AuditEvent.objects.count()

    program_load(text=demo_text().replace("Tele-Behavioral Health Line", "Tele Line"), actor=actor)

    assert Team.objects.get(code="telehealth").updated_by == actor
    assert AuditEvent.objects.count() == audits + 1
    assert AuditEvent.objects.latest("at").action == "program_load"


@pytest.mark.django_db
def test_a_user_without_the_manage_program_permission_may_not_load_a_program() -> None:
    program_load(path=DEMO)
    before = snapshot()
    pd = Agency.objects.get(code="harrow-springs-pd")
    officer = User.objects.create_user(username="officer", password="x-long-password-1")
    Membership.objects.create(user=officer, owning_agency=pd, role=Role.OFFICER)

    with pytest.raises(PermissionDenied):
        program_load(path=DEMO, actor=officer)
    assert snapshot() == before


@pytest.mark.django_db
def test_the_command_prints_a_summary_of_counts() -> None:
    out = StringIO()
    call_command("load_program", str(DEMO), stdout=out)
    assert "agencies: 11 (11 created, 0 updated, 0 unchanged)" in out.getvalue()
    assert "jurisdictions: 8 (8 created" in out.getvalue()


@pytest.mark.django_db
def test_the_command_prints_every_error_on_its_own_line_and_fails(tmp_path: Path) -> None:
    bad = tmp_path / "tiny.yaml"
    bad.write_text(SEVERAL_ERRORS)
    err = StringIO()

    with pytest.raises(CommandError, match="10 errors"):
        call_command("load_program", str(bad), stderr=err)

    assert len(err.getvalue().splitlines()) == 10
    assert Agency.objects.count() == 0


def _tandem(*args: str, var_dir: Path) -> subprocess.CompletedProcess:
    # A throwaway SQLite database: never the developer's, never CI's PostgreSQL.
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(TANDEM_VAR_DIR=str(var_dir), TANDEM_SECRET_KEY="test-only-" + "k" * 50)
    tandem = Path(sys.executable).with_name("tandem")
    return subprocess.run(  # noqa: S603 - fixed argv, no shell
        [str(tandem), *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )


def test_tandem_load_program_exits_1_and_prints_each_error(tmp_path: Path) -> None:
    bad = tmp_path / "tiny.yaml"
    bad.write_text(SEVERAL_ERRORS)

    result = _tandem("load-program", str(bad), var_dir=tmp_path)

    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith(str(bad))]
    assert len(errors) == 10
    assert f"{bad}:17: teams[0].program_model: expected one of" in result.stderr


def test_tandem_load_program_loads_the_demo_region_into_a_fresh_database(tmp_path: Path) -> None:
    assert _tandem("migrate", "--verbosity=0", var_dir=tmp_path).returncode == 0

    result = _tandem("load-program", str(DEMO), var_dir=tmp_path)

    assert result.returncode == 0, result.stderr
    assert "teams: 8 (8 created, 0 updated, 0 unchanged)" in result.stdout
