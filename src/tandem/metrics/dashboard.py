"""The dashboard's figures: which metrics each panel shows, and the tables behind them.

A *figure* is one table (rows: months, agencies or categories; columns: parts of
catalogue metrics) and one chart drawn from the same cells. Values come from
`selectors.metric_values`, which applies the actor's access and small-cell suppression;
this module only arranges them, and adds *complementary* suppression: when a table
withholds exactly one cell of a metric, a total (or the other cells) would give it away
by subtraction, so the next smallest cell is withheld too, or the total when there is
no other cell to hide.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from tandem.agencies.models import PROGRAM_SHORT, Agency
from tandem.encounters.models import Disposition
from tandem.metrics import catalogue as c
from tandem.metrics.catalogue import BY_ID, DIMENSIONS
from tandem.metrics.costs import LEVELS, CostAvoided
from tandem.metrics.engine import Filters
from tandem.metrics.facts import NO_PROGRAM
from tandem.metrics.forms import add_months, months_between
from tandem.metrics.panels import (
    COST_FIGURE,
    COST_METRICS,
    COST_PARTS,
    COUNT,
    DECIMAL,
    HOURS,
    MINUTES,
    MONEY,
    SHARE,
    Column,
    Figure,
)
from tandem.metrics.selectors import SMALL_CELL, MetricValue, cost_avoided_for, metric_values

SMALL, COMPLEMENT = "small", "complement"  # why a cell is withheld
SMALL_TEXT = f"fewer than {SMALL_CELL}"
COMPLEMENT_TEXT = "withheld"
# Kinds whose cells add up to the total, so one withheld cell could be worked out.
ADDITIVE = {c.COUNT, c.SUM, c.SHARE, c.DISTINCT_PEOPLE, c.REPEAT_PEOPLE, c.PER_PERSON, c.RATIO}


# --- Tables ------------------------------------------------------------------------------


@dataclass
class Cell:
    text: str
    number: float | None  # what the chart draws; None for a gap
    withheld: str = ""  # SMALL, COMPLEMENT or ""
    url: str = ""


@dataclass
class Row:
    key: Any
    label: str
    cells: list[Cell]


@dataclass
class Table:
    figure: Figure
    rows: list[Row]
    total: Row | None
    withheld: set[str] = field(default_factory=set)  # reasons present in the table

    @property
    def columns(self) -> tuple[Column, ...]:
        return self.figure.columns

    @property
    def key_label(self) -> str:
        return KEY_LABELS[self.figure.by]


KEY_LABELS = {
    "month": "Month",
    "agency_id": "Agency",
    "program_model": "Program model",
    "disposition": "Disposition",
    "component": "Outcome",
}
TOTAL_LABELS = {"month": "All months", "agency_id": "All agencies", "component": "Total"}
# Drill-down links: (metric id, by, row key or None for the total) -> URL or "".
DrillUrl = Callable[[str, str, Any], str]


def figure_table(
    actor,
    figure: Figure,
    filters: Filters,
    *,
    drill_url: DrillUrl | None = None,
    con=None,
) -> Table:
    """The figure's table for `actor`: one row per month (every month of the range) or
    category, and a total row over the whole filter when the figure has one."""
    group_by = [figure.by] if figure.by in DIMENSIONS else []
    cells: dict[str, dict[Any, tuple[MetricValue, str]]] = {}
    hidden_totals: set[str] = set()
    for metric_id in figure.metric_ids:
        values = metric_values(actor, [metric_id], filters, group_by, con=con)
        extra, hide_total = (
            complements(values) if BY_ID[metric_id].kind in ADDITIVE else (set(), False)
        )
        cells[metric_id] = {
            v.group.get(figure.by): (v, COMPLEMENT if i in extra else "")
            for i, v in enumerate(values)
        }
        if hide_total:
            hidden_totals.add(metric_id)
    keys = _row_keys(figure, filters, cells)
    labels = _labels(figure.by, keys)
    rows = []
    for key in keys:
        found = [cells[col.metric_id].get(key, (None, "")) for col in figure.columns]
        rows.append(
            Row(
                key,
                labels[key],
                [_cell(col, *f) for col, f in zip(figure.columns, found, strict=True)],
            )
        )
    total = _total(actor, figure, filters, hidden_totals, con) if figure.total else None
    table = Table(figure, rows, total)
    for row in [*rows, *([total] if total else [])]:
        for col, cell in zip(figure.columns, row.cells, strict=True):
            if cell.withheld:
                table.withheld.add(cell.withheld)
            elif drill_url and col.drill and cell.number:
                cell.url = drill_url(
                    col.metric_id, figure.by, row.key if row is not total else None
                )
    return table


def complements(values: Sequence[MetricValue]) -> tuple[set[int], bool]:
    """Which further cells to withhold, and whether the total must be withheld.

    When exactly one cell is suppressed, the total minus the others would give it: the
    smallest other non-zero cell is withheld as well, or, when there is none, the total.
    Two or more withheld cells reveal only their sum.
    """
    small = [i for i, v in enumerate(values) if v.suppressed]
    if len(small) != 1:
        return set(), False
    shown = [i for i, v in enumerate(values) if not v.suppressed and _size(v) > 0]
    if not shown:
        return set(), True
    return {min(shown, key=lambda i: (_size(values[i]), i))}, False


def _size(v: MetricValue) -> float:
    for number in (v.denominator, v.numerator, v.value):
        if number is not None:
            return number
    return 0


def _row_keys(figure: Figure, filters: Filters, cells: dict) -> list:
    if figure.by == "month":
        assert filters.start and filters.end
        n = months_between(filters.start, filters.end)
        return [add_months(filters.start, i) for i in range(n)]
    keys = {k for by_key in cells.values() for k in by_key}
    first = figure.columns[0].metric_id

    def size(key) -> float:
        v = cells[first].get(key, (None, ""))[0]
        return -1 if v is None or v.value is None else v.value

    # Categories, largest first (withheld ones last), so the chart reads as a ranking.
    return sorted(keys, key=lambda k: (-size(k), str(k)))


def _labels(by: str, keys: list) -> dict[Any, str]:
    if by == "month":
        return {k: f"{k:%b %Y}" for k in keys}
    if by == "agency_id":
        names = {a.pk: a.name for a in Agency.objects.filter(pk__in=[k for k in keys if k])}
        return {k: names.get(k, "No agency") for k in keys}
    if by == "program_model":
        return {k: PROGRAM_SHORT.get(k, "No team assigned" if k == NO_PROGRAM else k) for k in keys}
    if by == "disposition":
        names = dict(Disposition.choices)
        return {k: names.get(k, k or "Not recorded") for k in keys}
    return {k: str(k) for k in keys}


def _total(actor, figure: Figure, filters: Filters, withheld: set[str], con) -> Row:
    cells = []
    values = {
        metric_id: (metric_values(actor, [metric_id], filters, con=con) or [None])[0]
        for metric_id in figure.metric_ids
    }
    for col in figure.columns:
        v = values[col.metric_id]
        cells.append(_cell(col, v, COMPLEMENT if col.metric_id in withheld else ""))
    return Row(None, TOTAL_LABELS[figure.by], cells)


def _cell(col: Column, v: MetricValue | None, withheld: str) -> Cell:
    if v is not None and v.suppressed:
        return Cell(SMALL_TEXT, None, SMALL)
    if withheld:
        return Cell(COMPLEMENT_TEXT, None, COMPLEMENT)
    number = getattr(v, col.part) if v is not None else None
    if number is None:
        # Nothing counted: a count is zero, a share or a time has no value.
        if col.fmt in (COUNT, HOURS):
            return Cell("0", 0.0)
        return Cell("–", None)
    return Cell(fmt(number, col.fmt), float(number))


def fmt(number: float, kind: str) -> str:
    if kind == SHARE:
        return f"{number:.1%}"
    if kind in (MINUTES, DECIMAL, HOURS):
        return f"{number:,.1f}"
    if kind == MONEY:
        return f"${number:,.0f}"
    return f"{number:,.0f}"


def total_withheld(tables: dict[str, Table], metric_id: str) -> bool:
    """Whether any of the tables withholds the metric's total."""
    for table in tables.values():
        if table.total is None:
            continue
        for col, cell in zip(table.columns, table.total.cells, strict=True):
            if col.metric_id == metric_id and cell.withheld:
                return True
    return False


