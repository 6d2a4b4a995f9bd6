"""The metric catalogue: every metric a program reports, defined once.

Each `Metric` names its fact table (`facts.py`), the rows it counts (`population`),
what it counts among them (`flag` or `column`) and how (`kind`); `engine.aggregate`
turns that into one Ibis expression, which runs on DuckDB or Spark unchanged.
`docs/metrics.md` is rendered from this list (`tandem metrics-doc`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ibis.expr.types import BooleanValue, NumericValue, Table

# Kinds: how the numerator and denominator are formed (engine.aggregate).
COUNT = "count"  # rows where flag
DISTINCT_PEOPLE = "distinct_people"  # distinct people among rows where flag
SHARE = "share"  # rows where flag / rows
PER_PERSON = "per_person"  # rows / distinct people
REPEAT_PEOPLE = "repeat_people"  # people with two or more rows / people
RATIO = "ratio"  # sum(column) / sum(per)
QUANTILE = "quantile"  # q-th quantile of column
SUM = "sum"  # sum(column)
MEAN = "mean"  # sum(column) / rows with a value

# Sources, cited by key (standards.md section 4 of the product brief).
SOURCES: dict[str, str] = {
    "csg": 'CSG Justice Center, *Expanding First Response* toolkit, "Use of Data to '
    'Inform Decision-Making" '
    "(https://csgjusticecenter.org/publications/expanding-first-response/the-toolkit/"
    "use-of-data-to-inform-decision-making/): call-response and outcome metrics.",
    "csg5": 'CSG Justice Center, "5 Solutions ... Behavioral Health Calls for Service": a '
    "consistent behavioral-health flag in CAD, post-call type updates, outcome recording.",
    "pmhc": 'BJA Police-Mental Health Collaboration toolkit, "Measuring performance" '
    "(https://bja.ojp.gov/program/pmhc/measuring-performance): dispositions, time per call.",
    "jmhcp": "BJA JMHCP performance measures (typical items; the current questionnaire "
    "could not be retrieved and must be checked before a grant export) [U].",
    "stepping_up": "Stepping Up Four Key Measures (CSG Justice Center, NACo, APA "
    'Foundation), https://stepuptogether.org/explore/get-started/ and "In Focus: Collecting '
    'and Analyzing Baseline Data" (2019). Windows (1-year recidivism) are [U].',
    "tandem": "Tandem's own operational measure (no external definition).",
}

Predicate = Callable[[Table], BooleanValue]
Column = Callable[[Table], NumericValue]


@dataclass(frozen=True)
class Metric:
    id: str
    name: str
    definition: str
    numerator: str
    denominator: str
    unit: str
    fact: str
    kind: str
    fields: tuple[str, ...]
    sources: tuple[str, ...]
    population: Predicate | None = None
    flag: Predicate | None = None
    column: Column | None = None
    per: Column | None = None
    quantile: float | None = None
    scale: float = 1.0  # multiplies a quantile (seconds to minutes) after it is taken
    # Dimensions the metric is always broken down by (its value is per category).
    always_by: tuple[str, ...] = ()
    notes: str = ""
    group: str = field(default="")


MINUTES = "minutes"
CALLS, ENCOUNTERS, PEOPLE, SHARE_UNIT = "calls", "encounters", "people", "share (0-1)"

_BH: Predicate = lambda t: t.behavioral_health  # noqa: E731
_MET: Predicate = lambda t: t.met  # noqa: E731


def _response(name: str, label: str, q: float, start: str, end: str) -> Metric:
    pct = "median" if q == 0.5 else f"{round(q * 100)}th percentile"
    return Metric(
        id=f"{name}_p{round(q * 100)}",
        name=f"{label}, {pct}",
        definition=f"The {pct} of the minutes from {start} to {end} on each call, over calls "
        f"where both times are recorded (a call with no arrival time, a cancelled one among "
        f"them, is left out, not counted as zero). The first team assigned and the first "
        f"team on scene are used.",
        numerator=f"{pct} of minutes from {start} to {end}",
        denominator="calls with both times recorded",
        unit=MINUTES,
        fact="call_facts",
        kind=QUANTILE,
        column=lambda t: t[name],
        quantile=q,
        scale=1 / 60,
        fields=(
            "dispatch_call.received_at",
            "dispatch_assignment.assigned_at",
            "dispatch_assignment.on_scene_at",
        ),
        sources=("pmhc", "csg"),
        group="Response",
    )


METRICS: tuple[Metric, ...] = (
    # --- Calls -------------------------------------------------------------------------
    Metric(
        id="bh_calls",
        name="Behavioral-health calls",
        definition="Calls for service flagged as having a behavioral-health nexus (mental "
        "health or substance use), at intake or after recoding, cancelled calls included.",
        numerator="calls with the behavioral-health flag",
        denominator="(a count)",
        unit=CALLS,
        fact="call_facts",
        kind=COUNT,
        flag=_BH,
        fields=("dispatch_call.behavioral_health", "dispatch_call.received_at"),
        sources=("csg5", "jmhcp", "pmhc"),
        group="Calls",
    ),
    Metric(
        id="calls_identified_for_team",
        name="Calls identified for team dispatch",
        definition="Calls whose triage recommended a team response (co-responder, "
        "clinician-only or clinician call-out) or that a team was assigned to.",
        numerator="calls recommended for or assigned to a team",
        denominator="(a count)",
        unit=CALLS,
        fact="call_facts",
        kind=COUNT,
        flag=lambda t: t.identified_for_team,
        fields=("dispatch_call.recommended_mode", "dispatch_assignment.call_id"),
        sources=("csg",),
        group="Calls",
    ),
    Metric(
        id="calls_responded",
        name="Calls for service responded to",
        definition="Calls where a team arrived on scene (an assignment with an on-scene "
        "time). Cancelled calls and calls with no arrival recorded are not counted.",
        numerator="calls with a team on scene",
        denominator="(a count)",
        unit=CALLS,
        fact="call_facts",
        kind=COUNT,
        flag=lambda t: t.responded,
        fields=("dispatch_assignment.on_scene_at",),
        sources=("csg", "jmhcp"),
        group="Calls",
    ),
    Metric(
        id="bh_calls_clinician_assessed",
        name="Behavioral-health calls with an on-site clinician assessment",
        definition="Share of behavioral-health calls where a clinician assessed the person "
        "on site (or by tablet video) in a submitted encounter. Cancelled calls (every "
        "encounter on the call has the disposition `cancelled`) are left out of both parts.",
        numerator="BH calls with a submitted encounter marked clinician_assessed",
        denominator="BH calls, not cancelled",
        unit=SHARE_UNIT,
        fact="call_facts",
        kind=SHARE,
        population=lambda t: t.behavioral_health & ~t.cancelled,
        flag=lambda t: t.assessed,
        fields=(
            "dispatch_call.behavioral_health",
            "encounters_encounter.clinician_assessed",
            "encounters_encounter.status",
            "encounters_encounter.disposition",
        ),
        sources=("jmhcp", "pmhc"),
        group="Calls",
    ),
    Metric(
        id="calls_by_program_model",
        name="Calls handled by each program model",
        definition="Distinct calls a team of each program model (ride-along, on-call "
        "clinician, clinician-only, navigator, floater, tele-health) was assigned to. A call "
        "answered by teams of two models counts once under each; two teams of one model "
        "count it once.",
        numerator="distinct calls with an assignment of a team of the model",
        denominator="(a count)",
        unit=CALLS,
        fact="assignment_facts",
        kind=COUNT,
        flag=lambda t: t.first_of_model,
        always_by=("program_model",),
        fields=("dispatch_assignment.call_id", "agencies_team.program_model"),
        sources=("jmhcp", "tandem"),
        group="Calls",
    ),
    # --- People ------------------------------------------------------------------------
    Metric(
        id="unique_people_served",
        name="Unique people served",
        definition="Distinct people met in a submitted encounter (the disposition is not "
        "blank, unable to locate or cancelled) with a person record linked.",
        numerator="distinct linked people in met encounters",
        denominator="(a count)",
        unit=PEOPLE,
        fact="encounter_facts",
        kind=DISTINCT_PEOPLE,
        population=lambda t: t.met & t.person_id.notnull(),
        fields=("encounters_encounter.person_id", "encounters_encounter.disposition"),
        sources=("csg",),
        group="People",
    ),
    Metric(
        id="calls_per_person",
        name="Calls per person",
        definition="Calls about an identified person divided by the distinct people they "
        "were about: how often the same people call back.",
        numerator="calls with a subject",
        denominator="distinct subjects",
        unit="calls per person",
        fact="call_facts",
        kind=PER_PERSON,
        population=lambda t: t.person_id.notnull(),
        fields=("dispatch_call.subject_id",),
        sources=("csg",),
        group="People",
    ),
    Metric(
        id="people_with_repeat_calls",
        name="People with repeat calls",
        definition="Distinct identified people who were the subject of two or more calls "
        "in the period (within each group when broken down).",
        numerator="people with two or more calls",
        denominator="people with a call",
        unit=PEOPLE,
        fact="call_facts",
        kind=REPEAT_PEOPLE,
        population=lambda t: t.person_id.notnull(),
        fields=("dispatch_call.subject_id",),
        sources=("csg",),
        group="People",
    ),
    # --- Response ----------------------------------------------------------------------
    _response("request_to_dispatch", "Request to dispatch", 0.5, "the call", "dispatch"),
    _response("request_to_dispatch", "Request to dispatch", 0.9, "the call", "dispatch"),
    _response("dispatch_to_arrival", "Dispatch to arrival", 0.5, "dispatch", "arrival"),
    _response("dispatch_to_arrival", "Dispatch to arrival", 0.9, "dispatch", "arrival"),
    _response("request_to_arrival", "Request to arrival", 0.5, "the call", "arrival"),
    _response("request_to_arrival", "Request to arrival", 0.9, "the call", "arrival"),
    Metric(
        id="time_on_scene_p50",
        name="Time on scene, median",
        definition="Median minutes on scene per submitted encounter: the minutes a "
        "responder entered, else end minus start time. Encounters with neither are left out.",
        numerator="median minutes on scene",
        denominator="encounters with a time on scene",
        unit=MINUTES,
        fact="encounter_facts",
        kind=QUANTILE,
        quantile=0.5,
        column=lambda t: t.minutes_on_scene,
        fields=(
            "encounters_encounter.minutes_on_scene",
            "encounters_encounter.started_at",
            "encounters_encounter.ended_at",
        ),
        sources=("pmhc",),
        group="Response",
    ),
    Metric(
        id="officer_hours_returned",
        name="Officer time returned to patrol",
        definition="Hours between the officer returning to patrol and the team clearing the "
        "call, summed over assignments where the officer left the clinician on scene.",
        numerator="hours from officer_returned_at to cleared_at",
        denominator="assignments with the officer returned early",
        unit="hours",
        fact="assignment_facts",
        kind=SUM,
        column=lambda t: t.officer_returned_hours,
        fields=("dispatch_assignment.officer_returned_at", "dispatch_assignment.cleared_at"),
        sources=("tandem", "pmhc"),
        group="Response",
    ),
    # --- Outcomes ----------------------------------------------------------------------
    Metric(
        id="encounters_by_disposition",
        name="Dispositions",
        definition="Submitted encounters by standard disposition (a program's local codes "
        "are counted as the standard value they map to). A call with several encounters "
        "(several people, or several teams) counts each encounter's disposition.",
        numerator="submitted encounters with the disposition",
        denominator="(a count)",
        unit=ENCOUNTERS,
        fact="encounter_facts",
        kind=COUNT,
        always_by=("disposition",),
        fields=("encounters_encounter.disposition", "encounters_encounter.status"),
        sources=("pmhc", "jmhcp"),
        group="Outcomes",
    ),
    Metric(
        id="resolved_on_scene",
        name="Encounters resolved on scene",
        definition="Share of met encounters whose disposition is resolved on scene.",
        numerator="met encounters resolved on scene",
        denominator="met encounters (disposition not blank, unable to locate or cancelled)",
        unit=SHARE_UNIT,
        fact="encounter_facts",
        kind=SHARE,
        population=_MET,
        flag=lambda t: t.disposition == "resolved_on_scene",
        fields=("encounters_encounter.disposition",),
        sources=("csg",),
        group="Outcomes",
    ),
    Metric(
        id="diverted_from_jail",
        name="Encounters diverted from jail",
        definition="Share of met encounters where an arrest was a lawful option (marked by "
        "the officer, or an offence call type) that ended without arrest or citation "
        "(`diverted_from_jail`; the rule is under Diversion rules below).",
        numerator="encounters flagged diverted_from_jail",
        denominator="met encounters where an arrest was an option",
        unit=SHARE_UNIT,
        fact="encounter_facts",
        kind=SHARE,
        population=lambda t: t.met & t.arrest_option,
        flag=lambda t: t.diverted_from_jail,
        fields=(
            "encounters_encounter.diverted_from_jail",
            "encounters_encounter.arrestable_offence",
            "dispatch_call.apco_code",
        ),
        sources=("csg", "jmhcp", "stepping_up"),
        group="Outcomes",
    ),
    Metric(
        id="diverted_from_hospital",
        name="Encounters diverted from hospital",
        definition="Share of met encounters flagged `diverted_from_hospital`: a hospital was "
        "indicated and the person got care in the community instead (rule below). The "
        "denominator is all met encounters, because whether a hospital was indicated rests "
        "partly on screening results, which are clinical and are not in the metrics snapshot.",
        numerator="encounters flagged diverted_from_hospital",
        denominator="met encounters",
        unit=SHARE_UNIT,
        fact="encounter_facts",
        kind=SHARE,
        population=_MET,
        flag=lambda t: t.diverted_from_hospital,
        fields=("encounters_encounter.diverted_from_hospital",),
        sources=("pmhc", "jmhcp"),
        group="Outcomes",
    ),
    Metric(
        id="arrests_per_encounter",
        name="Arrests per encounter",
        definition="Share of met encounters ending in arrest with charges.",
        numerator="met encounters with disposition arrest",
        denominator="met encounters",
        unit=SHARE_UNIT,
        fact="encounter_facts",
        kind=SHARE,
        population=_MET,
        flag=lambda t: t.arrested,
        fields=("encounters_encounter.disposition",),
        sources=("jmhcp",),
        group="Justice",
    ),
    Metric(
        id="charges_per_encounter",
        name="Charges per encounter",
        definition="Share of met encounters where charges were brought: an arrest, a "
        "citation, or charges recorded by the officer (only whether there are charges is "
        "read, never their text).",
        numerator="met encounters with arrest, citation or charges recorded",
        denominator="met encounters",
        unit=SHARE_UNIT,
        fact="encounter_facts",
        kind=SHARE,
        population=_MET,
        flag=lambda t: t.charged,
        fields=("encounters_encounter.disposition", "encounters_encounter.charges (blank or not)"),
        sources=("jmhcp",),
        group="Justice",
    ),
    Metric(
        id="arrests_per_referral",
        name="Arrests per referral",
        definition="Arrests divided by referrals made, both from the same met encounters: "
        "how often the program reaches for jail against how often it reaches for services.",
        numerator="met encounters with disposition arrest",
        denominator="referrals made from met encounters",
        unit="arrests per referral",
        fact="encounter_facts",
        kind=RATIO,
        population=_MET,
        column=lambda t: t.arrested.cast("int64"),
        per=lambda t: t.referrals,
        fields=("encounters_encounter.disposition", "referrals_referral.encounter_id"),
        sources=("jmhcp",),
        group="Justice",
    ),
    Metric(
        id="charges_per_referral",
        name="Charges per referral",
        definition="Encounters with charges divided by referrals made from the same met "
        "encounters.",
        numerator="met encounters with charges",
        denominator="referrals made from met encounters",
        unit="charged encounters per referral",
        fact="encounter_facts",
        kind=RATIO,
        population=_MET,
        column=lambda t: t.charged.cast("int64"),
        per=lambda t: t.referrals,
        fields=("encounters_encounter.disposition", "referrals_referral.encounter_id"),
        sources=("jmhcp",),
        group="Justice",
    ),
    Metric(
        id="use_of_force",
        name="Use of force",
        definition="Share of met encounters where reportable force was used.",
        numerator="met encounters with force_used",
        denominator="met encounters",
        unit=SHARE_UNIT,
        fact="encounter_facts",
        kind=SHARE,
        population=_MET,
        flag=lambda t: t.force_used,
        fields=("encounters_encounter.force_used",),
        sources=("jmhcp",),
        group="Justice",
    ),
    Metric(
        id="injuries",
        name="Injuries",
        definition="Share of met encounters where anyone was injured.",
        numerator="met encounters with injuries",
        denominator="met encounters",
        unit=SHARE_UNIT,
        fact="encounter_facts",
        kind=SHARE,
        population=_MET,
        flag=lambda t: t.injuries,
        fields=("encounters_encounter.injuries",),
        sources=("jmhcp",),
        group="Justice",
    ),
    # --- Referrals and follow-up -------------------------------------------------------
    Metric(
        id="referrals_made",
        name="Referrals made",
        definition="Referrals sent to a service, by the month sent.",
        numerator="referrals",
        denominator="(a count)",
        unit="referrals",
        fact="referral_facts",
        kind=COUNT,
        fields=("referrals_referral.sent_at",),
        sources=("jmhcp", "csg"),
        group="Referrals",
    ),
    Metric(
        id="people_referred",
        name="Unique people given a referral",
        definition="Distinct people with a referral sent in the period.",
        numerator="distinct people referred",
        denominator="(a count)",
        unit=PEOPLE,
        fact="referral_facts",
        kind=DISTINCT_PEOPLE,
        fields=("referrals_referral.person_id",),
        sources=("csg",),
        group="Referrals",
    ),
    Metric(
        id="people_connected",
        name="Unique people connected to services",
        definition="Distinct people with a referral sent in the period who attended its "
        "first appointment (the loop closed), whatever the month they attended.",
        numerator="distinct people with an attended referral",
        denominator="(a count)",
        unit=PEOPLE,
        fact="referral_facts",
        kind=DISTINCT_PEOPLE,
        population=lambda t: t.attended & t.person_id.notnull(),
        fields=("referrals_referral.person_id", "referrals_referral.status"),
        sources=("jmhcp", "csg"),
        group="Referrals",
    ),
    Metric(
        id="people_declined_referral",
        name="Unique people who declined referrals",
        definition="Distinct people in submitted encounters who declined services (the "
        "disposition) or declined a referral made from the encounter.",
        numerator="distinct linked people who declined",
        denominator="(a count)",
        unit=PEOPLE,
        fact="encounter_facts",
        kind=DISTINCT_PEOPLE,
        population=lambda t: t.declined_referral & t.person_id.notnull(),
        fields=("encounters_encounter.disposition", "referrals_referral.status"),
        sources=("csg",),
        group="Referrals",
    ),
    Metric(
        id="referrals_accepted",
        name="Referrals accepted",
        definition="Share of referrals the receiving service accepted (current status "
        "accepted, attended or no-show; a referral that later closed as declined or "
        "unable to reach is not counted).",
        numerator="referrals accepted, attended or no-show",
        denominator="referrals made",
        unit=SHARE_UNIT,
        fact="referral_facts",
        kind=SHARE,
        flag=lambda t: t.accepted,
        fields=("referrals_referral.status",),
        sources=("jmhcp", "tandem"),
        group="Referrals",
    ),
    Metric(
        id="referrals_attended",
        name="Referrals attended",
        definition="Share of referrals where the person attended the first appointment "
        "(the loop closed).",
        numerator="referrals attended",
        denominator="referrals made",
        unit=SHARE_UNIT,
        fact="referral_facts",
        kind=SHARE,
        flag=lambda t: t.attended,
        fields=("referrals_referral.status",),
        sources=("jmhcp", "tandem"),
        group="Referrals",
    ),
    Metric(
        id="followups_on_time",
        name="Follow-ups completed within their due time",
        definition="Share of follow-up tasks completed by their due time, among tasks that "
        "are due (or were completed early), by the month due. Tasks closed without "
        "completion (unable to reach, declined) count against it.",
        numerator="tasks done with completed_at <= due_at",
        denominator="tasks due by the snapshot time, or completed",
        unit=SHARE_UNIT,
        fact="followup_facts",
        kind=SHARE,
        population=lambda t: t.counted,
        flag=lambda t: t.on_time,
        fields=(
            "followups_followup.status",
            "followups_followup.due_at",
            "followups_followup.completed_at",
        ),
        sources=("tandem",),
        group="Referrals",
    ),
    # --- Stepping Up (jail bookings import) --------------------------------------------
    Metric(
        id="su_smi_bookings",
        name="People with SMI booked into jail (Stepping Up 1)",
        definition="Distinct people booked into jail who were identified at booking as "
        "having a serious mental illness (screening plus clinical assessment).",
        numerator="distinct people with an SMI booking",
        denominator="(a count)",
        unit=PEOPLE,
        fact="booking_facts",
        kind=DISTINCT_PEOPLE,
        population=lambda t: t.smi,
        fields=("jail_bookings.smi", "jail_bookings.person_id", "jail_bookings.booked_at"),
        sources=("stepping_up",),
        notes="Needs a jail bookings import (`tandem import FILE --profile county-jail`).",
        group="Stepping Up",
    ),
    Metric(
        id="su_smi_length_of_stay",
        name="Average length of stay of people with SMI (Stepping Up 2)",
        definition="Mean days from booking to release over released SMI bookings.",
        numerator="days in jail, summed",
        denominator="released SMI bookings",
        unit="days",
        fact="booking_facts",
        kind=MEAN,
        population=lambda t: t.smi,
        column=lambda t: t.length_of_stay_days,
        fields=("jail_bookings.booked_at", "jail_bookings.released_at", "jail_bookings.smi"),
        sources=("stepping_up",),
        notes="Needs the jail bookings import.",
        group="Stepping Up",
    ),
    Metric(
        id="su_smi_connected",
        name="People with SMI connected to treatment (Stepping Up 3)",
        definition="Share of SMI bookings where the person was connected to treatment "
        "(as the jail's import records it).",
        numerator="SMI bookings connected to treatment",
        denominator="SMI bookings",
        unit=SHARE_UNIT,
        fact="booking_facts",
        kind=SHARE,
        population=lambda t: t.smi,
        flag=lambda t: t.connected_to_treatment,
        fields=("jail_bookings.connected_to_treatment", "jail_bookings.smi"),
        sources=("stepping_up",),
        notes="Needs the jail bookings import.",
        group="Stepping Up",
    ),
    Metric(
        id="su_smi_recidivism",
        name="Recidivism of people with SMI (Stepping Up 4)",
        definition="Share of released SMI bookings followed by another booking of the same "
        "person within 365 days of release, over releases at least 365 days before the "
        "snapshot (so each was watched for a full year).",
        numerator="released SMI bookings rebooked within a year",
        denominator="SMI bookings released a year or more ago",
        unit=SHARE_UNIT,
        fact="booking_facts",
        kind=SHARE,
        population=lambda t: t.smi & t.watched_a_year,
        flag=lambda t: t.rebooked_within_year,
        fields=("jail_bookings.person_id", "jail_bookings.booked_at", "jail_bookings.released_at"),
        sources=("stepping_up",),
        notes="Needs the jail bookings import.",
        group="Stepping Up",
    ),
)

BY_ID: dict[str, Metric] = {m.id: m for m in METRICS}
assert len(BY_ID) == len(METRICS), "metric ids must be unique"

# Dimensions every fact table carries, which a caller may group or filter by.
DIMENSIONS = ("agency_id", "jurisdiction_id", "program_model", "month")
