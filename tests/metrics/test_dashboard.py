"""The dashboard: its tables are metric_values, small cells never reach aggregate-only
roles (page, chart or CSV), drill-down lists what a figure counts, and only for roles
that may open records."""

import csv
import io
import re
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django_tasks_db.models import DBTaskResult

from tandem.accounts.roles import Role
from tandem.core.models import service_write
from tandem.dispatch.models import Assignment, Call
from tandem.encounters.models import Encounter
from tandem.metrics import charts, engine, selectors
from tandem.metrics.catalogue import BY_ID, DIMENSIONS
from tandem.metrics.dashboard import SMALL_TEXT, complements
from tandem.metrics.drilldown import DRILLS, records_behind
from tandem.metrics.engine import Filters
from tandem.metrics.forms import add_months, this_month
from tandem.metrics.panels import FIGURES
from tandem.metrics.selectors import MetricValue, cost_avoided_for, metric_values
from tandem.people.models import Person
from tandem.privacy.models import AuditEvent
from tests.conftest import _user

LAST, EARLIER = add_months(this_month(), -1), add_months(this_month(), -2)
RANGE = {"start": f"{EARLIER:%Y-%m}", "end": f"{LAST:%Y-%m}"}
FILTERS = Filters(start=EARLIER, end=LAST)


def at(month, hour=12):
    """Noon on the 10th of `month`, local time: well inside the month."""
    return datetime(month.year, month.month, 10, hour, tzinfo=ZoneInfo(settings.TIME_ZONE))


def _call(region, n, month, agency, *, person=True, team=True):
    call = Call.objects.create(
        owning_agency=agency,
        number=f"T-{n}",
        source="911",
        received_at=at(month),
        call_type="EDP",
        apco_code="EDP",
        jurisdiction=region.city if agency == region.pd else None,
        behavioral_health=True,
        subject=Person.objects.create(owning_agency=agency, given_name=f"P{n}") if person else None,
        status="closed",
    )
    assignment = None
    if team:
        assignment = Assignment.objects.create(
            owning_agency=agency,
            call=call,
            team=region.team,
            mode="co_responder",
            assigned_at=at(month),
            on_scene_at=at(month, 13),
            cleared_at=at(month, 14),
        )
    return call, assignment


def _encounter(region, call, assignment, **fields):
    with service_write():
        return Encounter.objects.create(
            owning_agency=region.clinic,
            call=call,
            assignment=assignment,
            person=call.subject,
            started_at=call.received_at,
            **{"disposition": "resolved_on_scene", **fields},
        )


def build_history(region):
    """Last month, twelve people's BH calls in Lakeview (pd) and three in Hillside
    (other_pd, no team); two months ago, four in Lakeview (the fixture's own call moved
    there among them). Every Lakeview call has an encounter with the ride-along team."""
    outcomes = (
        [{"clinician_assessed": True, "arrestable_offence": True, "diverted_from_jail": True}] * 3
        + [{"clinician_assessed": True}] * 3
        + [{"clinician_assessed": True, "disposition": "transport_crisis_center",
            "diverted_from_hospital": True}] * 2
        + [{"disposition": "transport_crisis_center", "diverted_from_hospital": True}] * 2
        + [{"disposition": "arrest", "arrestable_offence": True}] * 2
    )  # fmt: skip
    for n, fields in enumerate(outcomes):
        _encounter(region, *_call(region, n, LAST, region.pd), **fields)
    for n in range(20, 23):
        _call(region, n, LAST, region.other_pd, team=False)
    for n in range(30, 33):
        _encounter(region, *_call(region, n, EARLIER, region.pd))
    Call.objects.filter(pk=region.call.pk).update(received_at=at(EARLIER))
    Assignment.objects.filter(pk=region.assignment.pk).update(assigned_at=at(EARLIER))
    Encounter.objects.filter(pk=region.encounter.pk).update(started_at=at(EARLIER))
    return region


@pytest.fixture
def history(region, settings, tmp_path):
    settings.VAR_DIR = tmp_path  # no stored snapshot of another run is read
    build_history(region)
    selectors.snapshot_refresh()
    selectors.current_connection()
    yield region
    selectors.snapshot_refresh()


def page(client, user, **params):
    client.force_login(user)
    return client.get("/metrics/", {**RANGE, **params})


