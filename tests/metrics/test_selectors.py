"""metric_values for dashboards: permission, scope, and small-cell suppression."""

import pytest
from django.core.exceptions import PermissionDenied

from tandem.metrics import engine
from tandem.metrics.selectors import SMALL_CELL, metric_values

from .tables import AS_OF, FEB, JAN, snapshot


def _con(region, *, people_jan: int, people_feb: int, agency=None):
    """BH calls about `people_jan` distinct people in January and `people_feb` in
    February, all in the police agency's city, each person called about twice."""
    agency_id = (agency or region.pd).pk
    calls = []
    for month, n, base in ((JAN, people_jan, 0), (FEB, people_feb, 1000)):
        for person in range(n):
            for _ in range(2):
                calls.append(
                    {"id": len(calls) + 1, "person_id": base + person, "received_at": month,
                     "agency_id": agency_id}
                )  # fmt: skip
    return engine.duckdb_connect(snapshot(calls=calls), as_of=AS_OF)


def _by_month(values):
    return {v.group["month"].month: v for v in values}


def test_an_analyst_sees_a_cell_of_eleven_people_and_not_one_of_ten(region):
    con = _con(region, people_jan=SMALL_CELL, people_feb=SMALL_CELL - 1)
    values = _by_month(metric_values(region.analyst, ["bh_calls"], group_by=["month"], con=con))
    assert values[1].value == 2 * SMALL_CELL and not values[1].suppressed
    assert values[2].suppressed
    assert (values[2].numerator, values[2].value, values[2].people) == (None, None, None)


def test_a_supervisor_with_casework_access_sees_small_cells_of_their_agency(region):
    con = _con(region, people_jan=3, people_feb=0)
    (value,) = metric_values(region.police_supervisor, ["bh_calls"], con=con)
    assert value.value == 6 and not value.suppressed


def test_a_share_with_a_small_numerator_is_suppressed_for_aggregate_roles(region):
    calls = [{"id": i, "person_id": i} for i in range(1, 31)]
    encounters = [
        {"id": i, "call_id": i, "person_id": i, "disposition": "arrest" if i <= 3 else
         "resolved_on_scene"}
        for i in range(1, 31)
    ]  # fmt: skip
    for row in calls:
        row["agency_id"] = region.pd.pk
    con = engine.duckdb_connect(snapshot(calls=calls, encounters=encounters), as_of=AS_OF)
    (arrests,) = metric_values(region.regional_admin, ["arrests_per_encounter"], con=con)
    assert arrests.suppressed  # 3 arrested people out of 30 could be recognised
    (resolved,) = metric_values(region.regional_admin, ["resolved_on_scene"], con=con)
    assert not resolved.suppressed and resolved.value == pytest.approx(27 / 30)


def test_an_officer_may_not_read_metrics(region):
    con = _con(region, people_jan=20, people_feb=20)
    with pytest.raises(PermissionDenied):
        metric_values(region.officer, ["bh_calls"], con=con)


def test_an_agency_analyst_sees_only_rows_of_their_agency(region):
    con = _con(region, people_jan=20, people_feb=0, agency=region.other_pd)
    assert metric_values(region.police_analyst, ["bh_calls"], con=con)[0].value == 0
    assert metric_values(region.analyst, ["bh_calls"], con=con)[0].value == 40  # regional


def test_unknown_metrics_and_groupings_are_refused(region):
    con = _con(region, people_jan=20, people_feb=0)
    with pytest.raises(ValueError, match="unknown metric ids: nope"):
        metric_values(region.analyst, ["nope"], con=con)
    with pytest.raises(ValueError, match="cannot group by person_id"):
        metric_values(region.analyst, ["bh_calls"], group_by=["person_id"], con=con)
