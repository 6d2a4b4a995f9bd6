"""The privacy officer's pages."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tandem.accounts.roles import Perm
from tandem.core.views import PAGE_SIZE, page_number, requires
from tandem.privacy.selectors import audit_events


@requires(Perm.VIEW_AUDIT)
def audit_list(request: HttpRequest) -> HttpResponse:
    page = page_number(request)
    events = audit_events(actor=request.user, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE)
    return render(
        request,
        "privacy/audit_list.html",
        {
            "events": events[:PAGE_SIZE],
            "page": page,
            "has_next": len(events) > PAGE_SIZE,
        },
    )
