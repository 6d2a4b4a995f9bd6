"""Reads of the metrics app: metric values and cost avoided for an acting user.

Dashboards and exports call `metric_values`; it checks the `view_aggregates`
permission, limits rows to the actor's agencies (the whole region for members of the
regional administrator; a caller may narrow further with `Filters.visible_agency_ids`,
as the grant report does for one agency), and for aggregate-only roles (analyst,
regional administrator, privacy officer: no casework permission) suppresses small
cells: a value computed from 1 to `SMALL_CELL - 1` people, or whose numerator counts 1
to `SMALL_CELL - 1` people, is withheld (numbers blank, `suppressed=True`; a zero is
shown), as in CMS's cell-size suppression policy.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from ibis.backends import BaseBackend

from tandem.accounts.roles import ROLE_PERMISSIONS, Perm
from tandem.agencies.models import AgencyKind
from tandem.metrics import engine
from tandem.metrics.catalogue import BY_ID, DIMENSIONS
from tandem.metrics.costs import CostAvoided, Outcomes, UnitCostsSpec, cost_avoided
from tandem.metrics.engine import Filters
from tandem.metrics.models import UnitCosts
from tandem.metrics.snapshot import snapshot_load_stored, snapshot_stored_stamp, snapshot_take
from tandem.privacy.policy import actor_for

SMALL_CELL = 11  # fewer than 11 people: suppressed
GROUPS = (*DIMENSIONS, "disposition")


@dataclass(frozen=True)
class MetricValue:
    metric_id: str
    group: dict[str, Any]  # dimension -> value (month as a date)
    numerator: float | None
    denominator: float | None
    value: float | None
    people: int | None  # distinct people behind the value; None when not counted
    suppressed: bool = False


def metric_values(
    actor,
    metric_ids: Iterable[str],
    filters: Filters | None = None,
    group_by: Sequence[str] = (),
    *,
    con: BaseBackend | None = None,
) -> list[MetricValue]:
    """Values of the metrics for `actor`, one per metric and group.

    `filters` narrows months, agencies, jurisdictions and program models; `group_by`
    takes any of agency_id, jurisdiction_id, program_model, month (metrics broken down
    by category, like dispositions, add their own). `con` is a DuckDB connection over a
    snapshot; by default the current snapshot of the operational database.
    """
    ids = list(metric_ids)
    unknown = [m for m in ids if m not in BY_ID]
    if unknown:
        raise ValueError(f"unknown metric ids: {', '.join(unknown)}")
    bad = [g for g in group_by if g not in DIMENSIONS]
    if bad:
        raise ValueError(f"cannot group by {', '.join(bad)}; expected any of {DIMENSIONS}")
    scoped, suppress = scoped_filters(actor, filters or Filters())
    con = con or current_connection()
    out: list[MetricValue] = []
    for metric_id in ids:
        with _LOCK:
            rows = engine.run_one(
                con, BY_ID[metric_id], group_by=group_by, filters=scoped, people=suppress
            ).to_pylist()
        out += [_value(metric_id, row, suppress) for row in rows]
    return out


def scoped_filters(actor, filters: Filters) -> tuple[Filters, bool]:
    """The filters narrowed to what the actor may see, and whether to suppress."""
    if not actor.has_perm_in(Perm.VIEW_AGGREGATES):
        raise PermissionDenied("metrics need the view_aggregates permission")
    visible = None if sees_whole_region(actor) else set(actor.agency_ids())
    if filters.visible_agency_ids is not None:  # a caller narrowing to named agencies
        asked = set(filters.visible_agency_ids)
        visible = asked if visible is None else asked & visible
    scope = None if visible is None else tuple(sorted(visible))
    return replace(filters, visible_agency_ids=scope), suppresses_small_cells(actor)


def sees_whole_region(actor) -> bool:
    """Members of the regional administrator who read aggregates see every agency's rows."""
    return any(
        m.owning_agency.kind == AgencyKind.REGIONAL_ADMIN
        and Perm.VIEW_AGGREGATES in ROLE_PERMISSIONS[m.role]
        for m in actor.memberships_cached()
    )


def suppresses_small_cells(actor) -> bool:
    """Aggregate-only roles get small cells withheld; casework roles see their own rows."""
    return not actor_for(actor).any_casework


