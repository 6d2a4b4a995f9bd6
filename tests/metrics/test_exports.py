"""Row-level exports for evaluators: one row per call or encounter, pseudonyms, months for
aggregate-only roles, the small-cell rule, no name, narrative or clinical field, audit."""

import csv
import io
import re
from datetime import UTC, datetime

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from tandem.metrics.exports import CALLS, ENCOUNTERS, export_rows, export_size, pseudonym
from tandem.metrics.reports import Quarter
from tandem.metrics.selectors import snapshot_refresh
from tandem.privacy.models import AuditEvent

from .quarter_world import at, connect

Q3 = Quarter(2026, 3)


@pytest.fixture
def world(region):
    region.con = connect(region)
    return region


def rows_of(file) -> list[dict]:
    return list(csv.DictReader(io.StringIO("".join(file.csv()))))


def export(world, user, name, **filters):
    from tandem.metrics.engine import Filters

    return export_rows(user, name, Filters(start=Q3.start, end=Q3.end, **filters), con=world.con)


def test_an_analyst_gets_only_rows_of_cells_of_11_people_or_more(world):
    calls = export(world, world.analyst, "calls")
    # July at Lakeview, ride-along: 12 people. August (10), September (8) and Hillside's
    # 5 calls fall below 11.
    assert (len(calls.rows), calls.withheld) == (12, 23)
    assert {r["month"] for r in rows_of(calls)} == {"2026-07"}
    encounters = export(world, world.analyst, "encounters")
    # July, resolved on scene: 12 people; every other disposition cell is smaller.
    assert (len(encounters.rows), encounters.withheld) == (12, 12)
    assert {r["disposition"] for r in rows_of(encounters)} == {"resolved_on_scene"}


def test_an_analyst_gets_the_month_but_not_the_time_or_the_jurisdiction(world):
    (first, *_) = rows_of(export(world, world.analyst, "calls"))
    assert first["month"] == "2026-07"
    assert first["received_at"] == "" and first["jurisdiction"] == ""
    assert first["agency"] == "lakeview-pd"


def test_a_supervisor_gets_every_row_of_their_agency_with_exact_times(world):
    calls = export(world, world.police_supervisor, "calls")
    assert (len(calls.rows), calls.withheld, calls.suppressed) == (30, 0, False)
    first = rows_of(calls)[0]
    received = timezone.localtime(datetime.fromtimestamp(at(2026, 7, 2), UTC))
    assert first["received_at"] == received.isoformat()
    assert first["jurisdiction"] == "lakeview"
    assert first["request_to_dispatch_min"] == "5"
    assert first["dispatch_to_arrival_min"] == "10"


def test_people_are_named_by_a_keyed_hash_that_joins_calls_and_encounters(world):
    calls = rows_of(export(world, world.police_supervisor, "calls"))
    encounters = rows_of(export(world, world.police_supervisor, "encounters"))
    person_of_call = {r["call_key"]: r["person_key"] for r in calls}
    for e in encounters:
        assert re.fullmatch(r"[0-9a-f]{20}", e["person_key"])
        assert person_of_call[e["call_key"]] == e["person_key"]
    keys = {r["person_key"] for r in calls}
    assert len(keys) == 30
    assert not keys & {str(n) for n in range(1, 36)}  # never the record number


def test_pseudonyms_change_with_the_deployments_secret_key(settings):
    before = pseudonym("person", 7)
    settings.SECRET_KEY = django_settings.SECRET_KEY + "-another"
    assert pseudonym("person", 7) != before
    assert pseudonym("person", None) == ""


def test_the_export_columns_are_the_dictionarys_and_no_more(world):
    for name, spec in (("calls", CALLS), ("encounters", ENCOUNTERS)):
        (header, *_) = "".join(export(world, world.analyst, name).csv()).splitlines()
        assert header.split(",") == [c.name for c in spec.columns]


def test_the_size_shown_beside_the_link_is_the_files(world):
    from tandem.metrics.engine import Filters

    filters = Filters(start=Q3.start, end=Q3.end)
    for name in ("calls", "encounters"):
        file = export(world, world.analyst, name)
        size = export_size(world.analyst, name, filters, con=world.con)
        assert size == (len(file.rows), file.withheld)


def test_an_agency_export_has_only_the_rows_the_agency_took_part_in(world):
    calls = export(world, world.analyst, "calls", visible_agency_ids=(world.other_pd.pk,))
    assert (len(calls.rows), calls.withheld) == (0, 5)


# --- Downloads from the operational database -------------------------------------------


@pytest.fixture
def live(region, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    snapshot_refresh()
    region.query = f"quarter={Quarter.containing(timezone.localdate())}&scope=lakeview-pd"
    yield region
    snapshot_refresh()


def test_a_download_carries_no_name_narrative_or_clinical_text(client, live):
    client.force_login(live.police_supervisor)  # casework: nothing withheld
    for name in ("calls", "encounters"):
        response = client.get(f"/metrics/reports/{name}.csv?{live.query}")
        assert response.status_code == 200
        body = b"".join(response.streaming_content).decode()
        (row,) = csv.DictReader(io.StringIO(body))  # the region's one call and encounter
        assert row["person_key"] == pseudonym("person", live.person.pk)
        for secret in (
            "Dana",
            "Reyes",
            "Caller reports",
            "Calm after talking",
            "Officer stood by",
            "Dog in the yard",
        ):
            assert secret not in body, secret  # fmt: skip


def test_downloading_an_export_is_audited_with_the_rows_withheld(client, live):
    client.force_login(live.analyst)
    response = client.get(f"/metrics/reports/calls.csv?{live.query}")
    body = b"".join(response.streaming_content).decode()
    assert len(body.splitlines()) == 1  # one person: withheld
    event = AuditEvent.objects.get(action="export", actor=live.analyst)
    assert event.reason.startswith("De-identified calls export")
    assert "0 rows, 1 withheld (small cells)" in event.reason


def test_there_is_no_export_of_people(client, live):
    client.force_login(live.analyst)
    assert client.get(f"/metrics/reports/people.csv?{live.query}").status_code == 404


def test_the_export_dictionary_is_in_the_metric_definitions():
    text = (django_settings.REPO_DIR / "docs" / "metrics.md").read_text()
    assert "## Row-level exports for evaluators" in text
    for spec in (CALLS, ENCOUNTERS):
        for column in spec.columns:
            assert f"| `{column.name}` |" in text
