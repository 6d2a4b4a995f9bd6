"""Cost avoided: low / expected / high arithmetic, settings from the program file."""

import pytest

from tandem.agencies.program import ProgramInvalid, program_parse
from tandem.agencies.services import program_apply
from tandem.metrics import engine
from tandem.metrics.costs import LEVELS, Outcomes, UnitCostsSpec, cost_avoided
from tandem.metrics.selectors import cost_avoided_for, unit_costs

from .tables import AS_OF, JAN, MIN, snapshot

SPEC = UnitCostsSpec(
    jail_booking={"low": 100, "expected": 200, "high": 300},
    jail_bed_day=100,
    court_case={"low": 0, "expected": 500, "high": 1000},
    officer_hour=50,
    booking_share={"low": 0.5, "expected": 1, "high": 1},
    jail_days={"low": 1, "expected": 2, "high": 3},
    court_share=1,
    arrest_officer_hours=2,
    ed_visit=1000,
    ed_share={"low": 0.5, "expected": 1, "high": 1},
    admission_share={"low": 0, "expected": 0.5, "high": 1},
    inpatient_days=2,
    inpatient_day=1000,
)


def test_cost_avoided_multiplies_each_outcome_by_its_counterfactual_at_each_level():
    result = cost_avoided(Outcomes(2, 3, 10.0), SPEC)
    # jail, per diversion: share x (booking + days x bed-day) + share x court + 2 h x 50
    #   low 0.5 x (100 + 100) + 0.5 x 0 + 100 = 200; expected 1 x (200 + 200) + 500 + 100
    #   = 1000; high 300 + 300 + 1000 + 100 = 1700
    # hospital, per diversion: ed_share x (1000 + admission x 2 x 1000)
    #   low 0.5 x 1000 = 500; expected 1000 + 1000 = 2000; high 1000 + 2000 = 3000
    assert result.amounts["low"] == {"jail": 400, "hospital": 1500, "officer_time": 500}
    assert result.amounts["expected"] == {"jail": 2000, "hospital": 6000, "officer_time": 500}
    assert result.amounts["high"] == {"jail": 3400, "hospital": 9000, "officer_time": 500}
    assert [result.total(level) for level in LEVELS] == [2400, 8500, 12900]


def test_the_assumptions_are_written_beside_the_result():
    text = " ".join(cost_avoided(Outcomes(1, 1, 1.0), SPEC).assumptions)
    assert "0.5 / 1 / 1 of them booked at 100 USD / 200 USD / 300 USD" in text
    assert "Not counted: the program's own cost" in text


def test_a_range_out_of_order_or_a_share_above_one_is_refused_with_its_line():
    text = """program: {name: P}
agencies: [{code: admin, name: Admin, kind: regional_admin}]
unit_costs:
  jail_bed_day: {low: 200, expected: 100, high: 300}
  ed_share: 1.5
"""
    with pytest.raises(ProgramInvalid) as caught:
        program_parse(text, filename="p.yaml")
    lines = caught.value.lines()
    assert any("unit_costs.jail_bed_day" in x and "low <= expected <= high" in x for x in lines)
    assert any("unit_costs.ed_share" in x and "share from 0 to 1" in x for x in lines)


@pytest.mark.django_db
def test_unit_costs_load_with_the_program_file_and_are_read_back():
    program = program_parse(
        """program: {name: P}
agencies: [{code: admin, name: Admin, kind: regional_admin}]
unit_costs: {currency: USD, year: 2025, jail_bed_day: 150}
"""
    )
    summary = program_apply(program=program)
    assert summary.tallies["unit costs"].created == 1
    assert unit_costs().jail_bed_day.expected == 150
    assert unit_costs().year == 2025
    assert program_apply(program=program).tallies["unit costs"].unchanged == 1


def test_the_demo_region_states_its_unit_costs():
    from tandem.agencies.program import program_read
    from tandem.demo.management.commands.demo import REGION

    assert program_read(REGION).unit_costs is not None


def test_cost_avoided_for_an_actor_uses_the_recorded_dispositions(region):
    encounters = [
        {"id": i, "person_id": i, "arrestable_offence": True, "diverted_from_jail": i <= 12,
         "diverted_from_hospital": i > 12, "disposition": "resolved_on_scene",
         "agency_id": region.clinic.pk}
        for i in range(1, 31)
    ]  # fmt: skip
    # twelve calls about twelve people, the officer back on patrol 5 minutes early on each
    assignments = [
        {"id": i, "call_id": i, "team_id": 1, "assigned_at": JAN, "cleared_at": JAN + 60 * MIN,
         "officer_returned_at": JAN + 55 * MIN}
        for i in range(1, 13)
    ]  # fmt: skip
    calls = [{"id": i, "person_id": i, "agency_id": region.pd.pk} for i in range(1, 13)]
    teams = [{"id": 1, "agency_id": region.pd.pk, "clinical_agency_id": region.clinic.pk}]
    con = engine.duckdb_connect(
        snapshot(calls=calls, assignments=assignments, encounters=encounters, teams=teams),
        as_of=AS_OF,
    )
    result = cost_avoided_for(region.police_supervisor, con=con)
    assert result is not None
    # encounters without a call belong to their owning agency, the clinic: not the
    # police supervisor's; the assignment on the police agency's call is
    assert result.outcomes == Outcomes(0, 0, pytest.approx(1.0))
    result = cost_avoided_for(region.analyst, con=con)
    assert result.outcomes == Outcomes(12, 18, pytest.approx(1.0))
    assert result.total("low") < result.total("expected") < result.total("high")


def test_cost_avoided_is_withheld_from_aggregate_roles_when_a_count_is_small(region):
    encounters = [{"id": 1, "person_id": 1, "arrestable_offence": True,
                   "diverted_from_jail": True}]  # fmt: skip
    con = engine.duckdb_connect(snapshot(encounters=encounters), as_of=AS_OF)
    assert cost_avoided_for(region.analyst, con=con) is None