def _value(metric_id: str, row: dict, suppress: bool) -> MetricValue:
    group = {k: v for k, v in row.items() if k in GROUPS}
    people, counted = row["people"], row["people_counted"]
    small = people is not None and (0 < people < SMALL_CELL or 0 < (counted or 0) < SMALL_CELL)
    if suppress and small:
        return MetricValue(metric_id, group, None, None, None, None, suppressed=True)
    return MetricValue(metric_id, group, row["numerator"], row["denominator"], row["value"], people)


def cost_avoided_for(
    actor, filters: Filters | None = None, *, con: BaseBackend | None = None
) -> CostAvoided | None:
    """Cost avoided over the actor's rows; None when a count it rests on is suppressed."""
    values = {
        v.metric_id: v
        for v in metric_values(
            actor,
            ["diverted_from_jail", "diverted_from_hospital", "officer_hours_returned"],
            filters,
            con=con,
        )
    }
    if any(v.suppressed for v in values.values()):
        return None

    def num(metric_id: str) -> float:
        v = values.get(metric_id)
        return float(v.numerator or 0) if v else 0.0

    outcomes = Outcomes(
        diverted_from_jail=int(num("diverted_from_jail")),
        diverted_from_hospital=int(num("diverted_from_hospital")),
        officer_hours_returned=num("officer_hours_returned"),
    )
    return cost_avoided(outcomes, unit_costs())


def unit_costs() -> UnitCostsSpec:
    """The program's unit costs as loaded from its file; the documented defaults if none."""
    row = UnitCosts.objects.filter(owning_agency__kind=AgencyKind.REGIONAL_ADMIN).first()
    return UnitCostsSpec.model_validate(row.values) if row else UnitCostsSpec()


# --- The current snapshot ---------------------------------------------------------------

_LOCK = threading.RLock()  # one DuckDB connection, used by one query at a time
_CURRENT: dict[str, Any] = {}
_STORED_NOT_BEFORE = [0.0]  # a stored snapshot older than the last refresh is not read


def current_connection() -> BaseBackend:
    """A DuckDB connection over the newest snapshot of the operational database.

    The background task (`metrics.tasks`) stores snapshots as Parquet; one newer than the
    snapshot in memory replaces it. A snapshot more than `METRICS_SNAPSHOT_MAX_AGE`
    seconds old (default 300) still serves, with its time on the page, while a refresh
    is queued for the worker: taking one reads every record of the region, too long for
    a page request. Only with no snapshot at all (or after `snapshot_refresh`) is one
    taken here.
    """
    max_age = getattr(settings, "METRICS_SNAPSHOT_MAX_AGE", 300)
    with _LOCK:
        now, held = time.time(), _CURRENT.get("as_of")
        stamp = snapshot_stored_stamp()
        snap = None
        if stamp is not None and stamp[1] != _CURRENT.get("stored_id"):
            stored, stored_id = stamp
            if stored >= _STORED_NOT_BEFORE[0] and (held is None or stored >= held):
                snap = snapshot_load_stored()
                if snap is not None:
                    _CURRENT["stored_id"] = stored_id
        if snap is None and held is None:
            snap = snapshot_take()
        if snap is not None:
            _CURRENT.update(
                con=engine.duckdb_connect(snap.tables, as_of=snap.as_of), as_of=snap.as_of
            )
        stale = now - _CURRENT["as_of"] > max_age
        con = _CURRENT["con"]
    if stale:
        from tandem.metrics.tasks import enqueue_snapshot_refresh

        enqueue_snapshot_refresh()  # once: a refresh already waiting is not queued again
    return con


def snapshot_refresh() -> None:
    """Forget the current snapshot and any stored one taken before now: the next read
    takes a new one."""
    with _LOCK:
        _CURRENT.clear()
        _STORED_NOT_BEFORE[0] = float(int(time.time()))  # as_of is in whole seconds


def snapshot_taken_at() -> int | None:
    """When the snapshot the pages read was taken (epoch seconds); None before the first."""
    with _LOCK:
        return _CURRENT.get("as_of")


def month(d: date) -> date:
    """The first day of `d`'s month, as filters and groups use."""
    return d.replace(day=1)
