"""The quarterly grant report: its lines against a hand-counted quarter (quarter_world),
small cells in the page, CSV and PDF, scope, audit, quarter errors and the command."""

import csv
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from tandem.metrics import reports
from tandem.metrics.report_files import CSV_COLUMNS, report_csv, report_pdf
from tandem.metrics.reports import (
    MEASURES,
    Quarter,
    grant_report,
    scope_get,
    scopes_for,
    shown,
)
from tandem.metrics.selectors import metric_values, snapshot_refresh
from tandem.privacy.models import AuditEvent
from tests.core.pdf_text import text

from .quarter_world import connect

Q3 = Quarter(2026, 3)


@pytest.fixture
def world(region):
    region.con = connect(region)
    return region


def report_for(region, user, scope_key=None):
    scope = scope_get(user, scope_key) if scope_key else scopes_for(user)[0]
    return grant_report(user, Q3, scope, con=region.con)


def values(report, which="current"):
    return {ln.measure.id: getattr(ln, which) for ln in report.lines}


# --- Quarters -------------------------------------------------------------------------


def test_a_quarter_is_read_as_year_dash_q_and_its_number():
    q = Quarter.parse(" 2026-q3 ")
    assert (q.year, q.number, str(q)) == (2026, 3, "2026-Q3")
    assert [m.month for m in q.months] == [7, 8, 9]
    assert q.period == "July–September 2026"


@pytest.mark.parametrize("text", ["2026-Q5", "2026-Q0", "2026-Q12"])
def test_a_quarter_number_outside_one_to_four_is_refused_with_the_range(text):
    with pytest.raises(ValueError, match=f"quarter must be Q1–Q4; got “{text}”"):
        Quarter.parse(text)


@pytest.mark.parametrize("text", ["2026/3", "Q3 2026", "2026-03", "26-Q3"])
def test_a_malformed_quarter_says_what_it_should_look_like(text):
    with pytest.raises(ValueError, match="quarter must look like 2026-Q3"):
        Quarter.parse(text)


def test_a_missing_quarter_and_a_far_year_are_refused():
    with pytest.raises(ValueError, match="quarter is required"):
        Quarter.parse("")
    with pytest.raises(ValueError, match="from 1990 to 2100; got 1850"):
        Quarter.parse("1850-Q1")


def test_the_quarter_before_the_first_is_the_last_of_the_year_before():
    assert Quarter(2026, 1).previous() == Quarter(2025, 4)
    assert Quarter(2026, 3).previous() == Quarter(2026, 2)


def test_the_report_due_is_for_the_last_complete_quarter():
    from datetime import date

    assert Quarter.last_complete(date(2026, 10, 2)) == Quarter(2026, 3)
    assert Quarter.last_complete(date(2026, 1, 5)) == Quarter(2025, 4)


# --- Lines against the hand count -----------------------------------------------------

# line id -> (numerator, denominator, value), counted by hand from quarter_world.
HAND_COUNT = {
    "bh_calls": (35, None, 35),
    "calls_responded": (30, None, 30),
    "calls_by_program_model:ride_along": (30, None, 30),
    "calls_by_program_model:clinician_only": (0, None, 0),
    "bh_calls_clinician_assessed": (24, 35, 24 / 35),
    "unique_people_served": (24, None, 24),
    "referrals_made": (12, None, 12),
    "people_referred": (12, None, 12),
    "people_connected": (11, None, 11),
    "referrals_attended": (11, 12, 11 / 12),
    "resolved_on_scene": (12, 24, 0.5),
    "diverted_from_hospital": (12, 24, 0.5),
    "use_of_force": (0, 24, 0),
    "request_to_arrival_p50": (None, 30, 15.0),
    "dispatch_to_arrival_p50": (None, 30, 10.0),
    "time_on_scene_p50": (None, 24, 40.0),
}


