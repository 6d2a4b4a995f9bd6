"""Importing the messy samples: every check with known counts, nothing dropped silently."""

import shutil
from datetime import UTC, datetime

import pytest

from tandem.dispatch.models import Call
from tandem.imports.models import ImportRun, RejectedRow
from tandem.imports.services import import_file
from tandem.privacy.models import AuditEvent

from .conftest import SAMPLES, history_of

pytestmark = pytest.mark.django_db
CAD = SAMPLES / "cad_messy.csv"
CAD_PROFILE = str(SAMPLES / "lakeview-cad.yaml")
CRISIS_PROFILE = str(SAMPLES / "lakeview-crisis.yaml")


def cad_run(region, **kwargs) -> ImportRun:
    run = import_file(actor=region.regional_admin, path=CAD, profile_name=CAD_PROFILE, **kwargs)
    assert run.status == "done", run.error
    return run


def check(run, code, field=None) -> dict:
    found = [c for c in run.report["checks"] if c["code"] == code and field in (None, c["field"])]
    assert len(found) == 1, (code, field, run.report["checks"])
    return found[0]


def imported(source: str) -> dict[str, dict]:
    """The source's history rows by call number; never operational calls."""
    assert not Call.objects.filter(incident_id__startswith=f"import:{source}:").exists()
    return history_of(source)


def test_rows_in_equal_rows_imported_plus_rows_rejected(region):
    run = cad_run(region)
    assert (run.rows_read, run.rows_imported, run.rows_rejected) == (22, 16, 6)
    assert len(imported("lakeview-cad")) == 16
    assert run.rejected_rows.count() == 6


def test_every_rejected_row_is_listed_with_its_reasons(region):
    run = cad_run(region)
    listed = {r.row: r.reasons for r in run.rejected_rows.all()}
    assert listed == {
        8: ["received_at is empty"],
        9: [
            "received_at: 'yesterday' matches none of the formats %m/%d/%Y %H:%M, %Y-%m-%d %H:%M:%S"
        ],
        10: ["received_at is in the future (01/01/2099 10:00)"],
        11: ["same incident number as row 2"],
        16: ["incident number is empty"],
        22: ["TOO MANY COLUMNS: Expected Number of Columns: 13 Found: 14"],
    }


def test_a_rejected_row_shows_times_and_codes_but_never_the_narrative_or_address(region):
    run = cad_run(region)
    row = RejectedRow.objects.get(run=run, row=11)
    assert row.values["key"] == "24-0001" and row.values["call_type"] == "EDP"
    text = str(RejectedRow.objects.filter(run=run).values_list("values", flat=True))
    assert "Exported twice" not in text and "Main St" not in text and "Ofc" not in text


def test_each_data_quality_check_counts_its_rows(region):
    run = cad_run(region)
    assert check(run, "missing", "received_at")["rows"] == 1
    assert check(run, "missing", "key")["rows"] == 1
    assert check(run, "unparseable", "received_at")["rejected"] == 1
    assert check(run, "unparseable", "priority")["examples"][0]["row"] == 18
    assert check(run, "future", "received_at")["rows"] == 1
    assert check(run, "midnight", "received_at")["examples"][0]["row"] == 5
    order = {e["row"]: e["message"] for e in check(run, "order", "arrived_at")["examples"]}
    assert order == {6: "arrival before dispatch"}
    assert check(run, "order", "cleared_at")["examples"][0]["row"] == 7
    assert check(run, "duplicate_key")["examples"] == [
        {"row": 11, "message": "same incident number as row 2"}
    ]
    assert check(run, "duplicate_content")["examples"][0]["row"] == 15
    assert check(run, "malformed")["rows"] == 1
    assert run.rows_flagged == 8


def test_unmapped_values_are_reported_with_counts_not_guessed(region):
    run = cad_run(region)
    assert run.report["unmapped"] == [
        {"field": "call_type", "value": "WEIRD THING", "rows": 1},
        {"field": "source", "value": "walk-in", "rows": 1},
        {"field": "team", "value": "ZULU-9", "rows": 1},
    ]
    calls = imported("lakeview-cad")
    call = calls["CAD-24-0010"]
    assert call["call_type"] == "WEIRD THING" and call["apco_code"] == ""
    assert "not BH: call type 'WEIRD THING' is not in the program's list" in call["bh_reason"]
    assert calls["CAD-24-0017"]["call_source"] == "cad_feed"
    assert calls["CAD-24-0018"]["team_id"] is None


