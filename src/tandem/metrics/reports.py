"""The quarterly grant report: what a Justice and Mental Health Collaboration Program
(JMHCP) grantee tells its funder, for the whole program or one agency.

Each line of the report is a catalogue metric (or one category of a broken-down metric,
such as the disposition "involuntary hold"), so its definition is written once, in
`catalogue.py`, and printed beside it. Values come from `selectors.metric_values` for
the acting user, which limits them to the agencies the user may see and, for
aggregate-only roles, withholds small cells; the report never counts anything itself.
The report is shown as a page (`views_reports`) and written as CSV and PDF (`report_files`).

BJA's current performance-measure questionnaire for JMHCP could not be retrieved
(standards section 4); the lines follow its typical items (behavioral-health calls,
calls handled by co-responders, people referred and connected, arrests and diversions,
emergency department transports and holds, force and injuries), with the CSG call and
outcome measures and the Stepping Up measures. Officers trained are not recorded here.
"""

from __future__ import annotations

import re
from calendar import month_name
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from django.utils import timezone
from ibis.backends import BaseBackend

from tandem.accounts.models import Membership, User
from tandem.accounts.roles import Role
from tandem.agencies.models import Agency, AgencyKind, ProgramModel
from tandem.encounters.models import Disposition
from tandem.metrics.catalogue import BY_ID, SHARE_UNIT, Metric
from tandem.metrics.costs import CostAvoided
from tandem.metrics.engine import Filters
from tandem.metrics.selectors import (
    SMALL_CELL,
    MetricValue,
    cost_avoided_for,
    metric_values,
    sees_whole_region,
    snapshot_taken_at,
    suppresses_small_cells,
)
from tandem.privacy.segments import AGGREGATE
from tandem.privacy.services import audit_record

# --- Quarters ---------------------------------------------------------------------------

QUARTER = re.compile(r"^(\d{4})-Q(\d+)$", re.IGNORECASE)


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    number: int  # 1 to 4

    @classmethod
    def parse(cls, text: str) -> Quarter:
        """'2026-Q3' -> Quarter(2026, 3), with an error that says what was wrong."""
        text = (text or "").strip()
        if not text:
            raise ValueError("quarter is required, as YYYY-Qn, for example 2026-Q3")
        match = QUARTER.match(text)
        if not match:
            raise ValueError(
                f"quarter must look like 2026-Q3 (year, -Q, 1 to 4); got “{text[:20]}”"
            )
        year, number = int(match[1]), int(match[2])
        if not 1 <= number <= 4:
            raise ValueError(f"quarter must be Q1–Q4; got “{text}”")
        if not 1990 <= year <= 2100:
            raise ValueError(f"quarter's year must be from 1990 to 2100; got {year}")
        return cls(year, number)

    @classmethod
    def containing(cls, day: date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def last_complete(cls, today: date | None = None) -> Quarter:
        """The quarter before today's: the one a report is due for."""
        return cls.containing(today or timezone.localdate()).previous()

    def previous(self) -> Quarter:
        return (
            Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)
        )

    @property
    def months(self) -> tuple[date, date, date]:
        first = 3 * self.number - 2
        return tuple(date(self.year, first + i, 1) for i in range(3))  # type: ignore[return-value]

    @property
    def start(self) -> date:
        return self.months[0]

    @property
    def end(self) -> date:
        """The first day of the last month (Filters count whole months)."""
        return self.months[-1]

    @property
    def period(self) -> str:
        first, last = self.months[0], self.months[-1]
        return f"{month_name[first.month]}–{month_name[last.month]} {self.year}"

    def __str__(self) -> str:
        return f"{self.year}-Q{self.number}"


# --- Scope: the whole program or one agency ---------------------------------------------

PROGRAM = "program"


@dataclass(frozen=True)
class Scope:
    key: str  # PROGRAM or an agency's code
    label: str
    agency_ids: tuple[int, ...] | None  # None: every agency the user may see

    def filters(self, start: date, end: date) -> Filters:
        return Filters(start=start, end=end, visible_agency_ids=self.agency_ids)