def test_report_lines_equal_the_hand_count(world):
    current = values(report_for(world, world.analyst))
    for line_id, (numerator, denominator, value) in HAND_COUNT.items():
        v = current[line_id]
        assert not v.suppressed, line_id
        assert (v.numerator, v.denominator) == (numerator, denominator), line_id
        assert v.value == pytest.approx(value), line_id


def test_the_previous_quarter_is_counted_beside_it(world):
    report = report_for(world, world.analyst)
    line = report.line("bh_calls")
    assert line.previous.value == 15
    assert reports.change(line) == "+20"
    assert reports.change(report.line("calls_by_program_model:on_call")) == "0"


def test_an_analyst_sees_figures_resting_on_fewer_than_11_people_withheld(world):
    report = report_for(world, world.analyst)
    current = values(report)
    for line_id in (
        "encounters_by_disposition:arrest",  # 2 people
        "encounters_by_disposition:transport_ed",  # 4
        "encounters_by_disposition:involuntary_hold",  # 3
        "arrests_per_encounter",  # 2 of 24
        "diverted_from_jail",  # out of 2 with an arrest option
        "people_declined_referral",  # 3
    ):
        v = current[line_id]
        assert v.suppressed and (v.numerator, v.value) == (None, None), line_id
        assert shown(v, report.line(line_id).unit) == "fewer than 11 people"
    assert report.cost is None  # diverted from jail is withheld
    assert report.suppressed_cells


def test_a_supervisor_sees_the_small_counts_of_their_own_agency(world):
    report = report_for(world, world.police_supervisor)
    current = values(report)
    assert report.scope.key == "lakeview-pd"
    assert current["bh_calls"].value == 30  # Hillside's 5 calls are not theirs
    assert current["encounters_by_disposition:arrest"].value == 2
    assert current["encounters_by_disposition:involuntary_hold"].value == 3
    assert not report.suppressed_cells
    assert "case-level access" in reports.deidentification_statement(report)


def test_the_cost_avoided_range_follows_the_recorded_diversions(world):
    cost = report_for(world, world.police_supervisor).cost
    # 12 diverted from hospital, default unit costs: each 0.7 x (500 + 0.1 x 3 x 800) low,
    # 0.9 x (800 + 0.2 x 5 x 1200) expected, 1.0 x (1500 + 0.3 x 7 x 2000) high.
    assert cost.total("low") == pytest.approx(12 * 518)
    assert cost.total("expected") == pytest.approx(12 * 1800)
    assert cost.total("high") == pytest.approx(12 * 5700)


# --- Scope ----------------------------------------------------------------------------


def test_the_regional_analyst_may_report_on_the_program_or_any_agency(world):
    keys = [s.key for s in scopes_for(world.analyst)]
    assert keys[0] == "program"
    assert {"lakeview-pd", "hillside-pd", "harbor-clinic", "county-911"} <= set(keys)
    assert "regional-council" not in keys


def test_an_agency_analyst_may_report_on_their_agency_only(world):
    assert [s.key for s in scopes_for(world.police_analyst)] == ["lakeview-pd"]
    with pytest.raises(ValueError) as hidden:
        scope_get(world.police_analyst, "hillside-pd")
    with pytest.raises(ValueError) as missing:
        scope_get(world.police_analyst, "no-such-agency")
    assert str(hidden.value) == str(missing.value)  # not allowed looks like not found


def test_an_agency_report_counts_the_rows_the_agency_took_part_in(world):
    def bh_calls(key):
        filters = scope_get(world.analyst, key).filters(Q3.start, Q3.end)
        (value,) = metric_values(world.analyst, ["bh_calls"], filters, con=world.con)
        return value

    by_scope = {key: bh_calls(key) for key in ("lakeview-pd", "harbor-clinic", "hillside-pd")}
    assert by_scope["lakeview-pd"].value == 30
    assert by_scope["harbor-clinic"].value == 30  # the provider of the team that answered
    assert by_scope["hillside-pd"].suppressed  # 5 people


