"""Program metrics over 10 M synthetic calls: the Ibis definitions against hand-written SQL.

Target (docs/architecture.md, brief performance.md): each metric <= 1 s over 10 M call
rows on this 2-core machine, and within 1.3x of the same query written by hand in DuckDB
SQL, measured in the same run on the same connection.

The synthetic snapshot (calls, assignments, teams, encounters, referrals, follow-ups,
jail bookings) is drawn with numpy straight into Arrow, not through Django. The fact
tables are built once (timed and reported as `facts_build_s`); then for each metric,
grouped by month as a dashboard asks, the Ibis expression (compiled and run, to Arrow)
and the hand-written SQL alternate `--repeat` times and the medians are compared. The
two answers are also checked equal, so a fast wrong query cannot pass.

    .venv/bin/python bench/metrics.py            # 10 M calls (a few minutes)
    .venv/bin/python bench/metrics.py --rows 1e6 # quicker
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from tandem.metrics import catalogue, engine  # noqa: E402

TARGET_S, TARGET_RATIO = 1.0, 1.3
START = 1_640_995_200  # 2022-01-01 UTC
SPAN = 3 * 365 * 86400
AS_OF = START + SPAN + 30 * 86400

DISPOSITIONS = np.array(
    ["resolved_on_scene", "referral_only", "transport_crisis_center", "transport_detox",
     "transport_clinic", "transport_ed", "involuntary_hold", "arrest", "citation", "declined",
     "unable_to_locate", "cancelled"]
)  # fmt: skip
DISPOSITION_P = [0.40, 0.14, 0.10, 0.04, 0.03, 0.06, 0.04, 0.02, 0.03, 0.08, 0.04, 0.02]
APCO = ["EDP", "SUICTHRT", "WELFARE", "OD", "INTOX", "DISORD", "TRESPASS", "ASSAULT"]
MODELS = ["ride_along", "on_call", "clinician_only", "navigator", "floater", "telehealth"]
MODES = ["", "co_responder", "clinician_only", "clinician_callout", "police_ems"]
REFERRAL_STATUSES = ["attended", "accepted", "no_show", "declined", "unable_to_reach", "sent"]


def _strings(rng, values: list[str], n: int, p=None) -> pa.Array:
    idx = rng.choice(len(values), size=n, p=p).astype(np.int32)
    return pa.DictionaryArray.from_arrays(idx, pa.array(values)).cast(pa.string())


def _month(seconds: np.ndarray) -> pa.Array:
    months = seconds.astype("datetime64[s]").astype("datetime64[M]").astype("datetime64[D]")
    return pa.array(months, pa.date32())


def _nullable(values: np.ndarray, null: np.ndarray) -> pa.Array:
    return pa.array(values, mask=null)


def synthetic(n_calls: int, seed: int = 6) -> dict[str, pa.Table]:
    """A snapshot shaped like `tandem.metrics.snapshot`, with demo-like rates."""
    rng = np.random.default_rng(seed)
    n = n_calls
    received = np.sort(START + rng.integers(0, SPAN, n))
    people = max(n // 4, 1)
    has_subject = rng.random(n) < 0.6
    subject = (rng.zipf(1.6, n) % people) + 1  # a few people call often
    calls = pa.table(
        {
            "id": np.arange(1, n + 1),
            "agency_id": rng.integers(1, 6, n),
            "jurisdiction_id": rng.integers(10, 18, n),
            "received_at": received,
            "apco_code": _strings(rng, APCO, n),
            "behavioral_health": rng.random(n) < 0.4,
            "person_id": _nullable(subject, ~has_subject),
            "recommended_mode": _strings(rng, MODES, n, [0.5, 0.2, 0.1, 0.1, 0.1]),
            "month": _month(received),
        }
    )
    teams = pa.table(
        {
            "id": np.arange(1, 31),
            "agency_id": rng.integers(1, 8, 30),
            "clinical_agency_id": rng.integers(6, 8, 30),
            "program_model": [MODELS[i % len(MODELS)] for i in range(30)],
        }
    )
    # One assignment and one encounter per answered call (about a third).
    answered = np.flatnonzero(rng.random(n) < 0.35)
    m = len(answered)
    call_id = answered + 1
    assigned = received[answered] + rng.lognormal(5.2, 0.6, m).astype(np.int64)
    on_scene = assigned + rng.lognormal(6.6, 0.5, m).astype(np.int64)
    cleared = on_scene + rng.lognormal(8.2, 0.5, m).astype(np.int64)
    disposition = rng.choice(len(DISPOSITIONS), size=m, p=DISPOSITION_P)
    not_met = np.isin(DISPOSITIONS[disposition], ["unable_to_locate", "cancelled"])
    returned = cleared - (rng.random(m) * (cleared - on_scene)).astype(np.int64)
    assignments = pa.table(
        {
            "id": np.arange(1, m + 1),
            "call_id": call_id,
            "team_id": rng.integers(1, 31, m),
            "assigned_at": assigned,
            "on_scene_at": _nullable(on_scene, not_met & (rng.random(m) < 0.5)),
            "cleared_at": cleared,
            "officer_returned_at": _nullable(returned, rng.random(m) > 0.35),
        }
    )
    arrest_option = rng.random(m) < 0.3
    disp = DISPOSITIONS[disposition]
    encounters = pa.table(
        {
            "id": np.arange(1, m + 1),
            "call_id": call_id,
            "assignment_id": np.arange(1, m + 1),
            "person_id": _nullable(subject[answered], ~has_subject[answered]),
            "agency_id": rng.integers(6, 8, m),
            "status": _strings(rng, ["submitted", "draft"], m, [0.98, 0.02]),
            "started_at": on_scene,
            "ended_at": cleared,
            "minutes_on_scene": _nullable((cleared - on_scene) // 60, rng.random(m) < 0.5),
            "disposition": pa.DictionaryArray.from_arrays(
                disposition.astype(np.int32), pa.array(DISPOSITIONS)
            ).cast(pa.string()),
            "clinician_assessed": rng.random(m) < 0.5,
            "force_used": rng.random(m) < 0.02,
            "injuries": rng.random(m) < 0.01,
            "arrestable_offence": arrest_option,
            "diverted_from_jail": arrest_option & ~not_met & ~np.isin(disp, ["arrest", "citation"]),
            "diverted_from_hospital": (rng.random(m) < 0.3)
            & np.isin(disp, ["resolved_on_scene", "referral_only", "transport_crisis_center"]),
            "has_charges": np.isin(disp, ["arrest", "citation"]) & (rng.random(m) < 0.8),
            "month": _month(on_scene),
        }
    )
    referred = np.flatnonzero((rng.random(m) < 0.4) & has_subject[answered])
    k = len(referred)
    sent = cleared[referred] + rng.integers(60, 1800, k)
    due = sent + 72 * 3600
    done = rng.random(k) < 0.72
    completed = due + rng.integers(-60 * 3600, 24 * 3600, k)
    person = subject[answered][referred]
    referrals = pa.table(
        {
            "id": np.arange(1, k + 1),
            "encounter_id": referred + 1,
            "person_id": person,
            "agency_id": rng.integers(6, 8, k),
            "status": _strings(rng, REFERRAL_STATUSES, k, [0.40, 0.15, 0.13, 0.10, 0.12, 0.10]),
            "sent_at": sent,
            "month": _month(sent),
        }
    )
    followups = pa.table(
        {
            "id": np.arange(1, k + 1),
            "encounter_id": referred + 1,
            "person_id": person,
            "agency_id": rng.integers(6, 8, k),
            "status": pa.array(np.where(done, "done", "open")),
            "due_at": due,
            "completed_at": _nullable(completed, ~done),
            "month": _month(due),
        }
    )
    b = max(n // 20, 1)
    booked = START + rng.integers(0, SPAN, b)
    released = booked + rng.lognormal(11.5, 1.0, b).astype(np.int64)
    bookings = pa.table(
        {
            "id": np.arange(1, b + 1),
            "person_id": rng.integers(1, people + 1, b),
            "agency_id": np.full(b, 9),
            "jurisdiction_id": rng.integers(10, 18, b),
            "booked_at": booked,
            "released_at": _nullable(released, released > AS_OF),
            "smi": rng.random(b) < 0.2,
            "connected_to_treatment": rng.random(b) < 0.4,
            "month": _month(booked),
        }
    )
    return {
        "calls": calls,
        "assignments": assignments,
        "teams": teams,
        "encounters": encounters,
        "referrals": referrals,
        "followups": followups,
        "bookings": bookings,
    }


# --- The same queries, written by hand in DuckDB SQL -------------------------------------
# Each entry: (fact table, WHERE of the counted rows, the numerator flag for the people
# count or None, the SELECT list after `month`). `hand_sql` wraps them; with people it
# adds the distinct-people pass the engine makes for small-cell suppression.


def _share(flag: str) -> str:
    return f"""count(*) FILTER (WHERE {flag}) AS numerator, count(*) AS denominator,
        count(*) FILTER (WHERE {flag}) / count(*) AS value"""


def _quantile(column: str, q: float) -> str:
    return f"quantile_cont({column}, {q}) AS value, count(*) AS denominator"


def _ratio(flag: str) -> str:
    return f"""sum(CASE WHEN {flag} THEN 1 ELSE 0 END) AS numerator,
        sum(referrals) AS denominator,
        CASE WHEN sum(referrals) > 0
            THEN sum(CASE WHEN {flag} THEN 1 ELSE 0 END) / sum(referrals) END AS value"""


COUNT = "count(*) AS numerator"
PEOPLE = "count(DISTINCT person_key) AS numerator"
MET = "met"
HAND: dict[str, tuple[str, str, str | None, str]] = {
    "bh_calls": ("call_facts", "behavioral_health", None, COUNT),
    "calls_identified_for_team": ("call_facts", "identified_for_team", None, COUNT),
    "calls_responded": ("call_facts", "responded", None, COUNT),
    "bh_calls_clinician_assessed": (
        "call_facts",
        "behavioral_health AND NOT cancelled",
        "assessed",
        _share("assessed"),
    ),
    "calls_by_program_model": (
        "assignment_facts",
        "first_of_model",
        None,
        "count(*) AS numerator",
    ),
    "unique_people_served": ("encounter_facts", "met AND person_id IS NOT NULL", None, PEOPLE),
    "calls_per_person": ("call_facts", "person_id IS NOT NULL", None, ""),
    "people_with_repeat_calls": ("call_facts", "person_id IS NOT NULL", None, ""),
    "request_to_dispatch_p50": (
        "call_facts",
        "request_to_dispatch IS NOT NULL",
        None,
        _quantile("request_to_dispatch / 60.0", 0.5),
    ),
    "request_to_dispatch_p90": (
        "call_facts",
        "request_to_dispatch IS NOT NULL",
        None,
        _quantile("request_to_dispatch / 60.0", 0.9),
    ),
    "dispatch_to_arrival_p50": (
        "call_facts",
        "dispatch_to_arrival IS NOT NULL",
        None,
        _quantile("dispatch_to_arrival / 60.0", 0.5),
    ),
    "dispatch_to_arrival_p90": (
        "call_facts",
        "dispatch_to_arrival IS NOT NULL",
        None,
        _quantile("dispatch_to_arrival / 60.0", 0.9),
    ),
    "request_to_arrival_p50": (
        "call_facts",
        "request_to_arrival IS NOT NULL",
        None,
        _quantile("request_to_arrival / 60.0", 0.5),
    ),
    "request_to_arrival_p90": (
        "call_facts",
        "request_to_arrival IS NOT NULL",
        None,
        _quantile("request_to_arrival / 60.0", 0.9),
    ),
    "time_on_scene_p50": (
        "encounter_facts",
        "minutes_on_scene IS NOT NULL",
        None,
        _quantile("minutes_on_scene", 0.5),
    ),
    "officer_hours_returned": (
        "assignment_facts",
        "officer_returned_hours IS NOT NULL",
        None,
        "sum(officer_returned_hours) AS numerator, count(*) AS denominator",
    ),
    "encounters_by_disposition": ("encounter_facts", "TRUE", None, COUNT),
    "resolved_on_scene": (
        "encounter_facts",
        MET,
        "disposition = 'resolved_on_scene'",
        _share("disposition = 'resolved_on_scene'"),
    ),
    "diverted_from_jail": (
        "encounter_facts",
        "met AND arrest_option",
        "diverted_from_jail",
        _share("diverted_from_jail"),
    ),
    "diverted_from_hospital": (
        "encounter_facts",
        MET,
        "diverted_from_hospital",
        _share("diverted_from_hospital"),
    ),
    "arrests_per_encounter": ("encounter_facts", MET, "arrested", _share("arrested")),
    "charges_per_encounter": ("encounter_facts", MET, "charged", _share("charged")),
    "arrests_per_referral": ("encounter_facts", MET, None, _ratio("arrested")),
    "charges_per_referral": ("encounter_facts", MET, None, _ratio("charged")),
    "use_of_force": ("encounter_facts", MET, "force_used", _share("force_used")),
    "injuries": ("encounter_facts", MET, "injuries", _share("injuries")),
    "referrals_made": ("referral_facts", "TRUE", None, COUNT),
    "people_referred": ("referral_facts", "TRUE", None, PEOPLE),
    "people_declined_referral": (
        "encounter_facts",
        "declined_referral AND person_id IS NOT NULL",
        None,
        PEOPLE,
    ),
    "referrals_accepted": ("referral_facts", "TRUE", "accepted", _share("accepted")),
    "referrals_attended": ("referral_facts", "TRUE", "attended", _share("attended")),
    "followups_on_time": ("followup_facts", "counted", "on_time", _share("on_time")),
    "su_smi_bookings": ("booking_facts", "smi", None, PEOPLE),
    "su_smi_length_of_stay": (
        "booking_facts",
        "smi AND length_of_stay_days IS NOT NULL",
        None,
        "sum(length_of_stay_days) AS numerator, count(*) AS denominator, "
        "avg(length_of_stay_days) AS value",
    ),
    "su_smi_connected": (
        "booking_facts",
        "smi",
        "connected_to_treatment",
        _share("connected_to_treatment"),
    ),
    "su_smi_recidivism": (
        "booking_facts",
        "smi AND watched_a_year",
        "rebooked_within_year",
        _share("rebooked_within_year"),
    ),
}
assert set(HAND) == set(catalogue.BY_ID), set(catalogue.BY_ID) ^ set(HAND)


def hand_sql(metric_id: str, *, people: bool) -> str:
    fact, where, flag, select = HAND[metric_id]
    keys = ", ".join(["month", *catalogue.BY_ID[metric_id].always_by])
    if metric_id in ("calls_per_person", "people_with_repeat_calls"):
        per = (
            f"SELECT {keys}, person_key, count(*) AS n FROM {fact} WHERE {where} "
            f"GROUP BY {keys}, person_key"
        )
        if metric_id == "calls_per_person":
            select = "sum(n) AS numerator, count(*) AS denominator, sum(n) / count(*) AS value"
        else:
            select = "count(*) FILTER (WHERE n >= 2) AS numerator, count(*) AS denominator"
        return f"SELECT {keys}, {select} FROM ({per}) GROUP BY {keys}"
    values = f"SELECT {keys}, {select} FROM {fact} WHERE {where} GROUP BY {keys}"
    if not people or select == PEOPLE:
        return values
    on = " AND ".join(f"v.{k} IS NOT DISTINCT FROM p.{k}" for k in keys.split(", "))
    return f"""WITH v AS ({values}),
        pp AS (SELECT {keys}, person_key, bool_or({flag or "TRUE"}) AS f FROM {fact}
               WHERE {where} GROUP BY {keys}, person_key),
        p AS (SELECT {keys}, count(*) AS people, count(*) FILTER (WHERE f) AS people_counted
              FROM pp GROUP BY {keys})
        SELECT v.*, p.people, p.people_counted FROM v LEFT JOIN p ON {on}"""


def _same(ibis_rows: pa.Table, sql_rows: pa.Table, keys: list[str]) -> bool:
    """Both answers agree on every column the hand query returns."""
    a = ibis_rows.sort_by([(k, "ascending") for k in keys]).to_pylist()
    b = sql_rows.sort_by([(k, "ascending") for k in keys]).to_pylist()
    if len(a) != len(b):
        return False
    for x, y in zip(a, b, strict=True):
        for col, want in y.items():
            got = x[col]
            if want is None or got is None or col in keys:
                if want != got:
                    return False
            elif not math.isclose(float(got), float(want), rel_tol=1e-9, abs_tol=1e-9):
                return False
    return True


def _time(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=float, default=10_000_000, help="synthetic calls")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each query")
    parser.add_argument("--only", nargs="*", help="metric ids (default: all)")
    args = parser.parse_args()
    n = int(args.rows)

    started = time.perf_counter()
    tables = synthetic(n)
    generate_s = time.perf_counter() - started
    started = time.perf_counter()
    con = engine.duckdb_connect(tables, as_of=AS_OF)
    facts_s = time.perf_counter() - started
    raw = con.con

    results = {}
    for metric in catalogue.METRICS:
        if args.only and metric.id not in args.only:
            continue
        keys = ["month", *metric.always_by]
        rows = con.table(metric.fact).count().to_pyarrow().as_py()
        for people in (False, True):

            def run_ibis(metric=metric, people=people):
                return engine.run_one(con, metric, group_by=["month"], people=people)

            def run_sql(metric=metric, people=people):
                return raw.sql(hand_sql(metric.id, people=people)).to_arrow_table()

            same = _same(run_ibis(), run_sql(), keys)  # also compiles and warms both
            ibis_times, sql_times = [], []
            for _ in range(args.repeat):
                ibis_times.append(_time(run_ibis))
                sql_times.append(_time(run_sql))
            ibis_s, sql_s = statistics.median(ibis_times), statistics.median(sql_times)
            ratio = ibis_s / sql_s if sql_s else float("inf")
            name = f"{metric.id}+people" if people else metric.id
            results[name] = {
                "fact": metric.fact,
                "rows": rows,
                "people_counts": people,
                "ibis_s": round(ibis_s, 4),
                "sql_s": round(sql_s, 4),
                "ratio": round(ratio, 3),
                "same_answer": same,
                "met": bool(same and ibis_s <= TARGET_S and ratio <= TARGET_RATIO),
            }
            print(name, results[name], file=sys.stderr, flush=True)

    report = {
        "benchmark": "metrics",
        "inputs": {
            "calls": n,
            "rows": {name: t.num_rows for name, t in tables.items()},
            "group_by": "month",
            "repeat": args.repeat,
            "statistic": "median",
        },
        "targets": {"seconds_per_metric": TARGET_S, "ratio_to_hand_sql": TARGET_RATIO},
        "generate_s": round(generate_s, 2),
        "facts_build_s": round(facts_s, 2),
        "metrics": results,
        "all_met": all(r["met"] for r in results.values()),
        "slowest": max(results, key=lambda k: results[k]["ibis_s"]) if results else None,
        "max_ratio": max((r["ratio"] for r in results.values()), default=None),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