# --- Cost avoided ------------------------------------------------------------------------


@dataclass
class Cost:
    table: Table
    result: CostAvoided | None  # None when withheld


def cost_table(actor, filters: Filters, tables: dict[str, Table], *, con=None) -> Cost:
    """Cost avoided over the filter. Every cell is withheld when an outcome it rests on
    is suppressed (`cost_avoided_for` answers None), or when a total of those outcomes
    is withheld in `tables` (the page's other tables): the three estimates would give
    the outcome's count away."""
    withheld = any(total_withheld(tables, m) for m in COST_METRICS)
    result = None if withheld else cost_avoided_for(actor, filters, con=con)
    why = COMPLEMENT if withheld else SMALL

    def money(level: str, part: str | None = None) -> Cell:
        if result is None:
            return Cell(COMPLEMENT_TEXT if withheld else SMALL_TEXT, None, why)
        amount = result.amounts[level][part] if part else result.total(level)
        return Cell(fmt(amount, MONEY), amount)

    rows = [
        Row(part, label, [money(lv, part) for lv in LEVELS]) for part, label in COST_PARTS.items()
    ]
    total = Row(None, TOTAL_LABELS["component"], [money(lv) for lv in LEVELS])
    table = Table(COST_FIGURE, rows, total, withheld={why} if result is None else set())
    return Cost(table, result)