# --- CSV and PDF ----------------------------------------------------------------------


def csv_rows(data: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data)))


def test_the_csv_has_one_row_per_measure_with_its_definition(world):
    data = report_csv(report_for(world, world.analyst))
    assert data.splitlines()[0] == ",".join(CSV_COLUMNS)
    rows = csv_rows(data)
    assert [r["id"] for r in rows] == [m.id for m in MEASURES]  # no cost: it is withheld
    bh = rows[0]
    assert (bh["numerator"], bh["denominator"], bh["value"], bh["unit"]) == (
        "35",
        "",
        "35",
        "calls",
    )
    assert bh["suppressed"] == "false"
    assert bh["definition"].startswith("Calls for service flagged as having")
    share = next(r for r in rows if r["id"] == "resolved_on_scene")
    assert (share["numerator"], share["denominator"], share["value"]) == ("12", "24", "0.5")


def test_small_cells_are_blank_and_flagged_in_the_analysts_csv(world):
    rows = {r["id"]: r for r in csv_rows(report_csv(report_for(world, world.analyst)))}
    for line_id in ("encounters_by_disposition:arrest", "arrests_per_encounter"):
        row = rows[line_id]
        assert (row["numerator"], row["denominator"], row["value"]) == ("", "", "")
        assert row["suppressed"] == "true"


def test_the_cost_avoided_rows_follow_the_measures_when_it_can_be_shown(world):
    rows = csv_rows(report_csv(report_for(world, world.police_supervisor)))
    cost = {r["id"]: r for r in rows[len(MEASURES) :]}
    assert list(cost) == ["cost_avoided:low", "cost_avoided:expected", "cost_avoided:high"]
    assert cost["cost_avoided:expected"]["value"] == "21600"
    assert cost["cost_avoided:expected"]["unit"] == "USD of 2024"
    assert "diverted from hospital" in cost["cost_avoided:expected"]["definition"]


def test_the_analysts_pdf_has_the_measures_and_shows_small_cells_as_fewer_than_11(world):
    data = report_pdf(report_for(world, world.analyst))
    assert data.startswith(b"%PDF-")
    content = text(data)
    assert "Quarterly grant report 2026-Q3" in content
    assert "Whole program" in content or "whole program" in content
    for measure in ("Behavioral-health calls", "People connected to services", "Involuntary holds"):
        assert measure in content
    assert "Involuntary holds\nfewer than 11 people" in content
    assert "50.0% (12 of 24)" in content
    assert "Appendix: definitions" in content
    assert "De-identified: figures resting on fewer than 11 people are withheld." in content
    assert "Officers trained" in content


def test_the_supervisors_pdf_shows_small_counts_and_says_it_is_for_the_program_only(world):
    content = text(report_pdf(report_for(world, world.police_supervisor)))
    assert "Involuntary holds\n3\n" in content
    assert "for use within the program only" in content
    assert "fewer than 11 people\n" not in content
    assert "$21,600" in content  # the cost avoided, expected


# --- Pages, downloads and audit (the operational database's snapshot) ----------------


@pytest.fixture
def live(region, settings, tmp_path):
    """The region's own records through the current snapshot, not a stored one."""
    settings.VAR_DIR = tmp_path
    snapshot_refresh()
    region.query = f"quarter={Quarter.containing(timezone.localdate())}&scope=program"
    yield region
    snapshot_refresh()


def test_an_analyst_reads_the_report_page_with_small_cells_withheld(client, live):
    client.force_login(live.analyst)
    response = client.get(f"/metrics/reports/?{live.query}")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Quarterly grant report" in page
    assert "fewer than 11 people" in page  # the region's one call
    assert 'href="/metrics/reports/report.pdf?' in page


def test_the_page_without_a_choice_shows_the_last_complete_quarter(client, live):
    client.force_login(live.analyst)
    page = client.get("/metrics/reports/").content.decode()
    assert str(Quarter.last_complete()) in page