def tables(response):
    return {f["table"].figure.id: f["table"] for p in response.context["panels"]
            for f in p["figures"]}  # fmt: skip


def figure_html(response, figure_id):
    html = response.content.decode()
    start = html.index('<figure class="tandem-figure')
    start = html.index(f'id="figure-{figure_id}"', start)
    return html[start : html.index("</figure>", start)]


# --- The tables are metric_values -------------------------------------------------------


@pytest.mark.parametrize("persona", ["police_supervisor", "analyst", "regional_admin"])
def test_every_table_shows_what_metric_values_gives_for_the_same_filters(client, history, persona):
    user = getattr(history, persona)
    response = page(client, user)
    assert response.status_code == 200
    shown = tables(response)
    assert set(FIGURES) <= set(shown)
    for figure_id, figure in FIGURES.items():
        table = shown[figure_id]
        group_by = [figure.by] if figure.by in DIMENSIONS else []
        for i, col in enumerate(figure.columns):
            values = {
                v.group.get(figure.by): v
                for v in metric_values(user, [col.metric_id], FILTERS, group_by)
            }
            for row in table.rows:
                _agrees(row.cells[i], values.get(row.key), col, f"{figure_id} {row.label}")
            if table.total is not None:
                (total,) = metric_values(user, [col.metric_id], FILTERS) or [None]
                _agrees(table.total.cells[i], total, col, f"{figure_id} total")


def _agrees(cell, value: MetricValue | None, col, where: str):
    if value is None:
        assert cell.number in (0, None) and not cell.withheld, where
    elif value.suppressed:
        assert (cell.withheld, cell.text, cell.number) == ("small", SMALL_TEXT, None), where
    elif cell.withheld:  # a complement: only ever where something else is suppressed
        assert cell.withheld == "complement" and cell.number is None, where
    else:
        expected = getattr(value, col.part)
        assert cell.number == pytest.approx(expected if expected is not None else cell.number), (
            where
        )


def test_a_supervisor_sees_every_count_of_their_agency_unsuppressed(client, history):
    shown = tables(page(client, history.police_supervisor))
    calls = {row.key: row.cells[0].number for row in shown["bh-calls"].rows}
    assert (calls[LAST], calls[EARLIER]) == (12, 4)
    assert shown["bh-calls"].total.cells[0].number == 16
    assert not any(cell.withheld for t in shown.values() for row in t.rows for cell in row.cells)


def test_the_cost_panel_is_cost_avoided_for_the_same_filters(client, history):
    response = page(client, history.police_supervisor)
    cost = tables(response)["cost"]
    expected = cost_avoided_for(history.police_supervisor, FILTERS)
    assert [c.number for c in cost.total.cells] == pytest.approx(
        [expected.total(level) for level in ("low", "expected", "high")]
    )
    assert "would otherwise have been an arrest" in response.content.decode()


# --- Small cells -------------------------------------------------------------------------


def _small_cells(figure, filters):
    """(metric id, group key) of every cell computed from 1 to 10 people, whole region."""
    con = selectors.current_connection()
    group_by = [figure.by] if figure.by in DIMENSIONS else []
    small = set()
    for metric_id in figure.metric_ids:
        rows = engine.run_one(
            con, BY_ID[metric_id], group_by=group_by, filters=filters, people=True
        ).to_pylist()
        for row in rows:
            people, counted = row["people"] or 0, row["people_counted"] or 0
            if 0 < people < 11 or 0 < counted < 11:
                small.add((metric_id, row.get(figure.by)))
    return small


@pytest.mark.parametrize("persona", ["analyst", "regional_admin"])
def test_no_cell_from_fewer_than_eleven_people_reaches_an_aggregate_only_role(
    client, history, persona
):
    shown = tables(page(client, getattr(history, persona)))
    checked = 0
    for figure_id, figure in FIGURES.items():
        small = _small_cells(figure, FILTERS)
        for i, col in enumerate(figure.columns):
            for row in shown[figure_id].rows:
                if (col.metric_id, row.key) in small:
                    assert row.cells[i].withheld and row.cells[i].number is None, (figure_id, row)
                    checked += 1
    assert checked > 20  # the fixture has small cells in most figures


