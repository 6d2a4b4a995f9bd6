"""Pages for calls for service."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tandem.accounts.roles import Perm
from tandem.core.views import PAGE_SIZE, page_number, requires
from tandem.dispatch import selectors
from tandem.encounters.selectors import encounter_list
from tandem.plans.selectors import safety_for_call


@requires(Perm.VIEW_CALLS)
def call_list(request: HttpRequest) -> HttpResponse:
    page = page_number(request)
    bh = {"1": True, "0": False}.get(request.GET.get("bh", ""))
    calls = selectors.call_list(
        actor=request.user,
        behavioral_health=bh,
        limit=PAGE_SIZE + 1,
        offset=(page - 1) * PAGE_SIZE,
    )
    return render(
        request,
        "dispatch/call_list.html",
        {
            "calls": calls[:PAGE_SIZE],
            "page": page,
            "has_next": len(calls) > PAGE_SIZE,
            "bh": request.GET.get("bh", ""),
        },
    )


@requires(Perm.VIEW_CALLS)
def call_detail(request: HttpRequest, call_id: int) -> HttpResponse:
    call = selectors.call_get(actor=request.user, call_id=call_id)
    return render(
        request,
        "dispatch/call_detail.html",
        {
            "call": call,
            "assignments": selectors.call_assignments(actor=request.user, call=call),
            "encounters": encounter_list(actor=request.user, call_id=call.pk),
            "crisis_plan": safety_for_call(actor=request.user, call=call),
        },
    )
