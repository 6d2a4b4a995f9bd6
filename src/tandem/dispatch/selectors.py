"""Reads of calls and assignments, through the privacy gate."""

from django.db.models import Q
from django.http import Http404

from tandem.accounts.roles import Perm
from tandem.agencies.models import Agency, Jurisdiction, ProgramModel, Team
from tandem.dispatch.models import Assignment, Call, CallStatus, ResponseMode
from tandem.privacy import selectors as gate


def call_list(
    *, actor, behavioral_health: bool | None = None, limit: int = 100, offset: int = 0
) -> list[Call]:
    calls = Call.objects.select_related("jurisdiction")
    if behavioral_health is not None:
        calls = calls.filter(behavioral_health=behavioral_health)
    return gate.summaries(actor, calls, limit=limit, offset=offset)


def call_get(*, actor, call_id: int) -> Call:
    return gate.get_visible(actor, Call.objects.select_related("jurisdiction"), call_id)


def call_assignments(*, actor, call: Call) -> list[Assignment]:
    rows = Assignment.objects.filter(call=call).select_related("team")
    return gate.summaries(actor, rows)


# The board shows the oldest pending calls first; beyond this many it shows a count, so a
# backlog cannot slow every dispatcher's two-second refresh.
BOARD_CALLS = 100
BOARD_CALL_FIELDS = (
    "pk",
    "number",
    "received_at",
    "call_type",
    "behavioral_health",
    "classified",
    "risk_level",
    "recommended_mode",
    "location_text",
    "jurisdiction__name",
)


def board(*, actor, agency_id: int | None = None, jurisdiction_id: int | None = None) -> dict:
    """The live board: the oldest pending calls, open assignments, and every team.

    Calls are read as plain rows of operational and `safety` columns only: no other
    segmented field is ever selected, so nothing needs redacting.
    """
    calls = gate.visible(actor, Call.objects.filter(status=CallStatus.PENDING))
    teams = Team.objects.exclude(program_model=ProgramModel.NAVIGATOR)
    if agency_id:
        calls = calls.filter(owning_agency_id=agency_id)
        teams = teams.filter(Q(owning_agency_id=agency_id) | Q(clinical_agency_id=agency_id))
    if jurisdiction_id:
        calls = calls.filter(jurisdiction_id=jurisdiction_id)
        teams = teams.filter(coverage=jurisdiction_id)
    rows = list(calls.order_by("received_at").values(*BOARD_CALL_FIELDS)[:BOARD_CALLS])
    modes = dict(ResponseMode.choices)
    for row in rows:
        row["recommended_label"] = modes.get(row["recommended_mode"], "")
    open_assignments = {
        a.team_id: a
        for a in Assignment.objects.filter(cleared_at__isnull=True).select_related("call")
    }
    team_rows = list(teams.order_by("call_sign").distinct())
    for team in team_rows:
        team.open_assignment = open_assignments.get(team.pk)
    return {
        "calls": rows,
        "pending_total": len(rows) if len(rows) < BOARD_CALLS else calls.count(),
        "teams": team_rows,
    }


def board_filters() -> dict:
    return {
        "agencies": list(Agency.objects.filter(kind__in=["police", "behavioral_health"])),
        "jurisdictions": list(Jurisdiction.objects.all()),
    }


def assignment_for_update(*, actor, assignment_id: int) -> Assignment:
    """An assignment the actor may update: dispatch for any, field staff for their team."""
    assignment = Assignment.objects.select_related("team", "call").filter(pk=assignment_id).first()
    if assignment is None or not (
        actor.has_perm_in(Perm.TAKE_CALLS) or assignment.team.members.filter(user=actor).exists()
    ):
        raise Http404("No such assignment.")
    return assignment


def call_events(*, actor, call: Call) -> list:
    return list(call.events.select_related("team", "actor").order_by("at", "id"))