def test_an_analyst_reads_fewer_than_eleven_in_the_page_the_chart_and_the_csv(client, history):
    response = page(client, history.analyst)
    html = figure_html(response, "bh-calls")
    earlier, last = f"{EARLIER:%b %Y}", f"{LAST:%b %Y}"
    # Two months ago: four people, suppressed. Last month (15) is withheld as its
    # complement, or the total (19) would give the four away.
    assert re.search(
        rf"<th scope=\"row\">{earlier}</th>\s*<td[^>]*withheld[^>]*>fewer than 11", html
    )
    assert re.search(rf"<th scope=\"row\">{last}</th>\s*<td[^>]*withheld[^>]*>withheld", html)
    assert re.search(r"All months</th>\s*<td[^>]*>19<", html)
    assert charts.chart_spec(tables(response)["bh-calls"]) is None  # nothing left to draw
    assert "No chart: every value is withheld" in html

    # Over twelve months the other months are zeros: drawn, with gaps marked "<11".
    year = client.get("/metrics/")
    spec = charts.chart_spec(tables(year)["bh-calls"])
    drawn = {d["key"]: d["value"] for d in spec["data"]["values"]}
    assert drawn[earlier] is None and drawn[last] is None
    assert drawn[f"{this_month():%b %Y}"] == 0
    assert "&lt;11" in figure_html(year, "bh-calls")

    csv_response = client.get("/metrics/tables/bh-calls.csv", RANGE)
    assert csv_response.status_code == 200
    rows = list(csv.reader(io.StringIO(csv_response.content.decode())))
    by_month = {r[0]: r for r in rows if r}
    assert by_month[f"{EARLIER:%Y-%m}"][1] == SMALL_TEXT
    assert by_month[f"{LAST:%Y-%m}"][1] == "withheld"
    assert by_month["All months"][1] == "19"


def test_a_csv_download_is_audited_as_an_export(client, history):
    client.force_login(history.analyst)
    client.get("/metrics/tables/resolved.csv", RANGE)
    event = AuditEvent.objects.get(action="export", actor=history.analyst)
    assert "Encounters resolved on scene" in event.reason and event.segments == "aggregate"
    assert event.person_id is None


def test_one_withheld_cell_takes_the_next_smallest_with_it():
    def v(n, suppressed=False):
        return MetricValue("bh_calls", {}, n, None, n, n, suppressed)

    assert complements([v(None, True), v(40), v(15), v(0)]) == ({2}, False)
    assert complements([v(None, True), v(None, True), v(40)]) == (set(), False)
    assert complements([v(None, True), v(0)]) == (set(), True)  # only the total is left
    assert complements([v(40), v(15)]) == (set(), False)


# --- Drill-down --------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["analyst", "regional_admin", "privacy_officer"])
def test_aggregate_only_roles_get_no_drill_down_links_and_404_at_the_address(
    client, history, persona
):
    response = page(client, getattr(history, persona))
    assert "/metrics/records/" not in response.content.decode()
    for metric_id in DRILLS:
        assert client.get(f"/metrics/records/{metric_id}/", RANGE).status_code == 404


def test_a_supervisor_follows_a_month_cell_to_the_calls_it_counts(client, history):
    response = page(client, history.police_supervisor, agency=history.pd.pk)
    link = re.search(
        r'href="(/metrics/records/bh_calls/\?[^"]*start=' + f"{LAST:%Y-%m}" + r'[^"]*)"',
        figure_html(response, "bh-calls"),
    )
    records = client.get(link[1].replace("&amp;", "&"))
    assert records.status_code == 200
    assert (records.context["figure"], records.context["visible"]) == (12, 12)
    assert "T-0" in records.content.decode() and "T-20" not in records.content.decode()


@pytest.mark.parametrize(
    "extra",
    [{}, {"program": "ride_along"}, {"program": "clinician_only"}, {"jurisdiction": "city"}],
    ids=["agency", "program", "other-program", "jurisdiction"],
)
def test_every_drill_down_lists_as_many_records_as_its_figure_counts(client, history, extra):
    """For a supervisor filtering to their own agency, who may open every record."""
    client.force_login(history.police_supervisor)
    params = {"agency": history.pd.pk, **extra}
    if "jurisdiction" in params:
        params["jurisdiction"] = history.city.pk
    checked = 0
    for metric_id in DRILLS:
        for month in (EARLIER, LAST, None):
            cell = {"start": f"{month:%Y-%m}", "end": f"{month:%Y-%m}"} if month else RANGE
            response = client.get(f"/metrics/records/{metric_id}/", {**cell, **params})
            assert response.status_code == 200
            figure, visible = response.context["figure"], response.context["visible"]
            assert figure == visible, (metric_id, month, figure, visible)
            checked += figure
    assert checked > 0 or extra.get("program") == "clinician_only"


