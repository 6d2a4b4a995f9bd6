"""A city's open-data calls-for-service file, with the mess such files have.

samples/opendata_calls.csv is written like the public files of several cities: a
byte-order mark and Windows line ends; one row per responding unit, so an incident
appears as often as units went (rows 3 and 14); the received time in one column on a
12-hour clock with seconds, midnight standing in for an unknown time ("12:00:00 AM",
rows 6 and 16) and noon that must not be taken for it (row 23); a year typed 2204
(row 19), "N/A" (row 11) and nothing (row 15) for a time; call-type descriptions with
trailing spaces and in several cases; letter priorities; disposition codes the
program has no equivalent for; a quoted address holding a comma (row 25).
"""

import csv
import datetime as dt
from collections import Counter

import pytest

from tandem.imports.services import import_file

from .conftest import SAMPLES, history_of

pytestmark = pytest.mark.django_db
FILE = SAMPLES / "opendata_calls.csv"
PROFILE = str(SAMPLES / "lakeview-opendata.yaml")
FORMAT = "%m/%d/%Y %I:%M:%S %p"
# The profile maps these descriptions to EDP, SUIC-T, OD and CHKWEL: the demo triage
# protocol's mental-health, suicide, overdose and welfare types. The file has no
# narrative, so the call type alone decides.
BH_DESCRIPTIONS = {"MENTAL PATIENT", "SUICIDE THREAT", "DRUG OVERDOSE", "WELFARE CHECK"}


def bh_calls_by_month(path) -> Counter:
    """Independently of the import: BH calls per month, with plain Python.

    A row counts if its incident number is not empty and first appears on it, its
    received time reads in the file's format and is neither in the future nor before
    1990, and its description is a BH type once case and spaces are set aside.
    """
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    first: dict[str, int] = {}
    for i, row in enumerate(rows):
        first.setdefault(row["Incident Number"].strip(), i)
    counts: Counter = Counter()
    for i, row in enumerate(rows):
        key = row["Incident Number"].strip()
        try:
            received = dt.datetime.strptime(row["Received Date/Time"].strip(), FORMAT)
        except ValueError:
            continue
        if (
            not key
            or first[key] != i
            or not dt.datetime(1990, 1, 1) <= received < dt.datetime.now()
        ):
            continue
        if " ".join(row["Call Type Description"].split()).upper() in BH_DESCRIPTIONS:
            counts[received.strftime("%Y-%m")] += 1
    return counts


@pytest.fixture
def run(region):
    run = import_file(actor=region.regional_admin, path=FILE, profile_name=PROFILE)
    assert run.status == "done", run.error
    return run


def rows_of(run, code, field) -> list[int]:
    [found] = [c for c in run.report["checks"] if (c["code"], c["field"]) == (code, field)]
    assert found["rows"] == len(found["examples"])  # few enough to all be examples
    return [e["row"] for e in found["examples"]]


def test_bh_calls_match_a_count_made_with_plain_python(run):
    expected = bh_calls_by_month(FILE)
    assert sum(expected.values()) == run.bh_calls == 12  # and by hand: rows listed above
    assert {m["month"]: m["bh"] for m in run.report["months"] if m["bh"]} == expected
    calls = history_of("lakeview-open-data")
    assert sum(c["behavioral_health"] for c in calls.values()) == 12


def test_the_report_names_each_kind_of_mess(run):
    assert (run.rows_read, run.rows_imported, run.rows_rejected) == (24, 19, 5)
    assert rows_of(run, "duplicate_key", "key") == [3, 14]  # one row per responding unit
    assert rows_of(run, "midnight", "received_at") == [6, 16]  # 12:00:00 AM, not noon (23)
    assert rows_of(run, "midnight", "cleared_at") == [6]
    assert rows_of(run, "unparseable", "received_at") == [11]
    assert rows_of(run, "missing", "received_at") == [15]
    assert rows_of(run, "future", "received_at") == [19]
    assert rows_of(run, "order", "arrived_at") == [7]
    assert rows_of(run, "unparseable", "priority") == [16]
    unmapped = {(u["field"], u["value"]): u["rows"] for u in run.report["unmapped"]}
    assert unmapped == {
        ("call_type", "UNKNOWN PROBLEM"): 1,
        ("source", "ALARM CO"): 1,
        ("disposition", "RTF"): 4,
        ("disposition", "UNF"): 2,
        ("disposition", "DUP"): 1,
    }
    spellings = {
        frozenset(s["value"] for s in v["spellings"])
        for v in run.report["variants"]
        if v["field"] == "call_type"
    }
    assert spellings == {
        frozenset({"MENTAL PATIENT", "Mental Patient", "mental  patient"}),
        frozenset({"SUICIDE THREAT", "Suicide Threat"}),
        frozenset({"WELFARE CHECK", "welfare check"}),
    }


def test_a_twelve_hour_clock_reads_right_at_noon_and_after(run):
    calls = history_of("lakeview-open-data")

    def received(number: str) -> str:
        when = dt.datetime.fromtimestamp(calls[number]["received_at"], dt.UTC)
        return when.isoformat()

    assert received("OD-I24-000101") == "2024-01-03T03:15:32+00:00"  # 9:15:32 PM CST
    assert received("OD-I24-000120") == "2024-02-03T18:00:00+00:00"  # 12:00:00 PM CST
    assert calls["OD-I24-000113"]["priority"] == 3  # "P" is no priority: default
