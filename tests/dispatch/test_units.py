"""Which teams are eligible, in what order, and what happens when none is."""

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from tandem.agencies.models import Shift, Team
from tandem.dispatch.intake import CallIntake, call_intake
from tandem.dispatch.units import StraightLine, haversine_km, recommend_units, shift_covers
from tests.conftest import on_duty_always

pytestmark = pytest.mark.django_db
CHICAGO = ZoneInfo("America/Chicago")


def _call(region, **extra):
    intake = CallIntake(
        source="911",
        call_type="EDP",
        jurisdiction_id=region.city.pk,
        latitude=39.0,
        longitude=-94.3,
        **extra,
    )
    return call_intake(actor=region.dispatcher, intake=intake)[0]


def test_a_clinician_only_call_gets_the_covering_clinician_team(dispatch_region):
    rec = recommend_units(_call(dispatch_region), "clinician_only")
    assert [c.team for c in rec.candidates] == [dispatch_region.crisis_team]
    assert rec.candidates[0].minutes > 0


def test_a_team_not_covering_the_jurisdiction_is_excluded_with_its_reason(dispatch_region):
    rec = recommend_units(_call(dispatch_region), "clinician_only")
    assert "FL-1" in rec.excluded["does not cover the call's jurisdiction"]


def test_the_floater_covers_its_towns(dispatch_region):
    call = call_intake(
        actor=dispatch_region.dispatcher,
        intake=CallIntake(source="911", call_type="EDP", jurisdiction_id=dispatch_region.town.pk),
    )[0]
    rec = recommend_units(call, "co_responder")
    assert [c.team.call_sign for c in rec.candidates] == ["FL-1"]


def test_teams_off_shift_or_busy_are_not_offered_and_the_fallback_is_explained(dispatch_region):
    dispatch_region.crisis_team.status = "out_of_service"
    dispatch_region.crisis_team.save()
    rec = recommend_units(
        _call(dispatch_region), "clinician_only", fallbacks={"clinician_only": "co_responder"}
    )
    assert rec.candidates == []
    assert "MCT-1" in rec.fallback_reason and "out of service" in rec.fallback_reason
    assert rec.fallback_mode == "co_responder"
    assert [c.team.call_sign for c in rec.fallback.candidates] == ["LV-1"]


def test_a_missing_certification_makes_a_team_ineligible(dispatch_region):
    dispatch_region.team.requires_certification = "CIT"
    dispatch_region.team.save()
    rec = recommend_units(_call(dispatch_region), "co_responder")
    assert rec.candidates == []
    dispatch_region.officer.certifications = ["CIT"]
    dispatch_region.officer.save()
    dispatch_region.clinician.certifications = ["CIT", "QMHP"]
    dispatch_region.clinician.save()
    assert recommend_units(_call(dispatch_region), "co_responder").candidates


def test_candidates_are_ranked_by_travel_time(dispatch_region):
    near = dispatch_region.crisis_team
    far = type(near).objects.create(
        owning_agency=dispatch_region.clinic,
        code="mct2",
        call_sign="MCT-2",
        name="Far",
        program_model="clinician_only",
        base_latitude=39.4,
        base_longitude=-94.8,
    )
    far.coverage.add(dispatch_region.city)
    for day in range(7):
        Shift.objects.create(
            owning_agency=far.owning_agency, team=far, weekday=day, start=time(0), end=time(0)
        )
    rec = recommend_units(_call(dispatch_region), "clinician_only")
    assert [c.team.call_sign for c in rec.candidates] == ["MCT-1", "MCT-2"]
    assert rec.candidates[0].minutes < rec.candidates[1].minutes


def test_a_day_shift_covers_the_day_only_and_a_night_shift_wraps_past_midnight():
    day = Shift(weekday=0, start=time(7), end=time(21))
    night = Shift(weekday=0, start=time(21), end=time(7))
    monday_noon = datetime(2026, 11, 23, 12, tzinfo=CHICAGO)
    tuesday_3am = datetime(2026, 11, 24, 3, tzinfo=CHICAGO)
    assert shift_covers(day, monday_noon) and not shift_covers(day, tuesday_3am)
    assert shift_covers(night, tuesday_3am) and not shift_covers(night, monday_noon)


def test_the_straight_line_estimate_applies_road_factor_and_speed():
    km = haversine_km((39.0, -94.3), (39.1, -94.3))
    assert 11.0 < km < 11.2  # a tenth of a degree of latitude
    assert StraightLine(road_factor=1.5, speed_kmh=60).minutes((39.0, -94.3), (39.1, -94.3)) == (
        pytest.approx(km * 1.5)
    )


def test_the_roster_kept_between_calls_follows_every_change_to_teams(dispatch_region):
    r = dispatch_region
    signs = lambda mode, call=None: [  # noqa: E731
        c.team.call_sign for c in recommend_units(call or _call(r), mode).candidates
    ]
    assert signs("clinician_only") == ["MCT-1"]

    r.floater.coverage.add(r.city)  # coverage grows
    assert signs("clinician_only") == ["MCT-1", "FL-1"]

    r.floater.coverage.remove(r.city)
    r.floater.coverage.add(r.town)  # swapped for another with the same count
    assert signs("clinician_only") == ["MCT-1"]

    Shift.objects.filter(team=r.crisis_team).delete()  # off duty
    assert signs("clinician_only") == []

    on_duty_always(r.crisis_team)
    Team.objects.filter(pk=r.crisis_team.pk).update(status="out_of_service")  # status only
    assert signs("clinician_only") == []

    Team.objects.filter(pk=r.crisis_team.pk).update(status="available")
    r.crisis_team.program_model = "ride_along"
    r.crisis_team.save()  # a changed program model
    assert signs("clinician_only") == [] and "MCT-1" in signs("co_responder")
