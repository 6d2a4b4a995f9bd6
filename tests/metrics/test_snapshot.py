"""The snapshot reads the operational database through Django: right rows, no health text."""

from datetime import timedelta

import pytest

from tandem.core.models import service_write
from tandem.dispatch.models import Assignment, Call
from tandem.encounters.models import Encounter
from tandem.metrics import engine
from tandem.metrics.catalogue import BY_ID
from tandem.metrics.snapshot import COLUMNS, Snapshot, local_month, snapshot_take
from tandem.privacy.segments import CLINICAL, PART2, field_segment


def test_the_snapshot_reads_no_clinical_or_part2_column():
    for name, source in COLUMNS.items():
        for column, (spec, _) in source.columns.items():
            if spec.startswith("sql:"):
                continue
            field = source.model._meta.get_field(spec)
            assert field_segment(field) not in (CLINICAL, PART2), f"{name}.{column}"


def test_local_month_is_the_month_in_the_programs_time_zone(settings):
    import pyarrow as pa

    settings.TIME_ZONE = "America/Chicago"
    # 2025-02-01 03:00 UTC is still 31 January in Chicago
    assert local_month(pa.array([1738378800])).to_pylist()[0].isoformat() == "2025-01-01"


@pytest.fixture
def operational(region):
    """The fixture region's call (BH, assessed, resolved) plus a cancelled call, a draft
    encounter, and charges on record."""
    now = region.call.received_at
    region.assignment.on_scene_at = now + timedelta(minutes=9)
    region.assignment.save()
    cancelled = Call.objects.create(
        owning_agency=region.pd, number="C-2", source="911", received_at=now, call_type="EDP",
        behavioral_health=True, jurisdiction=region.city,
    )  # fmt: skip
    region.team.clinical_agency = region.clinic
    region.team.save()
    other = Assignment.objects.create(
        owning_agency=region.pd, call=cancelled, team=region.team, mode="co_responder",
        assigned_at=now + timedelta(minutes=3), cleared_at=now + timedelta(minutes=10),
    )  # fmt: skip
    with service_write():
        Encounter.objects.create(
            owning_agency=region.clinic, call=cancelled, assignment=other, started_at=now,
            disposition="cancelled",
        )  # fmt: skip
        Encounter.objects.create(
            owning_agency=region.clinic, call=region.call, person=region.person,
            started_at=now, status="draft", disposition="arrest", charges="Trespass",
            clinical_notes="CANARY-NOTE",
        )  # fmt: skip
    return region


def test_snapshot_of_the_operational_database_feeds_the_metrics(operational):
    snap = snapshot_take()
    assert snap.tables["calls"].num_rows == 2
    encounters = snap.tables["encounters"]
    assert "clinical_notes" not in encounters.column_names
    assert sorted(encounters["has_charges"].to_pylist()) == [False, False, True]
    con = engine.duckdb_connect(snap.tables, as_of=snap.as_of)
    values = {m: t.to_pylist()[0] for m, t in engine.run(con, list(BY_ID)).items()}
    assert values["bh_calls"]["value"] == 2
    assert values["calls_responded"]["value"] == 1
    # the cancelled call is left out; the draft's disposition does not count
    assert values["bh_calls_clinician_assessed"]["value"] == 1.0
    assert values["arrests_per_encounter"]["value"] == 0
    assert values["dispatch_to_arrival_p50"]["value"] == pytest.approx(9.0)


def test_a_snapshot_round_trips_through_parquet(operational, tmp_path):
    snap = snapshot_take()
    snap.write_parquet(tmp_path)
    again = Snapshot.read_parquet(tmp_path)
    assert again.as_of == snap.as_of
    assert again.tables["calls"].equals(snap.tables["calls"])


def test_dashboards_read_the_current_snapshot_of_the_database(operational):
    from tandem.metrics.selectors import metric_values, snapshot_refresh

    snapshot_refresh()
    try:
        (value,) = metric_values(operational.police_supervisor, ["bh_calls"])
    finally:
        snapshot_refresh()
    assert value.value == 2 and not value.suppressed


def test_the_snapshot_command_writes_parquet_under_the_var_dir(operational, settings, tmp_path):
    from django.core.management import call_command

    settings.VAR_DIR = tmp_path
    call_command("metrics_snapshot", stdout=open(tmp_path / "out.txt", "w"))  # noqa: SIM115
    again = Snapshot.read_parquet(tmp_path / "metrics" / "snapshot")
    assert again.tables["calls"].num_rows == 2
