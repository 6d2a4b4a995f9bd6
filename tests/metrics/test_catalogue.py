"""Every metric against a small world counted by hand.

The world (January 2025 unless noted; times in minutes after the call):

call 1  BH, person 1, ride-along team: dispatched 2, on scene 12; encounter e1 clinician
        assessed, resolved on scene, 30 min on scene; referrals r1 attended, r2 declined;
        officer back on patrol 30 min before clearing
call 2  BH, person 1, clinician-only team: dispatched 4, on scene 24; encounter e2 arrest
        (arrestable offence, charges, force), 45 min from start to end
call 3  BH, person 2, clinician-only team: dispatched 6, never arrived; e3 cancelled
call 4  BH, nobody identified, recommended a co-responder, no team free
call 5  not BH, person 3, ride-along: dispatched 8, arrival time missing; e5 declined;
        referral r4 no-show
call 6  BH, person 4, TRESPASS call, ride-along: dispatched 10, on scene 40; two
        encounters: e6a person 4 to the ED, e6b person 5 resolved on scene (diverted from
        jail and hospital), r3 accepted; a draft e6c (clinician assessed) must not count;
        officer back 30 min before clearing
call 7  February, BH, person 1, ride-along: dispatched 2, on scene 7; e7 resolved on
        scene with charges recorded, 10 min on scene
"""

from datetime import date

import pytest

from tandem.metrics import engine
from tandem.metrics.catalogue import BY_ID, METRICS
from tandem.metrics.engine import Filters

from .tables import AS_OF, FEB, JAN, MIN, snapshot

DAY = 86400
T0 = AS_OF - 800 * DAY


def world():
    calls = [
        {"id": 1, "person_id": 1},
        {"id": 2, "person_id": 1},
        {"id": 3, "person_id": 2},
        {"id": 4, "recommended_mode": "co_responder"},
        {"id": 5, "person_id": 3, "behavioral_health": False},
        {"id": 6, "person_id": 4, "apco_code": "TRESPASS"},
        {"id": 7, "person_id": 1, "received_at": FEB},
    ]
    a = [
        (1, 1, 1, JAN, 2, 12, 72, 42),
        (2, 2, 2, JAN, 4, 24, 90, None),
        (3, 3, 2, JAN, 6, None, 20, None),
        (4, 5, 1, JAN, 8, None, 60, None),
        (5, 6, 1, JAN, 10, 40, 100, 70),
        (6, 7, 1, FEB, 2, 7, 30, None),
    ]
    assignments = [
        {
            "id": i,
            "call_id": call,
            "team_id": team,
            "assigned_at": base + d * MIN,
            "on_scene_at": None if s is None else base + s * MIN,
            "cleared_at": base + c * MIN,
            "officer_returned_at": None if r is None else base + r * MIN,
        }
        for i, call, team, base, d, s, c, r in a
    ]
    encounters = [
        {"id": 1, "call_id": 1, "assignment_id": 1, "person_id": 1, "clinician_assessed": True,
         "minutes_on_scene": 30},
        {"id": 2, "call_id": 2, "assignment_id": 2, "person_id": 1, "disposition": "arrest",
         "arrestable_offence": True, "has_charges": True, "force_used": True,
         "ended_at": JAN + 45 * MIN},
        {"id": 3, "call_id": 3, "assignment_id": 3, "person_id": 2, "disposition": "cancelled"},
        {"id": 5, "call_id": 5, "assignment_id": 4, "person_id": 3, "disposition": "declined"},
        {"id": 61, "call_id": 6, "assignment_id": 5, "person_id": 4,
         "disposition": "transport_ed", "diverted_from_jail": True},
        {"id": 62, "call_id": 6, "assignment_id": 5, "person_id": 5, "minutes_on_scene": 20,
         "diverted_from_jail": True, "diverted_from_hospital": True},
        {"id": 63, "call_id": 6, "assignment_id": 5, "person_id": 6, "status": "draft",
         "clinician_assessed": True, "disposition": "arrest"},
        {"id": 7, "call_id": 7, "assignment_id": 6, "person_id": 1, "started_at": FEB,
         "has_charges": True, "minutes_on_scene": 10},
    ]  # fmt: skip
    referrals = [
        {"id": 1, "encounter_id": 1, "person_id": 1, "status": "attended"},
        {"id": 2, "encounter_id": 1, "person_id": 1, "status": "declined"},
        {"id": 3, "encounter_id": 62, "person_id": 5, "status": "accepted"},
        {"id": 4, "encounter_id": 5, "person_id": 3, "status": "no_show"},
    ]
    later = AS_OF + 10 * DAY
    followups = [
        {"id": 1, "person_id": 1, "status": "done", "completed_at": JAN - 3600},
        {"id": 2, "person_id": 5, "status": "done", "completed_at": JAN + 3600},
        {"id": 3, "person_id": 3, "status": "open"},
        {"id": 4, "person_id": 3, "status": "open", "due_at": later},  # not yet due
        {"id": 5, "person_id": 4, "status": "done", "due_at": later, "completed_at": AS_OF},
    ]
    bookings = [
        {"id": 1, "person_id": 1, "booked_at": T0, "released_at": T0 + 10 * DAY,
         "connected_to_treatment": True},
        {"id": 2, "person_id": 1, "booked_at": T0 + 100 * DAY, "released_at": T0 + 105 * DAY},
        {"id": 3, "person_id": 2, "booked_at": T0, "released_at": T0 + 20 * DAY, "smi": False},
        {"id": 4, "person_id": 3, "booked_at": T0 + 200 * DAY},  # still held
    ]  # fmt: skip
    return snapshot(
        calls=calls,
        assignments=assignments,
        encounters=encounters,
        referrals=referrals,
        followups=followups,
        bookings=bookings,
    )


