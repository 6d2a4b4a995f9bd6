"""A large messy CAD export with every kind of mess, and a digest of what an import wrote.

`write_messy_export` makes the same file for the same seed: a few per cent of its rows
carry each problem real exports have (placeholder and impossible times, times out of
order, unmapped and variously spelled codes, repeated incident numbers, the same call
exported under two numbers, records the CSV parser cannot split, ...).

`import_digest` reduces what an import wrote (calls, assignments, encounters, rejected
rows, the report) to one checksum per column, with no database ids (they depend on the
database and on what ran before), so two imports can be compared column by column.
"""

import csv
import datetime as dt
import hashlib
import json
import random
from pathlib import Path

from tandem.agencies.models import Jurisdiction
from tandem.imports.models import ImportRun, RejectedRow

HEADER = [
    "Incident", "Received", "Nature", "Final", "Unit", "Dispatched", "En Route", "Arrived",
    "Cleared", "Pri", "Source", "Area", "Outcome", "Assessed", "Address", "Comments",
]  # fmt: skip
NATURES = [
    "EDP", "E.D.P.", "edp ", "Edp", "10-96", "SUICIDE THREAT", "Suicide  Threat", "OD",
    "THEFT", "ACC", "DIST", "CHKWEL", "WELFARE", "DRUNK", "ALRM", "ODD TYPE", "MVA",
]  # fmt: skip
FINALS = ["", "", "", "", "", "SUICIDE", "--CRISIS COMPLAINT - GENERAL", "THEFT", "NOISE"]
UNITS = ["", "", "", "LV-1", "lv-1", "LV 1", "MCT-1", "FL-1", "ZULU-9"]
SOURCES = ["911", "E911", "Phone", "Radio", "walk-in", "", "988"]
AREAS = ["Lakeview", "LAKEVIEW", "hillside", "", "Nowhere"]
OUTCOMES = ["", "", "Resolved", "ER", "Arrest", "Declined", "Gone fishing", "cancelled"]
ASSESSED = ["", "", "Y", "N", "yes", "maybe"]
COMMENTS = [
    "Caller says brother is hearing voices",
    "Bike stolen from porch",
    "Man took an overdose behind the store",
    "Loud music next door",
    "Neighbour worried",
    "",
    "Says she wants to die",
]
FORMATS = ["%m/%d/%Y %H:%M", "%m/%d/%Y %H:%M", "%m/%d/%Y %H:%M", "%Y-%m-%d %H:%M:%S"]
START = dt.datetime(2023, 3, 1)


def _time(at: dt.datetime | None, fmt: str) -> str:
    return "" if at is None else at.strftime(fmt)


def write_messy_export(path: Path, rows: int, seed: int = 7) -> None:
    """Write `rows` records (plus a few the parser cannot split) to `path`."""
    rng = random.Random(seed)
    records: list[list[str]] = []
    for i in range(rows):
        received = START + dt.timedelta(minutes=rng.randrange(0, 60 * 24 * 540))
        fmt = rng.choice(FORMATS)
        steps = [received + dt.timedelta(minutes=m) for m in (3, 6, 15, 70)]
        mess = rng.random()
        rec_text = _time(received, fmt)
        if mess < 0.01:
            rec_text = ""
        elif mess < 0.02:
            rec_text = rng.choice(["unknown", "32/13/2024 10:00", "yesterday"])
        elif mess < 0.025:
            rec_text = _time(received + dt.timedelta(days=365 * 76), fmt)  # in 2099
        elif mess < 0.03:
            rec_text = _time(received - dt.timedelta(days=365 * 34), fmt)  # in 1989
        elif mess < 0.05:
            rec_text = _time(received.replace(hour=0, minute=0), fmt)
        if 0.05 <= mess < 0.07:
            steps[2] = steps[0] - dt.timedelta(minutes=1)  # arrival before dispatch
        elif 0.07 <= mess < 0.08:
            steps[3] = steps[2] - dt.timedelta(minutes=5)  # cleared before arrival
        unit = rng.choice(UNITS)
        with_unit = unit != ""
        cleared = None if (with_unit and rng.random() < 0.05) else steps[3]
        key = f"{23 + i // 15000}-{i:06d}"
        if records and rng.random() < 0.01:
            key = rng.choice(records)[0]  # the same incident exported twice
        elif rng.random() < 0.004:
            key = ""
        elif rng.random() < 0.002:
            key = "X" * 40  # too long for a call number
        pri = rng.choice(["1", "2", "3", "4", " 2", "high", "0", "12", ""])
        record = [
            key,
            rec_text,
            rng.choice(NATURES),
            rng.choice(FINALS),
            unit,
            _time(steps[0], fmt) if with_unit else "",
            _time(steps[1], fmt) if with_unit and rng.random() < 0.5 else "",
            _time(steps[2], fmt) if with_unit else "",
            _time(cleared, fmt) if with_unit else "",
            pri,
            rng.choice(SOURCES),
            rng.choice(AREAS),
            rng.choice(OUTCOMES) if with_unit else "",
            rng.choice(ASSESSED) if with_unit else "",
            f"{rng.randrange(1, 999)} {rng.choice(['Main St', 'Oak Ave', 'Elm St'])}",
            rng.choice(COMMENTS),
        ]
        if records and rng.random() < 0.005:  # the same call again under a new number
            record = [key, *records[-1][1:]]
        records.append(record)
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        for i, record in enumerate(records):
            writer.writerow(record)
            if i % 5000 == 4999:
                out.write("99-BROKEN,01/01/2024 10:00,EDP,too,many,columns" + ",x" * 12 + "\r\n")


