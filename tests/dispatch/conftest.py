"""Dispatch fixtures: the shared region plus teams on duty around the clock."""

from datetime import time

import pytest

from tandem.agencies.models import Jurisdiction, Shift, Team, TeamMember


def on_duty_always(team: Team) -> None:
    for day in range(7):
        Shift.objects.create(
            owning_agency=team.owning_agency, team=team, weekday=day, start=time(0), end=time(0)
        )


@pytest.fixture
def dispatch_region(region):
    region.team.base_latitude, region.team.base_longitude = 39.0, -94.3
    region.team.clinical_agency = region.clinic
    region.team.save()
    on_duty_always(region.team)
    region.town = Jurisdiction.objects.create(
        owning_agency=region.other_pd,
        code="hillside",
        name="Hillside",
        kind="town",
        latitude=39.2,
        longitude=-94.1,
    )
    region.crisis_team = Team.objects.create(
        owning_agency=region.clinic,
        code="mct",
        call_sign="MCT-1",
        name="Mobile crisis",
        program_model="clinician_only",
        base_latitude=39.05,
        base_longitude=-94.35,
    )
    region.crisis_team.coverage.add(region.city)
    on_duty_always(region.crisis_team)
    TeamMember.objects.create(
        owning_agency=region.clinic,
        team=region.crisis_team,
        user=region.navigator,
        role="clinician",
    )
    region.floater = Team.objects.create(
        owning_agency=region.clinic,
        code="float",
        call_sign="FL-1",
        name="Towns floater",
        program_model="floater",
        base_latitude=39.3,
        base_longitude=-94.0,
    )
    region.floater.coverage.add(region.town)
    on_duty_always(region.floater)
    return region
