"""A 20,000-row messy export imports exactly as recorded, and again without duplicating.

Re-recorded when imported rows moved from the operational tables to the history files
(`imports.history`): every value kept has the same checksum as before except the times,
now epoch seconds; the narrative, address and the per-call triage JSON are no longer
kept.

The expected digest (`samples/messy-20k.digest.json`) was recorded from the import as it
was before the checks and the write path were rebuilt for speed, and re-recorded once
for one intended change: a record with several fields too many is one unreadable row,
where it used to count once per extra field. Any change in what is accepted, rejected
(and why), reported or written shows up here column by column. Re-record it only for
an intended change of behaviour, and say so in the commit:

    TANDEM_RECORD_DIGEST=1 .venv/bin/pytest tests/imports/test_large_export.py
"""

import json
import os

import pytest

from tandem.imports.services import import_file
from tandem.privacy.models import AuditEvent

from .conftest import SAMPLES
from .messy import PROFILE, import_digest, write_messy_export

pytestmark = pytest.mark.django_db
ROWS = 20_000
DIGEST = SAMPLES / "messy-20k.digest.json"


@pytest.fixture
def messy(tmp_path):
    path = tmp_path / "messy.csv"
    write_messy_export(path, ROWS)
    profile = tmp_path / "messy-cad.yaml"
    profile.write_text(PROFILE)
    return path, str(profile)


def _differences(got: dict, expected: dict) -> list[str]:
    out = [f"run: {got['run']} != {expected['run']}"] if got["run"] != expected["run"] else []
    for table in ("calls", "assignments", "encounters", "rejected"):
        for column in sorted(set(got[table]) | set(expected[table])):
            if got[table].get(column) != expected[table].get(column):
                out.append(f"{table}.{column} differs")
    for section in sorted(set(got["report"]) | set(expected["report"])):
        if got["report"].get(section) != expected["report"].get(section):
            out.append(f"report[{section!r}] differs")
    return out


def test_a_large_messy_export_imports_exactly_as_recorded(dispatch_region, messy):
    path, profile = messy
    steps: list[tuple[str, int, int]] = []
    run = import_file(
        actor=dispatch_region.regional_admin, path=path, profile_name=profile,
        progress=lambda phase, done, total, step: steps.append((phase, done, total)),
    )  # fmt: skip
    assert run.status == "done", run.error
    digest = import_digest(run)
    if os.environ.get("TANDEM_RECORD_DIGEST"):
        DIGEST.write_text(json.dumps(digest, indent=1, sort_keys=True) + "\n")
    expected = json.loads(DIGEST.read_text())
    assert _differences(digest, expected) == []
    assert run.rows_read == run.rows_imported + run.rows_rejected
    [event] = AuditEvent.objects.filter(action="import")
    assert f"{run.rows_created} calls created" in event.reason
    # The page shows each phase; the history rows are one Parquet file, written in one
    # step (a second or so for a million rows), so writing reports its start and its end.
    phases = [phase for phase, _done, _total in steps]
    assert phases.index("reading") < phases.index("checking") < phases.index("writing")
    writing = [(done, total) for phase, done, total in steps if phase == "writing" and total]
    assert writing[0][0] == 0 and writing[-1] == (run.rows_imported, run.rows_imported)


def test_importing_the_large_export_again_updates_every_call_in_place(dispatch_region, messy):
    path, profile = messy
    actor = dispatch_region.regional_admin
    first = import_file(actor=actor, path=path, profile_name=profile)
    before = import_digest(first)
    second = import_file(actor=actor, path=path, profile_name=profile)
    after = import_digest(second)
    assert (second.rows_created, second.rows_updated) == (0, first.rows_created)
    for table in ("calls", "assignments", "encounters", "rejected"):
        assert after[table] == before[table], table
