"""The metrics engine: a catalogue entry becomes one Ibis expression over its fact table.

`aggregate` is backend-neutral: the same expression runs on DuckDB (`duckdb_connect`,
in memory over a snapshot) and on Spark (`facts_on`, any Ibis backend holding the
snapshot's tables). Every result row has the group keys and

    numerator, denominator, value, people, people_counted

where `people` is the number of distinct people behind the rows the value is computed
from and `people_counted` those behind the numerator (for small-cell suppression). A
row with no linked person counts as one person of its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import ibis
import pyarrow as pa
from ibis.backends import BaseBackend
from ibis.expr.types import Table

from tandem.metrics import catalogue as c
from tandem.metrics import facts
from tandem.metrics.catalogue import Metric

RESULT_COLUMNS = ("numerator", "denominator", "value", "people", "people_counted")


@dataclass(frozen=True)
class Filters:
    """Which rows count: months from `start` to `end` (inclusive, first days of months),
    and agencies, jurisdictions and program models (empty: all)."""

    start: date | None = None
    end: date | None = None
    agency_ids: tuple[int, ...] = ()
    jurisdiction_ids: tuple[int, ...] = ()
    program_models: tuple[str, ...] = ()
    # Scope for an actor: rows whose call agency, team agency or provider is one of these.
    visible_agency_ids: tuple[int, ...] | None = None


def apply_filters(t: Table, f: Filters) -> Table:
    preds = []
    if f.start is not None:
        preds.append(t.month >= f.start)
    if f.end is not None:
        preds.append(t.month <= f.end)
    if f.agency_ids:
        preds.append(t.agency_id.isin(f.agency_ids))
    if f.jurisdiction_ids:
        preds.append(t.jurisdiction_id.isin(f.jurisdiction_ids))
    if f.program_models:
        preds.append(t.program_model.isin(f.program_models))
    if f.visible_agency_ids is not None:
        ids = list(f.visible_agency_ids) or [-1]
        preds.append(
            t.agency_id.isin(ids)
            | t.team_agency_id.isin(ids).fill_null(False)
            | t.provider_id.isin(ids).fill_null(False)
        )
    return t.filter(*preds) if preds else t


def aggregate(
    metric: Metric,
    table: Table,
    *,
    group_by: Sequence[str] = (),
    filters: Filters | None = None,
    people: bool = False,
) -> Table:
    """The metric over `table` (its fact table), one row per group.

    `people=True` also counts the distinct people behind each row (for small-cell
    suppression); otherwise `people` and `people_counted` are null, which saves a pass.
    """
    keys = list(dict.fromkeys([*group_by, *metric.always_by]))
    t = apply_filters(table, filters) if filters else table
    if metric.population is not None:
        t = t.filter(metric.population(t))
    if metric.kind in (c.COUNT, c.DISTINCT_PEOPLE) and metric.flag is not None:
        t = t.filter(metric.flag(t))
    if metric.column is not None and metric.kind in (c.QUANTILE, c.SUM, c.MEAN):
        t = t.filter(metric.column(t).notnull())
    agg = _values(metric, t, keys)
    if people and metric.kind not in (c.DISTINCT_PEOPLE, c.PER_PERSON, c.REPEAT_PEOPLE):
        agg = _with_people(agg, _people(metric, t, keys), keys)
    return _result(agg, keys)


def _grouped(t: Table, keys: list[str]):
    return t.group_by(keys) if keys else t


def _values(metric: Metric, t: Table, keys: list[str]) -> Table:
    """numerator, denominator, value (and people where the value is itself people)."""
    kind, g, null = metric.kind, _grouped(t, keys), ibis.null("float64")
    if kind == c.COUNT:
        agg = g.aggregate(numerator=t.count())
        return agg.mutate(denominator=null, value=agg.numerator)
    if kind == c.DISTINCT_PEOPLE:
        agg = g.aggregate(numerator=t.person_key.nunique())
        return agg.mutate(
            denominator=null,
            value=agg.numerator,
            people=agg.numerator,
            people_counted=agg.numerator,
        )
    if kind in (c.PER_PERSON, c.REPEAT_PEOPLE):
        per = t.group_by([*keys, "person_key"]).aggregate(n=t.count())
        agg = _grouped(per, keys).aggregate(
            rows=per.n.sum(), persons=per.count(), repeat=per.count(where=per.n >= 2)
        )
        if kind == c.PER_PERSON:
            return agg.mutate(
                numerator=agg.rows,
                denominator=agg.persons,
                value=agg.rows / agg.persons,
                people=agg.persons,
                people_counted=agg.persons,
            )
        return agg.mutate(
            numerator=agg.repeat,
            denominator=agg.persons,
            value=agg.repeat,
            people=agg.persons,
            people_counted=agg.repeat,
        )
    if kind == c.SHARE:
        flag = metric.flag(t)
        agg = g.aggregate(numerator=t.count(where=flag), denominator=t.count())
        return agg.mutate(value=_div(agg.numerator, agg.denominator))
    if kind == c.RATIO:
        agg = g.aggregate(numerator=metric.column(t).sum(), denominator=metric.per(t).sum())
        return agg.mutate(value=_div(agg.numerator, agg.denominator))
    if kind == c.QUANTILE:
        q = metric.column(t).quantile(metric.quantile)
        agg = g.aggregate(value=q * metric.scale if metric.scale != 1 else q, denominator=t.count())
        return agg.mutate(numerator=null)
    if kind == c.SUM:
        agg = g.aggregate(numerator=metric.column(t).sum(), denominator=t.count())
        return agg.mutate(value=agg.numerator)
    if kind == c.MEAN:
        agg = g.aggregate(numerator=metric.column(t).sum(), denominator=t.count())
        return agg.mutate(value=_div(agg.numerator, agg.denominator))
    raise ValueError(f"unknown metric kind {kind!r}")


def _div(numerator, denominator):
    """numerator / denominator, null (not NaN) when nothing was counted."""
    return ibis.ifelse(denominator > 0, numerator / denominator, ibis.null("float64"))


def _people(metric: Metric, t: Table, keys: list[str]) -> Table:
    """Distinct people per group, and among them those behind the numerator: one pass
    over (group, person) pairs, cheaper than two COUNT(DISTINCT)s."""
    if metric.kind != c.SHARE:
        per = t.group_by([*keys, "person_key"]).aggregate(n=t.count())
        agg = _grouped(per, keys).aggregate(people=per.count())
        return agg.mutate(people_counted=agg.people)
    per = t.group_by([*keys, "person_key"]).aggregate(f=metric.flag(t).any())
    return _grouped(per, keys).aggregate(people=per.count(), people_counted=per.count(where=per.f))


def _with_people(values: Table, people: Table, keys: list[str]) -> Table:
    if not keys:
        return values.cross_join(people)
    p = people.rename({f"_p_{k}": k for k in keys})
    joined = values.left_join(p, [values[k].identical_to(p[f"_p_{k}"]) for k in keys])
    return joined.drop(*[f"_p_{k}" for k in keys])


def _result(agg: Table, keys: list[str]) -> Table:
    if "people" not in agg.columns:
        agg = agg.mutate(people=ibis.null("int64"), people_counted=ibis.null("int64"))
    return agg.select(
        *keys,
        numerator=agg.numerator.cast("float64"),
        denominator=agg.denominator.cast("float64"),
        value=agg.value.cast("float64"),
        people=agg.people.cast("int64"),
        people_counted=agg.people_counted.cast("int64"),
    )


# --- Backends ---------------------------------------------------------------------------


def load_arrow(con: BaseBackend, name: str, table: pa.Table) -> None:
    """Copy an Arrow table into a DuckDB connection as a native table."""
    raw = con.con
    view = f"_arrow_{name}"
    raw.register(view, table)
    try:
        raw.execute(f'CREATE OR REPLACE TABLE "{name}" AS SELECT * FROM "{view}"')  # noqa: S608
    finally:
        raw.unregister(view)


def duckdb_connect(
    tables: dict[str, pa.Table], *, as_of: int, threads: int | None = None
) -> BaseBackend:
    """An in-memory DuckDB holding a snapshot's tables and the fact tables built on it."""
    con = ibis.duckdb.connect(threads=threads) if threads else ibis.duckdb.connect()
    for name, table in tables.items():
        load_arrow(con, name, table)
    materialise_facts(con, as_of=as_of)
    return con