def test_the_same_value_spelled_several_ways_is_reported(region):
    run = cad_run(region)
    [group] = run.report["variants"]
    assert group["field"] == "call_type"
    assert [(s["value"], s["rows"], s["code"]) for s in group["spellings"]] == [
        ("EDP", 6, "EDP"),
        ("E.D.P.", 1, "EDP"),
        ("edp", 1, "EDP"),
    ]


def test_the_report_counts_rows_per_month(region):
    run = cad_run(region)
    months = {m["month"]: m for m in run.report["months"]}
    assert set(months) == {"2024-01", "2024-02", "2099-01", "unknown", "unreadable"}
    assert (months["2024-02"]["rows"], months["2024-02"]["imported"]) == (6, 6)
    assert months["2024-02"]["bh"] == 4
    assert months["2024-01"]["rejected"] == 2  # row 11 (duplicate) and row 16 (no number)
    assert sum(m["rows"] for m in months.values()) == run.rows_read


def test_every_imported_call_says_why_it_is_or_is_not_behavioral_health(region):
    run = cad_run(region)
    calls = imported("lakeview-cad")

    def reason(number):
        return calls[number]["bh_reason"]

    assert calls["CAD-24-0003"]["behavioral_health"]
    assert reason("CAD-24-0003") == "call type EDP is in the BH category mental_health (APCO EDP)"
    assert reason("CAD-24-0011") == (
        "final type SUICIDE after recoding is in the BH category suicide (APCO SUICIDE)"
    )
    assert reason("CAD-24-0012") == "narrative mentions overdose"
    assert not calls["CAD-24-0002"]["behavioral_health"]
    assert reason("CAD-24-0002") == (
        "not BH: call type THEFT (property_crime, APCO LARCENY) is not a BH type; "
        "no BH keyword in the narrative"
    )
    assert sum(c["behavioral_health"] for c in calls.values()) == run.bh_calls == 11
    assert run.report["bh"]["by_reason"] == {
        "import-call-type": 9,
        "import-final-type": 1,
        "import-narrative": 2,
    }


def test_warnings_are_kept_on_the_imported_call_and_the_narrative_is_not(region):
    cad_run(region)
    call = imported("lakeview-cad")["CAD-24-0005"]
    assert call["warnings"] == "arrival before dispatch"
    assert call["row"] == 6
    assert "narrative" not in call and "location_text" not in call


def test_calls_belong_to_the_profiles_agency_with_their_times_in_utc(region):
    cad_run(region)
    call = imported("lakeview-cad")["CAD-24-0001"]
    assert call["agency_id"] == region.pd.pk
    assert call["incident_id"] == "import:lakeview-cad:24-0001"
    assert call["received_at"] == int(datetime(2024, 1, 5, 16, 15, tzinfo=UTC).timestamp())
    assert call["team_id"] == region.team.pk
    assert call["on_scene_at"] == int(datetime(2024, 1, 5, 16, 31, tzinfo=UTC).timestamp())


def test_a_dry_run_reports_and_writes_nothing(region):
    run = cad_run(region, dry_run=True)
    assert run.report["rows"]["rejected"] == 6
    assert not imported("lakeview-cad") and not run.rejected_rows.exists()


def test_one_audit_event_summarises_the_import(region):
    run = cad_run(region)
    [event] = AuditEvent.objects.filter(action="import")
    assert event.object_id == str(run.pk) and event.actor == region.regional_admin
    assert "16 calls created" in event.reason and "6 rows rejected" in event.reason


