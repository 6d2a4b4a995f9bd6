"""Pages for encounters."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tandem.accounts.roles import Perm
from tandem.core.views import PAGE_SIZE, page_number, requires
from tandem.encounters import selectors


@requires(Perm.VIEW_ENCOUNTERS)
def encounter_list(request: HttpRequest) -> HttpResponse:
    page = page_number(request)
    encounters = selectors.encounter_list(
        actor=request.user, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE
    )
    return render(
        request,
        "encounters/encounter_list.html",
        {
            "encounters": encounters[:PAGE_SIZE],
            "page": page,
            "has_next": len(encounters) > PAGE_SIZE,
        },
    )


@requires(Perm.VIEW_ENCOUNTERS)
def encounter_detail(request: HttpRequest, encounter_id: int) -> HttpResponse:
    encounter = selectors.encounter_get(actor=request.user, encounter_id=encounter_id)
    return render(request, "encounters/encounter_detail.html", {"encounter": encounter})
