"""Pages of the service directory: search and one service.

The directory is public information: any signed-in user may search it (officers
included: finding a shelter bed is not health information; referring someone is, and
lives in `referrals`).
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from tandem.directory import hours, selectors
from tandem.directory.forms import SearchForm
from tandem.directory.models import Service


def search_context(request: HttpRequest) -> dict:
    """The form and the hits for a GET search; shared with the referral picker."""
    form = SearchForm(request.GET or None)
    searched = form.is_bound
    if searched:
        form.is_valid()
    criteria = form.criteria() if searched else selectors.Criteria()
    hits = selectors.service_search(criteria)
    return {
        "form": form,
        "hits": hits,
        "searched": searched,
        "moment": hours.local(criteria.at),
        "measuring": criteria.near is not None,
    }


@login_required
def search(request: HttpRequest) -> HttpResponse:
    context = search_context(request)
    if request.htmx:
        return render(request, "directory/_results.html", context)
    return render(request, "directory/search.html", context)


@login_required
def service_detail(request: HttpRequest, service_id: int) -> HttpResponse:
    try:
        service = selectors.service_get(service_id=service_id)
    except Service.DoesNotExist:
        raise Http404("No such service.") from None
    schedules = selectors.service_schedules(service)
    return render(
        request,
        "directory/service_detail.html",
        {
            "service": service,
            "schedules": schedules,
            "open_now": hours.open_at(schedules),
            "moment": hours.local(),
        },
    )