# metric id -> (numerator, denominator, value), counted by hand from the docstring.
EXPECTED = {
    "bh_calls": (6, None, 6),
    "calls_identified_for_team": (7, None, 7),
    "calls_responded": (4, None, 4),
    "bh_calls_clinician_assessed": (1, 5, 0.2),  # call 3 cancelled; e6c a draft
    "unique_people_served": (4, None, 4),  # people 1, 3, 4, 5
    "calls_per_person": (6, 4, 1.5),
    "people_with_repeat_calls": (1, 4, 1),
    "request_to_dispatch_p50": (None, 6, 5.0),  # 2 2 4 6 8 10
    "request_to_dispatch_p90": (None, 6, 9.0),
    "dispatch_to_arrival_p50": (None, 4, 15.0),  # 5 10 20 30: calls 3 and 5 left out
    "dispatch_to_arrival_p90": (None, 4, 27.0),
    "request_to_arrival_p50": (None, 4, 18.0),  # 7 12 24 40
    "request_to_arrival_p90": (None, 4, 35.2),
    "time_on_scene_p50": (None, 4, 25.0),  # 10 20 30 45; e6a has none
    "officer_hours_returned": (1.0, 2, 1.0),
    "resolved_on_scene": (3, 6, 0.5),
    "diverted_from_jail": (2, 3, 2 / 3),  # e2 arrest; e6a, e6b on an offence call
    "diverted_from_hospital": (1, 6, 1 / 6),
    "arrests_per_encounter": (1, 6, 1 / 6),
    "charges_per_encounter": (2, 6, 1 / 3),  # e2 arrest, e7 charges recorded
    "arrests_per_referral": (1, 4, 0.25),
    "charges_per_referral": (2, 4, 0.5),
    "use_of_force": (1, 6, 1 / 6),
    "injuries": (0, 6, 0.0),
    "referrals_made": (4, None, 4),
    "people_referred": (3, None, 3),
    "people_connected": (1, None, 1),  # person 1 (r1)
    "people_declined_referral": (2, None, 2),  # person 1 (r2), person 3 (e5)
    "referrals_accepted": (3, 4, 0.75),  # attended, accepted, no-show
    "referrals_attended": (1, 4, 0.25),
    "followups_on_time": (2, 4, 0.5),  # f4 not due yet; f5 done early
    "su_smi_bookings": (2, None, 2),
    "su_smi_length_of_stay": (15, 2, 7.5),
    "su_smi_connected": (1, 3, 1 / 3),
    "su_smi_recidivism": (1, 2, 0.5),
}
BROKEN_DOWN = {
    "calls_by_program_model": {"ride_along": 4, "clinician_only": 2},
    "encounters_by_disposition": {
        "resolved_on_scene": 3,
        "arrest": 1,
        "cancelled": 1,
        "declined": 1,
        "transport_ed": 1,
    },
}


@pytest.fixture(scope="module")
def con():
    return engine.duckdb_connect(world(), as_of=AS_OF)


def test_every_metric_has_a_hand_counted_expectation():
    assert set(EXPECTED) | set(BROKEN_DOWN) == {m.id for m in METRICS}


@pytest.mark.parametrize("metric_id", sorted(EXPECTED))
def test_metric_matches_the_hand_count(con, metric_id):
    (row,) = engine.run_one(con, BY_ID[metric_id]).to_pylist()
    numerator, denominator, value = EXPECTED[metric_id]
    assert row["numerator"] == pytest.approx(numerator)
    assert row["denominator"] == pytest.approx(denominator)
    assert row["value"] == pytest.approx(value)


@pytest.mark.parametrize("metric_id", sorted(BROKEN_DOWN))
def test_broken_down_metric_matches_the_hand_count(con, metric_id):
    rows = engine.run_one(con, BY_ID[metric_id]).to_pylist()
    key = BY_ID[metric_id].always_by[0]
    assert {r[key]: r["value"] for r in rows} == BROKEN_DOWN[metric_id]


