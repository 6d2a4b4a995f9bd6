"""Pages for people."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tandem.accounts.roles import Perm
from tandem.core.views import PAGE_SIZE, page_number, requires
from tandem.encounters.selectors import encounter_list
from tandem.people import selectors


@requires(Perm.VIEW_PEOPLE)
def person_list(request: HttpRequest) -> HttpResponse:
    page = page_number(request)
    query = request.GET.get("q", "").strip()[:100]
    people = selectors.person_list(
        actor=request.user, query=query, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE
    )
    return render(
        request,
        "people/person_list.html",
        {
            "people": people[:PAGE_SIZE],
            "q": query,
            "page": page,
            "has_next": len(people) > PAGE_SIZE,
        },
    )


@requires(Perm.VIEW_PEOPLE)
def person_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    person = selectors.person_get(actor=request.user, person_id=person_id)
    return render(
        request,
        "people/person_detail.html",
        {
            "person": person,
            "identifiers": selectors.person_identifiers(actor=request.user, person=person),
            "encounters": encounter_list(actor=request.user, person_id=person.pk),
        },
    )