def scopes_for(actor) -> list[Scope]:
    """What the actor may report on: the program (everything they see), then each agency."""
    if sees_whole_region(actor):
        admin = Agency.objects.filter(kind=AgencyKind.REGIONAL_ADMIN).order_by("pk").first()
        program = f"{admin.name}: whole program" if admin else "Whole program"
        agencies = Agency.objects.exclude(kind=AgencyKind.REGIONAL_ADMIN)
    else:
        program = "All your agencies"
        agencies = Agency.objects.filter(pk__in=actor.agency_ids())
    scopes = [Scope(a.code, a.name, (a.pk,)) for a in agencies.order_by("name")]
    if len(scopes) == 1:
        return scopes
    return [Scope(PROGRAM, program, None), *scopes]


def scheduled_reader():
    """Whom a scheduled report is computed for: an analyst of the regional administrator,
    never saved, so the file is de-identified as any aggregate-only role's would be."""
    admin = Agency.objects.filter(kind=AgencyKind.REGIONAL_ADMIN).order_by("pk").first()
    if admin is None:
        raise ValueError("no regional administrator agency: load the program file first")
    reader = User(username="scheduled-report", first_name="Tandem", last_name="(scheduled run)")
    reader._memberships = [Membership(owning_agency=admin, role=Role.ANALYST)]
    return reader


def scope_get(actor, key: str) -> Scope:
    for scope in scopes_for(actor):
        if scope.key == key:
            return scope
    # The same answer for an agency that does not exist and one the actor may not see.
    raise ValueError("scope must be the whole program or one of the agencies listed")


# --- The lines of the report ------------------------------------------------------------


@dataclass(frozen=True)
class Measure:
    """A line: a catalogue metric, or one category of a metric broken down."""

    metric_id: str
    label: str = ""  # the catalogue name unless given
    category: str = ""  # a value of the metric's always_by dimension

    @property
    def id(self) -> str:
        return f"{self.metric_id}:{self.category}" if self.category else self.metric_id

    @property
    def metric(self) -> Metric:
        return BY_ID[self.metric_id]

    @property
    def name(self) -> str:
        return self.label or self.metric.name


TEAM_LABELS = {
    ProgramModel.RIDE_ALONG: "Calls handled by ride-along co-responder teams",
    ProgramModel.ON_CALL: "Calls handled by on-call clinicians",
    ProgramModel.CLINICIAN_ONLY: "Calls handled by clinician-only teams",
    ProgramModel.NAVIGATOR: "Calls handled by navigators",
    ProgramModel.FLOATER: "Calls handled by floater clinicians",
    ProgramModel.TELEHEALTH: "Calls handled by tele-behavioral-health clinicians",
}


def _disposition(value: str, label: str) -> Measure:
    return Measure("encounters_by_disposition", label, value)


SECTIONS: tuple[tuple[str, tuple[Measure, ...]], ...] = (
    (
        "Calls for service",
        (
            Measure("bh_calls"),
            Measure("calls_identified_for_team"),
            Measure("calls_responded", "Calls a team responded to on scene"),
            *(Measure("calls_by_program_model", label, m) for m, label in TEAM_LABELS.items()),
            Measure("bh_calls_clinician_assessed"),
        ),
    ),
    (
        "People served",
        (
            Measure("unique_people_served"),
            Measure("people_with_repeat_calls"),
            Measure("calls_per_person"),
        ),
    ),
    (
        "Referral and connection to services",
        (
            Measure("referrals_made"),
            Measure("people_referred", "People given a referral"),
            Measure("people_connected", "People connected to services"),
            Measure("referrals_accepted"),
            Measure("referrals_attended"),
            Measure("people_declined_referral", "People who declined referrals"),
            Measure("followups_on_time"),
        ),
    ),
    (
        "Arrests and diversion from jail",
        (
            Measure("diverted_from_jail"),
            Measure("arrests_per_encounter", "Encounters ending in arrest"),
            _disposition(Disposition.ARREST, "Arrests with charges"),
            _disposition(Disposition.CITATION, "Citations"),
            Measure("charges_per_encounter", "Encounters with charges"),
        ),
    ),
    (
        "Emergency department transports and holds",
        (
            _disposition(Disposition.TRANSPORT_ED, "Transports to an emergency department"),
            _disposition(Disposition.TRANSPORT_CRISIS_CENTER, "Transports to a crisis center"),
            _disposition(Disposition.INVOLUNTARY_HOLD, "Involuntary holds"),
            Measure("diverted_from_hospital"),
        ),
    ),
    (
        "Use of force and injuries",
        (
            Measure("use_of_force", "Encounters with use of force"),
            Measure("injuries", "Encounters with injuries"),
        ),
    ),
    (
        "Response and resolution",
        (
            Measure("request_to_arrival_p50"),
            Measure("request_to_arrival_p90"),
            Measure("dispatch_to_arrival_p50"),
            Measure("time_on_scene_p50"),
            Measure("resolved_on_scene"),
            Measure("officer_hours_returned"),
        ),
    ),
    (
        "Jail (Stepping Up)",
        (
            Measure("su_smi_bookings"),
            Measure("su_smi_length_of_stay"),
            Measure("su_smi_connected"),
            Measure("su_smi_recidivism"),
        ),
    ),
)
MEASURES: tuple[Measure, ...] = tuple(m for _, measures in SECTIONS for m in measures)
# The monthly trend charts: volume, and outcomes as shares.
TREND_COUNTS = ("bh_calls", "calls_responded")
TREND_SHARES = ("resolved_on_scene", "diverted_from_jail", "arrests_per_encounter")
TREND_MONTHS = 12
NOT_RECORDED = (
    "Officers trained: Tandem does not hold training records; report this from the "
    "training unit's records."
)


