"""Fact tables: the operational snapshot reshaped into one row per call, assignment,
encounter, referral, follow-up and jail booking, each carrying the dimensions metrics
group by (agency, jurisdiction, program model, month) and a person key.

Written as Ibis expressions over the snapshot's tables (`snapshot.TABLES`), so the same
definitions run on DuckDB here and on Spark for state-wide data. Times are whole
seconds since 1970 (UTC); `month` is the first day of the local month.

The rules that decide what counts (a cancelled call, a met person, an arrest option)
are here once; `docs/metrics.md` states them in words.
"""

from __future__ import annotations

import ibis
from ibis.expr.types import Table

from tandem.encounters.diversion import JUSTICE, NOT_MET, OFFENCE_APCO

# Responses that send a team: a call recommended one of these was "identified for team
# dispatch" (CSG), whether or not a team was free.
TEAM_MODES = ("co_responder", "clinician_only", "clinician_callout")
NO_PROGRAM = "none"  # program model of a call no team answered
YEAR = 365 * 86400
ACCEPTED = ("accepted", "attended", "no_show")  # a no-show had an appointment booked


def _nonnegative(value):
    return ibis.ifelse(value >= 0, value, ibis.null())


def build(tables: dict[str, Table], *, as_of: int) -> dict[str, Table]:
    """Fact tables as expressions over the raw snapshot tables; `as_of` is the snapshot
    time (epoch seconds), which decides which follow-ups were due."""
    calls = call_facts(tables)
    assignments = assignment_facts(tables)
    encounters = encounter_facts(tables)
    return {
        "call_facts": calls,
        "assignment_facts": assignments,
        "encounter_facts": encounters,
        "referral_facts": referral_facts(tables, encounters),
        "followup_facts": followup_facts(tables, encounters, as_of=as_of),
        "booking_facts": booking_facts(tables, as_of=as_of),
    }


def _team_assignments(tables: dict[str, Table]) -> Table:
    teams = tables["teams"].select(
        team_id="id",
        program_model="program_model",
        team_agency_id="agency_id",
        provider_id="clinical_agency_id",
    )
    return tables["assignments"].rename(assignment_id="id").join(teams, "team_id")


def _submitted(tables: dict[str, Table]) -> Table:
    # Drafts are work in progress on a tablet; reports count submitted encounters only.
    e = tables["encounters"]
    return e.filter(e.status == "submitted")


def call_facts(tables: dict[str, Table]) -> Table:
    calls = tables["calls"].rename(call_id="id")
    a = _team_assignments(tables)
    first = a.group_by("call_id").aggregate(
        first_assigned_at=a.assigned_at.min(),
        first_on_scene_at=a.on_scene_at.min(),
        program_model=a.program_model.argmin(a.assigned_at),
        team_agency_id=a.team_agency_id.argmin(a.assigned_at),
        provider_id=a.provider_id.argmin(a.assigned_at),
    )
    e = _submitted(tables)
    seen = e.group_by("call_id").aggregate(
        assessed=e.clinician_assessed.any(),
        all_cancelled=(e.disposition == "cancelled").all(),
    )
    j = calls.left_join(first, "call_id").left_join(seen, "call_id")
    return j.select(
        "call_id",
        "month",
        "agency_id",
        "jurisdiction_id",
        "behavioral_health",
        "person_id",
        person_key=ibis.coalesce(j.person_id, -j.call_id),
        program_model=j.program_model.fill_null(NO_PROGRAM),
        team_agency_id=j.team_agency_id,
        provider_id=j.provider_id,
        identified_for_team=j.recommended_mode.isin(TEAM_MODES) | j.first_assigned_at.notnull(),
        responded=j.first_on_scene_at.notnull(),
        assessed=j.assessed.fill_null(False),
        cancelled=j.all_cancelled.fill_null(False),
        request_to_dispatch=_nonnegative(j.first_assigned_at - j.received_at),
        dispatch_to_arrival=_nonnegative(j.first_on_scene_at - j.first_assigned_at),
        request_to_arrival=_nonnegative(j.first_on_scene_at - j.received_at),
    )


def _call_dims(tables: dict[str, Table]) -> Table:
    c = tables["calls"]
    return c.select(
        call_id="id",
        call_month="month",
        call_agency_id="agency_id",
        jurisdiction_id="jurisdiction_id",
        call_person_id="person_id",
        apco_code="apco_code",
    )


def assignment_facts(tables: dict[str, Table]) -> Table:
    a = _team_assignments(tables)
    # The first assignment of each program model on a call: counting these counts calls
    # by model without a COUNT(DISTINCT) at query time.
    same_model = ibis.window(
        group_by=[a.call_id, a.program_model], order_by=[a.assigned_at, a.assignment_id]
    )
    a = a.mutate(first_of_model=ibis.row_number().over(same_model) == 0)
    j = a.join(_call_dims(tables), "call_id")
    hours = (j.cleared_at - j.officer_returned_at) / 3600.0
    return j.select(
        "assignment_id",
        "call_id",
        "jurisdiction_id",
        "program_model",
        "team_agency_id",
        "provider_id",
        "first_of_model",
        month=j.call_month,
        agency_id=j.call_agency_id,
        person_key=ibis.coalesce(j.call_person_id, -j.call_id),
        officer_returned_hours=ibis.ifelse(hours >= 0, hours, ibis.null()),
    )