def test_the_records_behind_a_figure_are_the_ones_it_counts_for_the_whole_region(history):
    """Unscoped: the query the drill-down runs (before the privacy gate) counts what the
    metric counts over every agency's rows."""
    con = selectors.current_connection()
    for metric_id in DRILLS:
        for filters in (FILTERS, replace(FILTERS, start=LAST), replace(FILTERS, end=EARLIER)):
            (row,) = engine.run_one(con, BY_ID[metric_id], filters=filters).to_pylist()
            expected = row["numerator"] if row["numerator"] is not None else row["value"]
            assert records_behind(metric_id, filters).count() == expected, (metric_id, filters)


def test_a_record_at_the_turn_of_the_month_is_in_the_same_month_for_figure_and_records(
    history,
):
    """Local midnight on the 1st belongs to the new month, a second before to the old,
    in the snapshot (program time zone) and in the drill-down query alike."""
    zone = ZoneInfo(settings.TIME_ZONE)
    first = datetime(LAST.year, LAST.month, 1, tzinfo=zone)
    for n, received in ((40, first), (41, first - timedelta(seconds=1))):
        call, assignment = _call(history, n, LAST, history.pd)
        Call.objects.filter(pk=call.pk).update(received_at=received)
        _encounter(history, call, assignment)
        Encounter.objects.filter(call=call).update(started_at=received)
    selectors.snapshot_refresh()
    con = selectors.current_connection()
    for metric_id in ("bh_calls", "resolved_on_scene"):
        for month in (EARLIER, LAST):
            filters = Filters(start=month, end=month)
            (row,) = engine.run_one(con, BY_ID[metric_id], filters=filters).to_pylist()
            assert records_behind(metric_id, filters).count() == row["numerator"]
    assert records_behind("bh_calls", Filters(start=LAST, end=LAST)).filter(number="T-40")
    assert records_behind("bh_calls", Filters(start=EARLIER, end=EARLIER)).filter(number="T-41")


def test_a_drill_down_lists_only_records_the_user_may_open(client, history, region):
    """A clinical supervisor's figures count the calls their team answered; the calls
    belong to the police department, so they are counted, not listed."""
    region.team.clinical_agency = region.clinic
    region.team.save()
    selectors.snapshot_refresh()
    clinic_supervisor = _user("clinic_sup", region.clinic, Role.SUPERVISOR)
    client.force_login(clinic_supervisor)
    response = client.get("/metrics/records/bh_calls/", RANGE)
    assert response.status_code == 200
    assert response.context["figure"] == 16 and response.context["visible"] == 0
    assert "counted, not listed" in response.content.decode()


# --- Who may see the page ----------------------------------------------------------------


@pytest.mark.parametrize("persona", ["officer", "dispatcher", "clinician", "navigator"])
def test_roles_without_aggregate_access_get_404_everywhere(client, history, persona):
    client.force_login(getattr(history, persona))
    for url in (
        "/metrics/",
        "/metrics/tables/bh-calls.csv",
        "/metrics/records/bh_calls/",
        "/metrics/snapshot/",
    ):
        assert client.get(url, RANGE).status_code == 404, url
    assert client.post("/metrics/snapshot/refresh/").status_code == 404
    assert "/metrics/" not in client.get("/").content.decode()


def test_the_navigation_offers_figures_to_roles_that_read_aggregates(client, history):
    client.force_login(history.analyst)
    assert 'href="/metrics/"' in client.get("/").content.decode()


def test_an_unknown_table_is_404(client, history):
    client.force_login(history.analyst)
    assert client.get("/metrics/tables/nope.csv").status_code == 404


