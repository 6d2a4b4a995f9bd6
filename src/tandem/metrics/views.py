"""Pages of the program's figures: the dashboard, each table as CSV, the records behind
a figure, and the snapshot's freshness and refresh.

Every number comes from `selectors.metric_values` (access and small-cell suppression)
through `dashboard.figure_table`; records come through the privacy gate
(`drilldown.visible_records`). Roles without the `view_aggregates` permission get 404
everywhere here; aggregate-only roles (no casework) get no drill-down.
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlencode

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from tandem.accounts.roles import Perm
from tandem.agencies.models import Jurisdiction, Team
from tandem.core.views import PAGE_SIZE, page_number, requires
from tandem.encounters.models import Encounter
from tandem.metrics import charts, selectors, tasks
from tandem.metrics.catalogue import BY_ID
from tandem.metrics.costs import assumptions
from tandem.metrics.dashboard import SMALL_CELL, Table, cost_table, figure_table
from tandem.metrics.drilldown import CALLS, DRILLS, visible_records
from tandem.metrics.forms import DashboardFilterForm
from tandem.metrics.panels import COST_FIGURE, COST_INPUTS, FIGURES, PANELS
from tandem.metrics.selectors import unit_costs
from tandem.metrics.snapshot import snapshot_stored_as_of
from tandem.privacy.policy import actor_for
from tandem.privacy.services import audit_record

# The summary at the top: (figure id, column index, label).
HEADLINES = (
    ("bh-calls", 0, "Behavioral-health calls"),
    ("assessed", 2, "Assessed on site by a clinician"),
    ("resolved", 2, "Encounters resolved on scene"),
    ("diverted-jail", 2, "Diverted from jail, where arrest was an option"),
)


def can_drill(user) -> bool:
    """Drill-down is for roles that may open records (supervisors); aggregate-only
    roles see figures and never the records behind them."""
    return actor_for(user).any_casework


def can_refresh(user) -> bool:
    """Program managers refresh the figures: supervisors and the regional administrator."""
    return can_drill(user) or user.has_perm_in(Perm.MANAGE_PROGRAM)


@requires(Perm.VIEW_AGGREGATES)
def dashboard(request: HttpRequest) -> HttpResponse:
    form = DashboardFilterForm(request.GET)
    context = {
        "form": form,
        "suppressed_roles": selectors.suppresses_small_cells(request.user),
        "small_cell": SMALL_CELL,
    }
    if not form.is_valid():
        return render(request, "metrics/dashboard.html", context, status=400)
    query = form.query()
    if tasks.snapshot_status().taken_at is None:
        # No snapshot yet: taking one can take minutes on a large region, so it runs in
        # the background while the page says so, instead of the request hanging.
        tasks.enqueue_snapshot_refresh()
        status = tasks.snapshot_status()
        context |= _status_context(request, status, query, shown=0)
        return render(request, "metrics/computing.html", context)
    context |= _figures(request, form)
    status = tasks.snapshot_status()  # the snapshot the figures were read from
    context |= _status_context(request, status, query, shown=_seconds(status.taken_at) or 0)
    return render(request, "metrics/dashboard.html", context)


def _figures(request: HttpRequest, form: DashboardFilterForm) -> dict:
    filters = form.filters()
    drill = _drill_url(form) if can_drill(request.user) else None
    panels, tables = [], {}
    for panel in PANELS:
        figures = []
        if panel.cost:
            cost = cost_table(request.user, filters, tables)
            tables["cost"] = cost.table
            figures.append(_figure(cost.table, form))
            panels.append({"panel": panel, "figures": figures, "cost": cost})
            continue
        for figure in panel.figures:
            tables[figure.id] = figure_table(request.user, figure, filters, drill_url=drill)
            figures.append(_figure(tables[figure.id], form))
        panels.append({"panel": panel, "figures": figures})
    return {
        "panels": panels,
        "headlines": _headlines(tables),
        "described": form.described(),
        "assumptions": assumptions(unit_costs()),
    }


def _figure(table: Table, form: DashboardFilterForm) -> dict:
    chart_id = f"chart-{table.figure.id}"
    svg = charts.chart_svg(table, chart_id)
    return {
        "table": table,
        "chart_id": chart_id,
        # The SVG is generated here from numbers and our own labels, sanitised in
        # charts._sanitise; nothing in it comes from a user.
        "svg": mark_safe(svg) if svg else None,  # noqa: S308
        "description": charts.describe(table),
        "csv_url": reverse("metrics:table_csv", args=[table.figure.id]) + "?" + form.query(),
    }


def _headlines(tables: dict[str, Table]) -> list[dict]:
    out = []
    for figure_id, index, label in HEADLINES:
        total = tables[figure_id].total
        if total is not None:
            out.append({"label": label, "cell": total.cells[index], "anchor": figure_id})
    cost = tables["cost"].total
    if cost is not None:
        out.append({"label": "Cost avoided, expected", "cell": cost.cells[1], "anchor": "cost"})
    return out


def _drill_url(form: DashboardFilterForm):
    def url(metric_id: str, by: str, key) -> str:
        if metric_id not in DRILLS:
            return ""
        changes: dict = {}
        if by == "month" and key is not None:
            changes = {"start": f"{key:%Y-%m}", "end": f"{key:%Y-%m}"}
        elif by == "agency_id" and key is not None:
            changes = {"agency": key}
        elif by != "month" and by != "agency_id":
            return ""
        return reverse("metrics:records", args=[metric_id]) + "?" + form.query(**changes)

    return url


@requires(Perm.VIEW_AGGREGATES)
def table_csv(request: HttpRequest, figure_id: str) -> HttpResponse:
    """One figure's table as CSV, the same cells as the page (withheld ones as words).
    The download is an export of aggregate data and is audited as one."""
    figure = FIGURES.get(figure_id) or (COST_FIGURE if figure_id == COST_FIGURE.id else None)
    if figure is None:
        raise Http404("No such table.")
    form = DashboardFilterForm(request.GET)
    if not form.is_valid():
        return render(request, "metrics/dashboard.html", {"form": form}, status=400)
    filters = form.filters()
    if figure is COST_FIGURE:
        inputs = {f: figure_table(request.user, FIGURES[f], filters) for f in COST_INPUTS}
        table = cost_table(request.user, filters, inputs).table
    else:
        table = figure_table(request.user, figure, filters)
    audit_record(
        actor=request.user,
        action="export",
        segments=["aggregate"],
        reason=f"Dashboard table “{figure.title}” as CSV; {form.described()}"[:300],
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="tandem-{figure.id}.csv"'
    _write_csv(response, table, form)
    return response


def _write_csv(out, table: Table, form: DashboardFilterForm) -> None:
    writer = csv.writer(out)
    writer.writerow([table.figure.title, form.described()])
    writer.writerow([table.key_label, *(col.label for col in table.columns)])
    for row in [*table.rows, *([table.total] if table.total else [])]:
        key = row.key.strftime("%Y-%m") if hasattr(row.key, "strftime") else row.label
        cells = zip(row.cells, table.columns, strict=True)
        writer.writerow([key, *(_csv_value(cell, col) for cell, col in cells)])
    if table.withheld:
        writer.writerow([])
        writer.writerow([_WITHHELD_NOTE])


_WITHHELD_NOTE = (
    f"'fewer than {SMALL_CELL}': counted from fewer than {SMALL_CELL} people, withheld. "
    "'withheld': hidden so that such a figure cannot be worked out from the others."
)


def _csv_value(cell, col) -> str:
    if cell.withheld or cell.number is None:
        return cell.text
    if col.fmt == "share":
        return f"{cell.number:.4f}"
    return f"{cell.number:.2f}".rstrip("0").rstrip(".")


@requires(Perm.VIEW_AGGREGATES)
def records(request: HttpRequest, metric_id: str) -> HttpResponse:
    """The records a figure counts that the user may open; 404 for aggregate-only roles."""
    if metric_id not in DRILLS or not can_drill(request.user):
        raise Http404("No such page.")
    drill = DRILLS[metric_id]
    form = DashboardFilterForm(request.GET)
    if not form.is_valid():
        context = {"form": form, "drill": drill, "metric": BY_ID[metric_id]}
        return render(request, "metrics/records.html", context, status=400)
    filters = form.filters()
    page = page_number(request)
    rows, imported, visible = visible_records(
        request.user, metric_id, filters, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE
    )
    imported = imported[: max(0, PAGE_SIZE - len(rows))]
    values = selectors.metric_values(request.user, [metric_id], filters)
    value = values[0] if values else None
    figure = _figure_count(value)
    return render(
        request,
        "metrics/records.html",
        {
            "form": form,
            "drill": drill,
            "metric": BY_ID[metric_id],
            "is_calls": drill.records == CALLS,
            "rows": rows[:PAGE_SIZE],
            "imported": _imported_rows(imported),
            "visible": visible,
            "figure": figure,
            "hidden": figure - visible if figure is not None and figure > visible else 0,
            "described": form.described(),
            "back": reverse("metrics:dashboard") + "?" + form.query(),
            "page": page,
            "has_next": page * PAGE_SIZE < visible,
            "query": form.query() + "&",
        },
    )


def _imported_rows(rows: list[dict]) -> list[dict]:
    """Imported history rows for the records table: times as dates, names for codes."""

    def when(seconds):
        return datetime.fromtimestamp(seconds, UTC) if seconds is not None else None

    teams = dict(
        Team.objects.filter(pk__in={r["team_id"] for r in rows}).values_list("pk", "call_sign")
    )
    places = dict(
        Jurisdiction.objects.filter(pk__in={r["jurisdiction_id"] for r in rows}).values_list(
            "pk", "name"
        )
    )
    dispositions = dict(Encounter._meta.get_field("disposition").choices)
    return [
        {
            **row,
            "received": when(row["received_at"]),
            "started": when(row["started_at"]),
            "team": teams.get(row["team_id"], ""),
            "jurisdiction": places.get(row["jurisdiction_id"], ""),
            "disposition_label": dispositions.get(row["disposition"], row["disposition"]),
        }
        for row in rows
    ]


def _figure_count(value) -> int | None:
    """How many records the figure counts: a count's value, a share's numerator."""
    if value is None:
        return 0
    number = value.numerator if value.numerator is not None else value.value
    return None if number is None else int(number)


# --- The snapshot: when the figures were computed, and refreshing them --------------------


@requires(Perm.VIEW_AGGREGATES)
@require_POST
def refresh(request: HttpRequest) -> HttpResponse:
    """Queue a new snapshot (the background worker takes it), or with `now` take it in
    this request: the fallback when no worker runs."""
    if not can_refresh(request.user):
        raise Http404("No such page.")
    form = DashboardFilterForm(request.POST)
    query = form.query() if form.is_valid() else ""
    if request.POST.get("now"):
        selectors.snapshot_refresh()
        selectors.current_connection()
        messages.success(request, "The figures were recomputed from the records just now.")
    else:
        tasks.enqueue_snapshot_refresh()
        messages.info(
            request,
            "Recomputing the figures in the background; this page says when new ones are ready.",
        )
    return redirect(reverse("metrics:dashboard") + ("?" + query if query else ""))


@requires(Perm.VIEW_AGGREGATES)
def snapshot_state(request: HttpRequest) -> HttpResponse:
    """The status line, polled while figures are being computed. `shown` is the snapshot
    time (epoch seconds) of the figures on the page, 0 when there are none yet: a newer
    snapshot is offered as a link, or, with no figures shown, loaded at once."""
    form = DashboardFilterForm(request.GET)
    query = form.query() if form.is_valid() else ""
    try:
        shown = int(request.GET.get("shown", "0"))
    except ValueError:
        shown = 0
    status = tasks.snapshot_status()
    newest = max(
        (t for t in (_seconds(status.taken_at), snapshot_stored_as_of()) if t is not None),
        default=None,
    )
    ready = newest is not None and newest > shown
    response = render(
        request,
        "metrics/_status.html",
        _status_context(request, status, query, shown=shown, ready=ready),
    )
    if ready and not shown:
        response["HX-Refresh"] = "true"  # the first figures: show them
    return response


def _seconds(at: datetime | None) -> int | None:
    return int(at.timestamp()) if at else None


def _status_context(request, status, query: str, *, shown: int, ready: bool = False) -> dict:
    max_age = getattr(settings, "METRICS_SNAPSHOT_MAX_AGE", 300)
    taken = status.taken_at
    return {
        "status": status,
        "taken": timezone.localtime(taken) if taken else None,
        "stale": taken is not None and (timezone.now() - taken).total_seconds() > max_age,
        "ready": ready,
        "shown": shown,
        "query": query,
        "poll_url": reverse("metrics:snapshot_state")
        + "?"
        + urlencode({"shown": shown})
        + ("&" + query if query else ""),
        "reload_url": reverse("metrics:dashboard") + ("?" + query if query else ""),
        "can_refresh": can_refresh(request.user),
        "refresh_fields": parse_qsl(query),
    }