@dataclass(frozen=True)
class Line:
    measure: Measure
    section: str
    current: MetricValue
    previous: MetricValue

    @property
    def unit(self) -> str:
        return self.measure.metric.unit


@dataclass
class GrantReport:
    quarter: Quarter
    scope: Scope
    lines: list[Line]
    trend: list[MetricValue]  # TREND_COUNTS and TREND_SHARES by month, 12 months
    cost: CostAvoided | None  # None when a count it rests on is suppressed
    suppressed_cells: bool  # small cells are withheld for this reader
    prepared_by: str
    generated_at: datetime
    data_as_of: datetime | None
    notes: list[str] = field(default_factory=lambda: [NOT_RECORDED])

    @property
    def trend_months(self) -> list[date]:
        return [_add_months(self.quarter.end, n) for n in range(1 - TREND_MONTHS, 1)]

    def sections(self) -> list[tuple[str, list[Line]]]:
        return [(title, [ln for ln in self.lines if ln.section == title]) for title, _ in SECTIONS]

    def line(self, measure_id: str) -> Line:
        return next(ln for ln in self.lines if ln.measure.id == measure_id)

    @property
    def title(self) -> str:
        return f"Quarterly grant report {self.quarter}"

    @property
    def subtitle(self) -> str:
        return f"{self.scope.label} · {self.quarter.period}"

    @property
    def filename(self) -> str:
        return f"grant-report-{self.quarter}-{self.scope.key}"


def grant_report(
    actor, quarter: Quarter, scope: Scope, *, con: BaseBackend | None = None
) -> GrantReport:
    """The report for `actor`: this quarter and the previous one, and a year of months.
    `con` is a DuckDB connection over a snapshot; by default the current one."""
    ids = list(dict.fromkeys(m.metric_id for m in MEASURES))
    now_filters = scope.filters(quarter.start, quarter.end)
    before = quarter.previous()
    current = _by_line(metric_values(actor, ids, now_filters, con=con))
    previous = _by_line(metric_values(actor, ids, scope.filters(before.start, before.end), con=con))
    lines = [
        Line(m, title, _value_of(current, m), _value_of(previous, m))
        for title, measures in SECTIONS
        for m in measures
    ]
    first_month = _add_months(quarter.end, 1 - TREND_MONTHS)
    trend = metric_values(
        actor,
        [*TREND_COUNTS, *TREND_SHARES],
        scope.filters(first_month, quarter.end),
        group_by=["month"],
        con=con,
    )
    as_of = snapshot_taken_at() if con is None else None
    return GrantReport(
        quarter=quarter,
        scope=scope,
        lines=lines,
        trend=trend,
        cost=cost_avoided_for(actor, now_filters, con=con),
        suppressed_cells=suppresses_small_cells(actor),
        prepared_by=_who(actor),
        generated_at=timezone.localtime(),
        data_as_of=timezone.localtime(datetime.fromtimestamp(as_of, UTC)) if as_of else None,
    )