PROFILE = """\
source: messy-cad
label: Messy CAD export (generated)
kind: cad
agency: lakeview-pd
timezone: America/Chicago
key: Incident
number_prefix: "M-"
file: {delimiter: ","}
fields:
  received_at: {column: Received, formats: ["%m/%d/%Y %H:%M", "%Y-%m-%d %H:%M:%S"]}
  dispatched_at: {column: Dispatched, formats: ["%m/%d/%Y %H:%M", "%Y-%m-%d %H:%M:%S"]}
  en_route_at: {column: En Route, formats: ["%m/%d/%Y %H:%M", "%Y-%m-%d %H:%M:%S"]}
  arrived_at: {column: Arrived, formats: ["%m/%d/%Y %H:%M", "%Y-%m-%d %H:%M:%S"]}
  cleared_at: {column: Cleared, formats: ["%m/%d/%Y %H:%M", "%Y-%m-%d %H:%M:%S"]}
  call_type:
    column: Nature
    values: {E.D.P.: EDP, SUICIDE THREAT: SUIC-T, MVA: ACC}
  final_call_type:
    column: Final
    values: {--CRISIS COMPLAINT - GENERAL: "10-96"}
  priority: {column: Pri}
  source:
    column: Source
    values: {E911: "911", Phone: "911", Radio: self_initiated}
  team: {column: Unit, values: {LV 1: LV-1}}
  jurisdiction: {column: Area}
  disposition:
    column: Outcome
    values: {Resolved: resolved_on_scene, ER: transport_ed, Arrest: arrest, Declined: declined}
  clinician_assessed: {column: Assessed}
  location_text: {column: Address}
  narrative: {column: Comments}
"""


def _digest(values: list) -> str:
    text = json.dumps(values, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _columns(rows: list[dict]) -> dict[str, str]:
    names = sorted(rows[0]) if rows else []
    return {"rows": str(len(rows)), **{n: _digest([r[n] for r in rows]) for n in names}}


def _when(value: dt.datetime | None) -> str | None:
    return None if value is None else value.astimezone(dt.UTC).isoformat()


def import_digest(run: ImportRun) -> dict:
    """One checksum per column of what the run wrote (the source's history, as calls,
    assignments and encounters, and the rejected rows), and its report."""
    from tandem.agencies.models import Agency, Team

    from .conftest import history_of

    agencies = dict(Agency.objects.values_list("pk", "code"))
    teams = dict(Team.objects.values_list("pk", "code"))
    places = dict(Jurisdiction.objects.values_list("pk", "code"))
    by_number = history_of(run.source)
    rows = [by_number[n] for n in sorted(by_number)]
    call_rows = [
        {
            "agency": agencies[r["agency_id"]],
            "jurisdiction": places.get(r["jurisdiction_id"]),
            **{
                name: r[name]
                for name in (
                    "number", "incident_id", "call_source", "received_at", "call_type",
                    "apco_code", "final_call_type", "priority", "behavioral_health",
                    "bh_reason", "warnings", "row",
                )
            },
        }
        for r in rows
    ]  # fmt: skip
    assignment_rows = [
        {
            "call": r["number"],
            "team": teams[r["team_id"]],
            **{n: r[n] for n in ("assigned_at", "on_scene_at", "cleared_at")},
        }
        for r in rows
        if r["team_id"] is not None
    ]
    encounter_rows = [
        {
            "call": r["number"],
            "agency": agencies[r["clinical_agency_id"]],
            **{
                n: r[n]
                for n in (
                    "started_at", "ended_at", "clinician_assessed", "disposition",
                    "diverted_from_jail", "diverted_from_hospital",
                )
            },
        }
        for r in rows
        if r["has_encounter"]
    ]  # fmt: skip
    rejected = [
        {"row": r.row, "reasons": r.reasons, "values": r.values}
        for r in RejectedRow.objects.filter(run=run).order_by("row")
    ]
    report = json.loads(json.dumps(run.report))
    codes = {str(j.pk): j.code for j in Jurisdiction.objects.all()}
    for group in report["variants"]:  # a jurisdiction's code is its id, which varies
        if group["field"] == "jurisdiction":
            for spelling in group["spellings"]:
                spelling["code"] = codes.get(spelling["code"], spelling["code"])
    return {
        "run": {
            "rows_read": run.rows_read,
            "rows_created": run.rows_created,
            "rows_updated": run.rows_updated,
            "rows_rejected": run.rows_rejected,
            "rows_flagged": run.rows_flagged,
            "bh_calls": run.bh_calls,
        },
        "report": report,
        "calls": _columns(call_rows),
        "assignments": _columns(assignment_rows),
        "encounters": _columns(encounter_rows),
        "rejected": _columns(rejected),
    }
