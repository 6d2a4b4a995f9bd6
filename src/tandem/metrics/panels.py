"""The dashboard's panels and figures, as data: which catalogue metrics each figure shows,
in which columns, broken down by what, and drawn how. `dashboard.py` computes them.

Operational measures, and the Stepping Up measures of the jail bookings import, are laid
out here; every definition stays in the catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass

from tandem.metrics import catalogue as c
from tandem.metrics.catalogue import BY_ID
from tandem.metrics.costs import LEVELS

COUNT, SHARE, DECIMAL, MINUTES, HOURS, MONEY = (
    "count",
    "share",
    "decimal",
    "minutes",
    "hours",
    "money",
)


@dataclass(frozen=True)
class Column:
    metric_id: str
    label: str
    part: str = "value"  # which number of the MetricValue: value, numerator, denominator
    fmt: str = COUNT
    drill: bool = False  # the cell links to the records it counts (numerators only)
    chart: bool = False  # drawn in the figure's chart


@dataclass(frozen=True)
class Figure:
    id: str  # anchor, chart and CSV name
    title: str
    by: str  # month, agency_id, program_model or disposition
    columns: tuple[Column, ...]
    chart: str  # bar (months), line (months), hbar (categories)
    axis: str  # the chart's value axis title
    total: bool = True

    @property
    def metric_ids(self) -> list[str]:
        return list(dict.fromkeys(col.metric_id for col in self.columns))


@dataclass(frozen=True)
class Panel:
    id: str
    title: str
    figures: tuple[Figure, ...]
    cost: bool = False  # the cost-avoided panel, laid out on its own

    @property
    def metrics(self) -> list[c.Metric]:
        ids = dict.fromkeys(m for f in self.figures for m in f.metric_ids)
        return [BY_ID[m] for m in ids]


def _share_figure(fid: str, title: str, metric_id: str, numerator: str, denominator: str):
    return Figure(
        fid,
        title,
        "month",
        (
            Column(metric_id, numerator, "numerator", drill=True),
            Column(metric_id, denominator, "denominator"),
            Column(metric_id, "Share", fmt=SHARE, chart=True),
        ),
        "line",
        "share",
    )


PANELS: tuple[Panel, ...] = (
    Panel(
        "calls",
        "Behavioral-health calls",
        (
            Figure(
                "bh-calls",
                "Behavioral-health calls per month",
                "month",
                (
                    Column("bh_calls", "BH calls", drill=True, chart=True),
                    Column("calls_identified_for_team", "Calls identified for a team"),
                    Column("calls_responded", "Calls a team reached"),
                ),
                "bar",
                "calls",
            ),
        ),
    ),
    Panel(
        "assessment",
        "On-site clinician assessment",
        (
            _share_figure(
                "assessed",
                "Share of BH calls with an on-site clinician assessment",
                "bh_calls_clinician_assessed",
                "Assessed on site",
                "BH calls (not cancelled)",
            ),
        ),
    ),
    Panel(
        "program-models",
        "Calls by program model",
        (
            Figure(
                "program-models",
                "Calls handled by each program model",
                "program_model",
                (Column("calls_by_program_model", "Calls", chart=True),),
                "hbar",
                "calls",
                total=False,
            ),
        ),
    ),
    Panel(
        "people",
        "People served and repeat calls",
        (
            Figure(
                "people",
                "People served and repeat calls per month",
                "month",
                (
                    Column("unique_people_served", "People served", chart=True),
                    Column("people_with_repeat_calls", "People with 2 or more calls", "numerator"),
                    Column("people_with_repeat_calls", "People with a call", "denominator"),
                    Column("calls_per_person", "Calls per person", fmt=DECIMAL),
                ),
                "bar",
                "people",
            ),
        ),
    ),
    Panel(
        "response",
        "Response times",
        (
            Figure(
                "response",
                "Minutes from the call to dispatch and to arrival",
                "month",
                (
                    Column("request_to_dispatch_p50", "Call to dispatch, median", fmt=MINUTES),
                    Column("request_to_dispatch_p90", "Call to dispatch, 90th pct", fmt=MINUTES),
                    Column("dispatch_to_arrival_p50", "Dispatch to arrival, median", fmt=MINUTES),
                    Column("dispatch_to_arrival_p90", "Dispatch to arrival, 90th pct", fmt=MINUTES),
                    Column(
                        "request_to_arrival_p50",
                        "Call to arrival, median",
                        fmt=MINUTES,
                        chart=True,
                    ),
                    Column(
                        "request_to_arrival_p90",
                        "Call to arrival, 90th pct",
                        fmt=MINUTES,
                        chart=True,
                    ),
                ),
                "line",
                "minutes",
            ),
        ),
    ),
    Panel(
        "scene",
        "Time on scene",
        (
            Figure(
                "time-on-scene",
                "Median minutes on scene per encounter",
                "month",
                (Column("time_on_scene_p50", "Median minutes", fmt=MINUTES, chart=True),),
                "line",
                "minutes",
            ),
        ),
    ),
    Panel(
        "officer-time",
        "Officer time returned to patrol",
        (
            Figure(
                "officer-time",
                "Officer hours returned to patrol per month",
                "month",
                (
                    Column("officer_hours_returned", "Hours returned", fmt=HOURS, chart=True),
                    Column(
                        "officer_hours_returned", "Assignments with an early return", "denominator"
                    ),
                ),
                "bar",
                "hours",
            ),
        ),
    ),
    Panel(
        "dispositions",
        "Dispositions and diversion",
        (
            Figure(
                "dispositions",
                "Encounters by disposition",
                "disposition",
                (Column("encounters_by_disposition", "Encounters", chart=True),),
                "hbar",
                "encounters",
                total=False,
            ),
            _share_figure(
                "resolved",
                "Encounters resolved on scene",
                "resolved_on_scene",
                "Resolved on scene",
                "People met",
            ),
            _share_figure(
                "diverted-jail",
                "Encounters diverted from jail",
                "diverted_from_jail",
                "Diverted from jail",
                "Arrest was an option",
            ),
            _share_figure(
                "diverted-hospital",
                "Encounters diverted from hospital",
                "diverted_from_hospital",
                "Diverted from hospital",
                "People met",
            ),
            _share_figure(
                "arrests", "Arrests per encounter", "arrests_per_encounter", "Arrests", "People met"
            ),
        ),
    ),
    Panel(
        "force",
        "Use of force and injuries",
        (
            Figure(
                "force",
                "Share of encounters with force used or injuries",
                "month",
                (
                    Column("use_of_force", "Force used", "numerator"),
                    Column("injuries", "Injuries", "numerator"),
                    Column("use_of_force", "People met", "denominator"),
                    Column("use_of_force", "Force, share", fmt=SHARE, chart=True),
                    Column("injuries", "Injuries, share", fmt=SHARE, chart=True),
                ),
                "line",
                "share",
            ),
        ),
    ),
    Panel(
        "referrals",
        "Referrals",
        (
            Figure(
                "referrals",
                "Referrals made, accepted and attended",
                "month",
                (
                    Column("referrals_made", "Made", chart=True),
                    Column("referrals_accepted", "Accepted", "numerator"),
                    Column("referrals_attended", "Attended", "numerator"),
                    Column("referrals_attended", "Attended, share", fmt=SHARE),
                ),
                "bar",
                "referrals",
            ),
        ),
    ),
    Panel(
        "followups",
        "Follow-ups completed on time",
        (
            _share_figure(
                "followups",
                "Follow-ups completed by their due time",
                "followups_on_time",
                "On time",
                "Due",
            ),
        ),
    ),
    Panel(
        "stepping-up",
        "Jail bookings of people with serious mental illness (Stepping Up)",
        (
            Figure(
                "stepping-up",
                "The four Stepping Up measures (from the jail bookings import)",
                "month",
                (
                    Column("su_smi_bookings", "People with SMI booked", chart=True),
                    Column("su_smi_length_of_stay", "Average stay, days", fmt=DECIMAL),
                    Column("su_smi_connected", "Connected to treatment", fmt=SHARE),
                    Column("su_smi_recidivism", "Returned within a year", fmt=SHARE),
                ),
                "bar",
                "people",
            ),
        ),
    ),
    Panel("cost", "Cost avoided", (), cost=True),
    Panel(
        "agencies",
        "By agency",
        (
            Figure(
                "agencies",
                "Figures by agency over the period",
                "agency_id",
                (
                    Column("bh_calls", "BH calls", drill=True, chart=True),
                    Column("bh_calls_clinician_assessed", "Assessed on site", fmt=SHARE),
                    Column("resolved_on_scene", "Resolved on scene", fmt=SHARE),
                    Column("diverted_from_jail", "Diverted from jail", "numerator", drill=True),
                    Column(
                        "diverted_from_hospital", "Diverted from hospital", "numerator", drill=True
                    ),
                ),
                "hbar",
                "BH calls",
            ),
        ),
    ),
)
FIGURES: dict[str, Figure] = {f.id: f for p in PANELS for f in p.figures}
# The outcomes cost avoided rests on, and the figures whose totals show them.
COST_METRICS = ("diverted_from_jail", "diverted_from_hospital", "officer_hours_returned")
COST_INPUTS = ("diverted-jail", "diverted-hospital", "officer-time")
COST_FIGURE = Figure(
    "cost",
    "Cost avoided: low, expected and high estimates",
    "component",
    tuple(Column("cost", level.title(), fmt=MONEY, chart=True) for level in LEVELS),
    "range",
    "USD",
)
COST_PARTS = {  # (the assumptions beside the table say what each part counts)
    "jail": "Jail and court",
    "hospital": "Hospital",
    "officer_time": "Officer time",
}