def _by_line(values: Iterable[MetricValue]) -> dict[str, MetricValue]:
    out = {}
    for v in values:
        category = next(iter(v.group.values()), "") if v.group else ""
        out[f"{v.metric_id}:{category}" if category else v.metric_id] = v
    return out


def _value_of(values: dict[str, MetricValue], m: Measure) -> MetricValue:
    """A category with no rows is a count of zero, not a gap."""
    found = values.get(m.id)
    if found is not None:
        return found
    return MetricValue(m.metric_id, {}, 0.0, None, 0.0, 0)


def _add_months(d: date, n: int) -> date:
    index = d.year * 12 + d.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def _who(actor) -> str:
    m = actor.primary_membership
    name = actor.get_full_name() or actor.username
    return f"{name}, {m.get_role_display()}, {m.owning_agency.name}" if m else name


# --- Showing values ---------------------------------------------------------------------

SUPPRESSED = f"fewer than {SMALL_CELL} people"
NO_DATA = "no data"
COUNT_UNITS = {"calls", "people", "encounters", "referrals"}


def shown(v: MetricValue, unit: str) -> str:
    """A value as a reader sees it: "62.5% (25 of 40)", "1,204", "14.0 min"."""
    if v.suppressed:
        return SUPPRESSED
    if v.value is None:
        return NO_DATA
    x = v.value
    if unit == SHARE_UNIT:
        return f"{x * 100:.1f}% ({v.numerator:,.0f} of {v.denominator:,.0f})"
    if unit in COUNT_UNITS:
        return f"{x:,.0f}"
    if unit == "minutes":
        return f"{x:,.1f} min"
    if unit == "hours":
        return f"{x:,.1f} h"
    if unit == "days":
        return f"{x:,.1f} days"
    return f"{x:,.2f}"


def change(line: Line) -> str:
    """This quarter against the last: "+12", "−3.5 pts", "" when either is missing."""
    now, then = line.current, line.previous
    if now.suppressed or then.suppressed or now.value is None or then.value is None:
        return ""
    delta = now.value - then.value
    if line.unit == SHARE_UNIT:
        size, suffix = f"{abs(delta) * 100:.1f}", " pts"
    elif line.unit in COUNT_UNITS:
        size, suffix = f"{abs(delta):,.0f}", ""
    elif line.unit in ("minutes", "hours", "days"):
        size, suffix = f"{abs(delta):,.1f}", ""
    else:
        size, suffix = f"{abs(delta):,.2f}", ""
    if not size.strip("0.,"):  # no change at the precision shown
        return "0"
    return f"{'+' if delta > 0 else '−'}{size}{suffix}"


def money(amount: float, currency: str) -> str:
    return f"${amount:,.0f}" if currency == "USD" else f"{amount:,.0f} {currency}"


def deidentification_statement(report: GrantReport) -> str:
    if report.suppressed_cells:
        return (
            "De-identified: no names, dates of birth, addresses or case narratives are "
            f"included. Any figure resting on fewer than {SMALL_CELL} people is withheld "
            f"and shown as “{SUPPRESSED}”; a zero is shown as zero."
        )
    return (
        "No names, dates of birth, addresses or case narratives are included. This copy "
        "was prepared by a user with case-level access, so figures resting on fewer than "
        f"{SMALL_CELL} people are shown: have an analyst or the regional administrator "
        "prepare the copy sent outside the program."
    )


def report_export_record(*, actor, report: GrantReport, file_format: str, agency_id=None) -> None:
    """A download of the report is an audit event: who took which figures out, and how.
    A scheduled run has no user: `actor` is None and `agency_id` the administrator."""
    cells = "small cells withheld" if report.suppressed_cells else "small cells shown"
    audit_record(
        actor=actor,
        action="export",
        segments=(AGGREGATE,),
        reason=f"Grant report {report.quarter}, {report.scope.label}, as {file_format} ({cells})",
        agency_id=agency_id,
    )