def encounter_facts(tables: dict[str, Table]) -> Table:
    e = _submitted(tables).rename(encounter_id="id", encounter_agency_id="agency_id")
    teams = _team_assignments(tables).select(
        "assignment_id", "program_model", "team_agency_id", "provider_id"
    )
    r = tables["referrals"]
    refs = r.group_by("encounter_id").aggregate(
        n_referrals=r.count(), n_declined=r.count(where=r.status == "declined")
    )
    j = (
        e.left_join(_call_dims(tables), "call_id")
        .left_join(teams, "assignment_id")
        .left_join(refs, "encounter_id")
    )
    computed = ((j.ended_at - j.started_at) / 60).floor()
    n_declined = j.n_declined.fill_null(0)
    return j.select(
        "encounter_id",
        "call_id",
        "month",
        "jurisdiction_id",
        "team_agency_id",
        "provider_id",
        "person_id",
        "disposition",
        "clinician_assessed",
        "force_used",
        "injuries",
        "diverted_from_jail",
        "diverted_from_hospital",
        agency_id=ibis.coalesce(j.call_agency_id, j.encounter_agency_id),
        person_key=ibis.coalesce(j.person_id, -j.encounter_id),
        program_model=j.program_model.fill_null(NO_PROGRAM),
        met=~j.disposition.isin(sorted(NOT_MET)),
        arrest_option=j.arrestable_offence
        | j.apco_code.fill_null("").upper().isin(sorted(OFFENCE_APCO)),
        arrested=j.disposition == "arrest",
        charged=j.has_charges | j.disposition.isin(sorted(JUSTICE)),
        minutes_on_scene=ibis.coalesce(
            j.minutes_on_scene.cast("float64"), _nonnegative(computed).cast("float64")
        ),
        referrals=j.n_referrals.fill_null(0),
        declined_referral=(n_declined > 0) | (j.disposition == "declined"),
    )


def _encounter_dims(encounters: Table) -> Table:
    return encounters.select(
        encounter_id="encounter_id",
        enc_agency_id="agency_id",
        jurisdiction_id="jurisdiction_id",
        program_model="program_model",
        team_agency_id="team_agency_id",
        provider_id="provider_id",
    )


def referral_facts(tables: dict[str, Table], encounters: Table) -> Table:
    r = tables["referrals"].rename(referral_id="id")
    j = r.left_join(_encounter_dims(encounters), "encounter_id")
    return j.select(
        "referral_id",
        "month",
        "jurisdiction_id",
        "team_agency_id",
        "person_id",
        "status",
        provider_id=ibis.coalesce(j.provider_id, j.agency_id),
        agency_id=ibis.coalesce(j.enc_agency_id, j.agency_id),
        person_key=j.person_id,
        program_model=j.program_model.fill_null(NO_PROGRAM),
        accepted=j.status.isin(ACCEPTED),
        attended=j.status == "attended",
    )


def followup_facts(tables: dict[str, Table], encounters: Table, *, as_of: int) -> Table:
    f = tables["followups"].rename(followup_id="id")
    j = f.left_join(_encounter_dims(encounters), "encounter_id")
    return j.select(
        "followup_id",
        "month",
        "jurisdiction_id",
        "team_agency_id",
        "person_id",
        provider_id=ibis.coalesce(j.provider_id, j.agency_id),
        agency_id=ibis.coalesce(j.enc_agency_id, j.agency_id),
        person_key=j.person_id,
        program_model=j.program_model.fill_null(NO_PROGRAM),
        # Counted once due, or once done early.
        counted=(j.due_at <= as_of) | j.completed_at.notnull(),
        on_time=(j.status == "done") & (j.completed_at <= j.due_at).fill_null(False),
    )


def booking_facts(tables: dict[str, Table], *, as_of: int) -> Table:
    b = tables["bookings"].rename(booking_id="id")
    later = ibis.window(group_by=b.person_id, order_by=[b.booked_at, b.booking_id])
    b = b.mutate(next_booked_at=b.booked_at.lead().over(later))
    stay = (b.released_at - b.booked_at) / 86400.0
    return b.select(
        "booking_id",
        "month",
        "agency_id",
        "jurisdiction_id",
        "person_id",
        "smi",
        "connected_to_treatment",
        person_key=b.person_id,
        program_model=ibis.literal(NO_PROGRAM),
        team_agency_id=ibis.null("int64"),
        provider_id=ibis.null("int64"),
        length_of_stay_days=ibis.ifelse(stay >= 0, stay, ibis.null()),
        # Recidivism needs a full year after release to have been watched.
        watched_a_year=b.released_at.notnull() & (b.released_at + YEAR <= as_of),
        rebooked_within_year=(b.next_booked_at - b.released_at <= YEAR).fill_null(False),
    )