@pytest.mark.parametrize("sample", ["crisis_team.csv", "crisis_team.xlsx"])
def test_crisis_team_records_become_calls_assignments_and_encounters(dispatch_region, sample):
    r = dispatch_region
    run = import_file(actor=r.regional_admin, path=SAMPLES / sample, profile_name=CRISIS_PROFILE)
    assert run.status == "done", run.error
    assert (run.rows_read, run.rows_imported, run.rows_rejected) == (10, 9, 1)
    assert [x.reasons for x in run.rejected_rows.all()] == [["received_at is empty"]]
    assert run.report["written"]["assignments"] == 8 and run.report["written"]["encounters"] == 8
    assert run.bh_calls == 9
    assert check(run, "midnight", "cleared_at")["rows"] == 1
    assert check(run, "order", "arrived_at")["rows"] == 1
    assert check(run, "missing", "cleared_at")["rows"] == 1
    assert {(u["field"], u["value"]) for u in run.report["unmapped"]} == {
        ("disposition", "Gone fishing"),
        ("team", "TEAM-X"),
    }
    [teams] = [v for v in run.report["variants"] if v["field"] == "team"]
    assert {s["value"] for s in teams["spellings"]} == {"MCT-1", "MCT 1", "mct-1"}
    rows = imported("harbor-crisis")
    encounter = rows["MCT:MCT-102"]
    assert encounter["disposition"] == "transport_crisis_center"
    assert encounter["clinician_assessed"] and encounter["has_encounter"]
    assert encounter["clinical_agency_id"] == r.clinic.pk
    assert encounter["team_id"] == r.crisis_team.pk
    afternoon = rows["MCT:MCT-103"]
    assert afternoon["received_at"] == 1709497800  # 2024-03-03 20:30 UTC: 2:30 PM CST
    unclear = rows["MCT:MCT-106"]
    assert unclear["cleared_at"] == unclear["on_scene_at"]  # closed at its last known time
    assert run.report["rows"]["blank_skipped"] == (1 if sample.endswith("xlsx") else 0)


def test_importing_the_same_file_again_updates_instead_of_duplicating(dispatch_region, tmp_path):
    r = dispatch_region
    path = tmp_path / "log.csv"
    shutil.copy(SAMPLES / "crisis_team.csv", path)
    first = import_file(actor=r.regional_admin, path=path, profile_name=CRISIS_PROFILE)
    numbers = sorted(imported("harbor-crisis"))
    assert imported("harbor-crisis")["MCT:MCT-101"]["disposition"] != "declined"
    path.write_text(path.read_text().replace("Resolved,Y,Calm", "Declined,Y,Calm"))
    second = import_file(actor=r.regional_admin, path=path, profile_name=CRISIS_PROFILE)
    assert (first.rows_created, second.rows_created, second.rows_updated) == (9, 0, 9)
    rows = imported("harbor-crisis")
    assert sorted(rows) == numbers
    assert sum(row["team_id"] is not None for row in rows.values()) == 8
    assert sum(row["has_encounter"] for row in rows.values()) == 8
    assert rows["MCT:MCT-101"]["disposition"] == "declined"
    assert {row["run_id"] for row in rows.values()} == {second.pk}


def test_a_call_number_another_call_has_rejects_the_row(region):
    Call.objects.create(
        owning_agency=region.pd, number="CAD-24-0002", source="911",
        received_at=region.call.received_at, call_type="THEFT",
    )  # fmt: skip
    run = cad_run(region)
    assert RejectedRow.objects.get(run=run, row=3).reasons == [
        "call number CAD-24-0002 already belongs to another call"
    ]
    assert run.rows_rejected == 7


def test_a_file_missing_a_profile_column_fails_whole_and_names_it(region, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("Incident #,Nature\n1,EDP\n")
    run = import_file(actor=region.regional_admin, path=path, profile_name=CAD_PROFILE)
    assert run.status == "failed"
    assert "bad.csv: the file has no column 'Address', 'Arrived'" in run.error
    assert not imported("lakeview-cad")


def test_imported_calls_count_in_the_figures_and_list_for_their_own_agency_only(
    region, client, settings
):
    from tandem.accounts.models import Membership
    from tandem.accounts.roles import Role
    from tandem.metrics.selectors import metric_values, snapshot_refresh

    settings.METRICS_SNAPSHOT_MAX_AGE = 3600
    snapshot_refresh()
    (before,) = metric_values(region.police_supervisor, ["bh_calls"])
    run = cad_run(region)
    snapshot_refresh()

    (after,) = metric_values(region.police_supervisor, ["bh_calls"])
    assert after.value - before.value == run.bh_calls == 11

    client.force_login(region.police_supervisor)
    page = client.get(
        "/metrics/records/bh_calls/", {"start": "2024-01", "end": "2024-12"}
    ).content.decode()
    assert page.count('tandem-tag--imported">imported') == 11
    assert "CAD-24-0003" in page and "is in the BH category mental_health" in page
    assert "CAD-24-0002" not in page  # not a BH call
    # A supervisor of another police department sees none of them.
    other = region.other_officer
    Membership.objects.create(user=other, owning_agency=region.other_pd, role=Role.SUPERVISOR)
    client.force_login(other)
    assert (
        "CAD-24-0003"
        not in client.get(
            "/metrics/records/bh_calls/", {"start": "2024-01", "end": "2024-12"}
        ).content.decode()
    )
    snapshot_refresh()
