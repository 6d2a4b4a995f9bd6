"""Reads of calls and assignments, through the privacy gate."""

from tandem.dispatch.models import Assignment, Call
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