# --- Filters -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "2026-13"}, "From month: Enter a month as YYYY-MM"),
        ({"end": "March"}, "To month: Enter a month as YYYY-MM"),
        ({"start": "2026-05", "end": "2026-02"}, "The last month (2026-02) is before the first"),
        ({"start": "2019-01", "end": "2026-01"}, "Choose at most 60 months"),
        ({"agency": "999999"}, "Agency: Choose an agency from the list."),
        ({"jurisdiction": "x"}, "Jurisdiction: Choose a jurisdiction from the list."),
        ({"program": "helicopter"}, "Program model: Choose a program model from the list."),
    ],
)
def test_bad_filters_are_named_and_kept(client, history, params, message):
    client.force_login(history.analyst)
    response = client.get("/metrics/", params)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert "panels" not in response.context or not response.context.get("panels")
    value = next(iter(params.values()))
    if value not in ("999999", "x", "helicopter"):
        assert f'value="{value}"' in html  # what was typed stays in the field
    assert client.get("/metrics/tables/bh-calls.csv", params).status_code == 400


def test_no_filters_mean_the_last_twelve_months(client, history):
    client.force_login(history.analyst)
    response = client.get("/metrics/")
    rows = tables(response)["bh-calls"].rows
    assert len(rows) == 12 and rows[-1].key == this_month()


def test_the_filters_narrow_to_an_agency(client, history):
    shown = tables(page(client, history.analyst, agency=history.other_pd.pk))
    assert {row.key: row.cells[0].text for row in shown["bh-calls"].rows}[LAST] == SMALL_TEXT


# --- Charts ------------------------------------------------------------------------------


def test_charts_carry_no_inline_style_and_ids_unique_on_the_page(client, history):
    html = page(client, history.police_supervisor).content.decode()
    svgs = re.findall(r"<svg\b.*?</svg>", html, re.S)
    assert len(svgs) >= 12
    assert not re.search(r"<style|\sstyle=", "".join(svgs))
    assert all('role="img"' in s and "aria-labelledby=" in s for s in svgs)
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids))


# --- The snapshot ------------------------------------------------------------------------


@pytest.fixture
def no_snapshot(region, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    selectors.snapshot_refresh()
    yield region
    selectors.snapshot_refresh()


def test_without_figures_the_page_says_they_are_being_computed_and_queues_it(client, no_snapshot):
    client.force_login(no_snapshot.police_supervisor)
    response = client.get("/metrics/")
    assert response.status_code == 200
    assert "Computing the figures from the records" in response.content.decode()
    assert 'hx-trigger="every 2s"' in response.content.decode()
    assert DBTaskResult.objects.filter(status="READY").count() == 1
    client.get("/metrics/")  # a second visit does not queue a second snapshot
    assert DBTaskResult.objects.filter(status="READY").count() == 1


def test_compute_now_takes_the_snapshot_in_the_request(client, no_snapshot):
    client.force_login(no_snapshot.police_supervisor)
    response = client.post("/metrics/snapshot/refresh/", {"now": "1"}, follow=True)
    assert response.status_code == 200
    assert "Computed from the records at" in response.content.decode()
    assert tables(response)["bh-calls"].total.cells[0].number == 1  # the fixture's call


def test_a_manager_queues_a_refresh_and_the_page_shows_it_is_under_way(client, history):
    client.force_login(history.regional_admin)
    response = client.post("/metrics/snapshot/refresh/", RANGE)
    assert response.status_code == 302 and response["Location"].startswith("/metrics/?")
    assert DBTaskResult.objects.filter(status="READY").exists()
    html = client.get(response["Location"]).content.decode()
    assert "waiting for the background worker" in html and 'hx-trigger="every 2s"' in html


def test_an_analyst_may_not_refresh(client, history):
    client.force_login(history.analyst)
    assert client.post("/metrics/snapshot/refresh/").status_code == 404
    assert "Recompute the figures" not in page(client, history.analyst).content.decode()


def test_the_status_asks_for_a_reload_once_the_first_figures_exist(client, history):
    client.force_login(history.analyst)
    first = client.get("/metrics/snapshot/", {"shown": "0"})
    assert first["HX-Refresh"] == "true"
    taken = int(selectors.snapshot_taken_at())
    current = client.get("/metrics/snapshot/", {"shown": str(taken)})
    assert "HX-Refresh" not in current and "Show the new figures" not in current.content.decode()


def test_the_page_says_when_the_figures_were_computed(client, history):
    html = page(client, history.analyst).content.decode()
    assert "Computed from the records at" in html