def test_a_quarter_five_is_a_specific_error_on_the_page(client, live):
    client.force_login(live.analyst)
    response = client.get("/metrics/reports/?quarter=2026-Q5&scope=program")
    assert response.status_code == 400
    assert "Quarter must be Q1–Q4; got “2026-Q5”." in response.content.decode()


def test_an_agency_outside_the_users_scope_is_refused_as_if_unknown(client, live):
    client.force_login(live.police_analyst)
    hidden = client.get("/metrics/reports/?quarter=2026-Q3&scope=hillside-pd")
    missing = client.get("/metrics/reports/?quarter=2026-Q3&scope=nowhere")
    assert hidden.status_code == missing.status_code == 400
    message = "Choose the whole program or one of the agencies listed."
    assert message in hidden.content.decode() and message in missing.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/metrics/reports/",
        "/metrics/reports/report.csv",
        "/metrics/reports/report.pdf",
        "/metrics/reports/calls.csv",
        "/metrics/reports/encounters.csv",
    ],
)
def test_an_officer_finds_no_report_or_download(client, live, url):
    client.force_login(live.officer)
    assert client.get(f"{url}?{live.query}").status_code == 404


def test_downloading_the_csv_is_an_audited_export(client, live):
    client.force_login(live.analyst)
    response = client.get(f"/metrics/reports/report.csv?{live.query}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = {r["id"]: r for r in csv_rows(response.content.decode())}
    assert rows["bh_calls"]["suppressed"] == "true"  # one person
    event = AuditEvent.objects.get(action="export", actor=live.analyst)
    assert event.reason.startswith("Grant report ")
    assert "as CSV (small cells withheld)" in event.reason


def test_downloading_the_pdf_is_an_audited_export(client, live):
    client.force_login(live.police_supervisor)
    query = live.query.replace("scope=program", "scope=lakeview-pd")
    response = client.get(f"/metrics/reports/report.pdf?{query}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert "attachment" in response["Content-Disposition"]
    event = AuditEvent.objects.get(action="export", actor=live.police_supervisor)
    assert "as PDF (small cells shown)" in event.reason


# --- The command ----------------------------------------------------------------------


def test_the_command_writes_an_agencys_pdf_and_records_the_export(live, tmp_path):
    out = tmp_path / "q.pdf"
    quarter = str(Quarter.containing(timezone.localdate()))
    call_command(
        "grant_report", quarter=quarter, agency="lakeview-pd", format="pdf", out=str(out),
        stdout=io.StringIO(),
    )  # fmt: skip
    content = text(out.read_bytes())
    assert "Lakeview Pd" in content
    assert "De-identified" in content
    event = AuditEvent.objects.get(action="export")
    assert event.actor is None and event.owning_agency_id == live.admin.pk


def test_the_commands_csv_is_de_identified_without_a_user(live, tmp_path):
    out = tmp_path / "q.csv"
    quarter = str(Quarter.containing(timezone.localdate()))
    call_command("grant_report", quarter=quarter, format="csv", out=str(out), stdout=io.StringIO())
    rows = {r["id"]: r for r in csv_rows(out.read_text())}
    assert rows["bh_calls"]["suppressed"] == "true"


def test_the_command_says_which_argument_is_wrong(live, tmp_path):
    out = str(tmp_path / "x.pdf")
    with pytest.raises(CommandError, match="--quarter: quarter must be Q1–Q4"):
        call_command("grant_report", quarter="2026-Q5", out=out)
    with pytest.raises(CommandError, match="--agency: scope must be the whole program"):
        call_command("grant_report", quarter="2026-Q3", agency="atlantis", out=out)
    with pytest.raises(CommandError, match="--user: no user “ghost”"):
        call_command("grant_report", quarter="2026-Q3", user="ghost", out=out)