def materialise_facts(con: BaseBackend, *, as_of: int, view: bool = False) -> None:
    """Build the fact tables on `con` from its snapshot tables (a view on Spark)."""
    raw = {name: con.table(name) for name in _RAW}
    for name, expr in facts.build(raw, as_of=as_of).items():
        if view:
            con.create_view(name, expr, overwrite=True)
        else:
            # Ibis's own create_table(overwrite=True) emits a DROP that the installed
            # sqlglot renders wrongly for DuckDB; CREATE OR REPLACE needs no DROP.
            sql = f'CREATE OR REPLACE TABLE "{name}" AS {con.compile(expr)}'  # noqa: S608
            con.con.execute(sql)


_RAW = ("calls", "assignments", "teams", "encounters", "referrals", "followups", "bookings")


def run(
    con: BaseBackend,
    metric_ids: Iterable[str],
    *,
    group_by: Sequence[str] = (),
    filters: Filters | None = None,
    people: bool = False,
) -> dict[str, pa.Table]:
    """Each metric's rows as Arrow, computed on `con`."""
    return {
        metric_id: run_one(
            con, c.BY_ID[metric_id], group_by=group_by, filters=filters, people=people
        )
        for metric_id in metric_ids
    }


def run_one(
    con: BaseBackend,
    metric: Metric,
    *,
    group_by: Sequence[str] = (),
    filters: Filters | None = None,
    people: bool = False,
) -> pa.Table:
    """One metric on `con`. On DuckDB the SQL Ibis compiles is kept per connection and
    query shape, so a dashboard asking again pays only for the run (Ibis itself runs a
    DuckDB query the same way: `con.sql(sql).to_arrow_table()`)."""
    expr = lambda: aggregate(  # noqa: E731
        metric, con.table(metric.fact), group_by=group_by, filters=filters, people=people
    )
    if con.name != "duckdb":
        return expr().to_pyarrow()
    cache = con.__dict__.setdefault("_tandem_sql", {})
    key = (metric.id, tuple(group_by), filters, people)
    if key not in cache:
        cache[key] = con.compile(expr())
    return con.con.sql(cache[key]).to_arrow_table()