def test_grouping_by_month_splits_the_counts(con):
    rows = engine.run_one(con, BY_ID["bh_calls"], group_by=["month"]).to_pylist()
    assert {r["month"]: r["value"] for r in rows} == {date(2025, 1, 1): 5, date(2025, 2, 1): 1}


def test_response_time_by_program_model_uses_the_first_team_assigned(con):
    rows = engine.run_one(
        con, BY_ID["request_to_dispatch_p50"], group_by=["program_model"]
    ).to_pylist()
    # ride-along: calls 1, 5, 6, 7 (2 8 10 2); clinician-only: calls 2, 3 (4 6)
    assert {r["program_model"]: r["value"] for r in rows} == {
        "ride_along": 5.0,
        "clinician_only": 5.0,
    }


def test_filters_narrow_months_and_program_models(con):
    feb = Filters(start=date(2025, 2, 1), end=date(2025, 2, 1))
    (row,) = engine.run_one(con, BY_ID["bh_calls"], filters=feb).to_pylist()
    assert row["value"] == 1
    clinician_only = Filters(program_models=("clinician_only",))
    (row,) = engine.run_one(con, BY_ID["bh_calls"], filters=clinician_only).to_pylist()
    assert row["value"] == 2  # calls 2 and 3


def test_a_cancelled_call_counts_as_a_call_but_not_as_a_response(con):
    only_cancelled = engine.duckdb_connect(
        snapshot(
            calls=[{"id": 1, "person_id": 1}],
            assignments=[{"id": 1, "call_id": 1, "team_id": 1, "assigned_at": JAN + MIN}],
            encounters=[{"id": 1, "call_id": 1, "assignment_id": 1, "disposition": "cancelled"}],
        ),
        as_of=AS_OF,
    )
    values = engine.run(
        only_cancelled, ["bh_calls", "calls_responded", "bh_calls_clinician_assessed"]
    )
    assert values["bh_calls"].to_pylist()[0]["value"] == 1
    assert values["calls_responded"].to_pylist()[0]["value"] == 0
    (share,) = values["bh_calls_clinician_assessed"].to_pylist()
    assert (share["denominator"], share["value"]) == (0, None)  # left out: no share at all


def test_a_call_with_a_cancelled_and_a_met_encounter_is_not_cancelled():
    con = engine.duckdb_connect(
        snapshot(
            calls=[{"id": 1}],
            encounters=[
                {"id": 1, "call_id": 1, "disposition": "cancelled"},
                {"id": 2, "call_id": 1, "clinician_assessed": True},
            ],
        ),
        as_of=AS_OF,
    )
    (row,) = engine.run_one(con, BY_ID["bh_calls_clinician_assessed"]).to_pylist()
    assert (row["numerator"], row["denominator"]) == (1, 1)


def test_a_negative_interval_is_left_out_of_response_times():
    con = engine.duckdb_connect(
        snapshot(
            calls=[{"id": 1}, {"id": 2}],
            assignments=[
                {"id": 1, "call_id": 1, "team_id": 1, "assigned_at": JAN - MIN},  # clock skew
                {"id": 2, "call_id": 2, "team_id": 1, "assigned_at": JAN + 3 * MIN},
            ],
        ),
        as_of=AS_OF,
    )
    (row,) = engine.run_one(con, BY_ID["request_to_dispatch_p50"]).to_pylist()
    assert (row["denominator"], row["value"]) == (1, 3.0)


def test_people_counts_for_suppression_count_distinct_people(con):
    (row,) = engine.run_one(con, BY_ID["resolved_on_scene"], people=True).to_pylist()
    # met encounters: people 1 (e1, e2, e7), 3, 4, 5; resolved: people 1 and 5
    assert (row["people"], row["people_counted"]) == (4, 2)
    (row,) = engine.run_one(con, BY_ID["bh_calls"], people=True).to_pylist()
    # BH calls: person 1 (three calls), person 2, person 4, and call 4 with nobody linked
    assert row["people"] == 4


def test_people_counts_are_left_out_unless_asked(con):
    (row,) = engine.run_one(con, BY_ID["resolved_on_scene"]).to_pylist()
    assert row["people"] is None


def test_two_teams_of_one_model_on_a_call_count_the_call_once():
    con = engine.duckdb_connect(
        snapshot(
            calls=[{"id": 1}],
            assignments=[
                {"id": 1, "call_id": 1, "team_id": 1, "assigned_at": JAN},
                {"id": 2, "call_id": 1, "team_id": 1, "assigned_at": JAN + MIN},
                {"id": 3, "call_id": 1, "team_id": 2, "assigned_at": JAN + MIN},
            ],
        ),
        as_of=AS_OF,
    )
    rows = engine.run_one(con, BY_ID["calls_by_program_model"]).to_pylist()
    assert {r["program_model"]: r["value"] for r in rows} == {"ride_along": 1, "clinician_only": 1}
