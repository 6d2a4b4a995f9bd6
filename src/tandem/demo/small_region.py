"""A small fictional region built in code, for history tests and benchmarks.

The demo region proper loads from YAML; this one needs nothing but the ORM, so a test
or a benchmark can make it in a fresh database in a few milliseconds. It has every
program model that takes calls, shifts that wrap past midnight and a 24-hour one, a
jurisdiction with its own call-type codes and others without.
"""

import datetime as dt

from tandem.agencies.models import Agency, Code, Jurisdiction, Shift, Team


def small_region_create() -> dict[str, object]:
    admin = Agency.objects.create(code="tri-admin", name="Tri-County Admin", kind="regional_admin")
    north = Agency.objects.create(
        code="north-pd", name="Northtown PD", kind="police", owning_agency=admin
    )
    south = Agency.objects.create(
        code="south-pd", name="Southville PD", kind="police", owning_agency=admin
    )
    clinic = Agency.objects.create(
        code="riverbend",
        name="Riverbend Behavioral Health",
        kind="behavioral_health",
        owning_agency=admin,
        part2_program=True,
    )
    northtown = _jurisdiction("northtown", "Northtown", north, 60_000, 39.10, -94.50)
    southville = _jurisdiction("southville", "Southville", south, 25_000, 38.90, -94.40)
    eastfield = _jurisdiction("eastfield", "Eastfield", south, None, 39.00, -94.20)

    ride_along = _team("ra1", "Northtown co-responder car", "ride_along", north, [northtown])
    ride_along.clinical_agency = clinic
    ride_along.save()
    on_call = _team(
        "oc1", "Riverbend on-call clinician", "on_call", clinic, [northtown, southville, eastfield]
    )
    clinician_only = _team(
        "cl1", "Riverbend mobile crisis", "clinician_only", clinic, [southville, eastfield]
    )
    telehealth = _team("th1", "Eastfield tablet clinician", "telehealth", clinic, [eastfield])
    _team("nav1", "Riverbend navigators", "navigator", clinic, [northtown, southville])

    for day in range(7):
        if day < 5:
            _shift(ride_along, day, 10, 20)
        _shift(on_call, day, 20, 10, kind="on_call")  # wraps past midnight
        _shift(clinician_only, day, 8, 20)
        _shift(telehealth, day, 0, 0)  # 24 hours

    for code, label, standard, bh in (
        ("MENTAL", "Mental health crisis", "EDP", True),
        ("SUICIDAL", "Suicidal person", "SUICTHRT", True),
        ("ODPILL", "Overdose", "OD", True),
        ("WELF", "Welfare check", "WELFARE", False),
    ):
        Code.objects.create(
            owning_agency=north,
            list="call_type",
            code=code,
            label=label,
            standard=standard,
            behavioral_health=bh,
        )
    Code.objects.create(
        owning_agency=clinic,
        list="disposition",
        code="RES-SCENE",
        label="Resolved at scene",
        standard="resolved_on_scene",
    )
    return {
        "agencies": [admin, north, south, clinic],
        "jurisdictions": [northtown, southville, eastfield],
    }


def _jurisdiction(code, name, owner, population, lat, lon) -> Jurisdiction:
    return Jurisdiction.objects.create(
        owning_agency=owner,
        code=code,
        name=name,
        kind="city",
        population=population,
        latitude=lat,
        longitude=lon,
        radius_km=4.0,
    )


def _team(code, name, model, owner, coverage) -> Team:
    team = Team.objects.create(
        owning_agency=owner, code=code, call_sign=code.upper(), name=name, program_model=model
    )
    team.coverage.set(coverage)
    return team


def _shift(team, weekday, start, end, kind="staffed") -> Shift:
    return Shift.objects.create(
        owning_agency=team.owning_agency,
        team=team,
        weekday=weekday,
        start=dt.time(start),
        end=dt.time(end),
        kind=kind,
    )
