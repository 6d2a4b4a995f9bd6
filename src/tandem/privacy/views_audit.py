"""The privacy officer's audit search, its CSV export, and the accounting of disclosures.

Only a privacy officer reaches these pages (others get 404), and they show only events
of the agencies the officer answers for. No page puts a person's name in a URL.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator

from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from tandem.accounts.roles import Perm
from tandem.agencies.models import Agency
from tandem.core.views import PAGE_SIZE, page_number, requires
from tandem.privacy import selectors
from tandem.privacy.disclosures import (
    ROLE_NAMES,
    SCOPE_NOTE,
    UNRECORDED_BASIS,
    accounting_pdf,
    disclosures_account,
    record_kind,
)
from tandem.privacy.forms_audit import AuditSearchForm, DisclosurePeriodForm, PersonSearchForm
from tandem.privacy.services import audit_record

CSV_COLUMNS = [
    "seq",
    "at",
    "actor",
    "actor_role",
    "acting_for",
    "record_agency",
    "action",
    "object_type",
    "object_id",
    "person_id",
    "segments",
    "reason",
    "legal_basis",
    "hash",
]


@requires(Perm.VIEW_AUDIT)
def audit_list(request: HttpRequest) -> HttpResponse:
    form = AuditSearchForm(request.GET, actor=request.user)
    context = {
        "form": form,
        "person_form": PersonSearchForm(),
        "query": _query(request),
        "events": None,
    }
    if not form.is_valid():
        return render(request, "privacy/audit_list.html", context, status=400)
    criteria = form.criteria()
    events = selectors.audit_events(actor=request.user, criteria=criteria)
    page = page_number(request)
    rows = list(events[(page - 1) * PAGE_SIZE : page * PAGE_SIZE + 1])
    held = selectors.held_person_ids(
        actor=request.user, person_ids={e.person_id for e in rows if e.person_id}
    )
    for event in rows:
        event.record_kind = record_kind(event.object_type)
        event.role_name = ROLE_NAMES.get(event.actor_role, event.actor_role)
        event.segment_list = event.segments.replace(",", ", ")
    context.update(
        events=rows[:PAGE_SIZE],
        count=events.count(),
        page=page,
        has_next=len(rows) > PAGE_SIZE,
        held=held,
        person=_held_or_none(request.user, criteria.person_id),
    )
    return render(request, "privacy/audit_list.html", context)


@requires(Perm.VIEW_AUDIT)
def audit_export(request: HttpRequest) -> HttpResponse:
    """The filtered events as CSV. The export is itself an audit event."""
    form = AuditSearchForm(request.GET, actor=request.user)
    if not form.is_valid():
        context = {"form": form, "person_form": PersonSearchForm(), "events": None}
        return render(request, "privacy/audit_list.html", context, status=400)
    events = selectors.audit_events(actor=request.user, criteria=form.criteria())
    audit_record(
        actor=request.user,
        action="export",
        person_id=form.cleaned_data.get("person"),
        reason=f"Audit events as CSV, {events.count()} events; {form.described()}"[:300],
        agency_id=next(iter(selectors.privacy_officer_agencies(request.user)), None),
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(_csv_lines(events), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="audit-events-{stamp}.csv"'
    return response


@require_http_methods(["GET", "POST"])
@requires(Perm.VIEW_AUDIT)
def audit_people(request: HttpRequest) -> HttpResponse:
    """Find a person by name, posted so the name stays out of URLs; the lookup is audited."""
    form = PersonSearchForm(request.POST or None)
    people = None
    if form.is_bound and form.is_valid():
        people = selectors.held_people_search(actor=request.user, query=form.cleaned_data["name"])
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(
        request, "privacy/audit_people.html", {"form": form, "people": people}, status=status
    )


@requires(Perm.VIEW_AUDIT)
def disclosures(request: HttpRequest, person_id: int) -> HttpResponse:
    """The accounting of disclosures of one person, as a page."""
    person = selectors.held_person_get(actor=request.user, person_id=person_id)
    form = DisclosurePeriodForm(request.GET)
    context = {"person": person, "form": form, "query": _query(request), "lines": None}
    if not form.is_valid():
        return render(request, "privacy/disclosures.html", context, status=400)
    since, until = form.period()
    lines = disclosures_account(
        actor=request.user, person_id=person.pk, since=since, until=until, medium="page"
    )
    context.update(
        lines=lines,
        total=sum(line.times for line in lines),
        since=since,
        until=until,
        part2=any(line.part2 for line in lines),
        agencies=Agency.objects.filter(
            pk__in=selectors.privacy_officer_agencies(request.user)
        ).order_by("name"),
        scope_note=SCOPE_NOTE,
        unrecorded=UNRECORDED_BASIS,
    )
    return render(request, "privacy/disclosures.html", context)


@requires(Perm.VIEW_AUDIT)
def disclosures_pdf(request: HttpRequest, person_id: int) -> HttpResponse:
    """The same accounting as a PDF to give the person; the file is named by record
    number, never by name."""
    person = selectors.held_person_get(actor=request.user, person_id=person_id)
    form = DisclosurePeriodForm(request.GET)
    if not form.is_valid():
        context = {"person": person, "form": form, "query": _query(request), "lines": None}
        return render(request, "privacy/disclosures.html", context, status=400)
    since, until = form.period()
    lines = disclosures_account(
        actor=request.user, person_id=person.pk, since=since, until=until, medium="PDF"
    )
    body = accounting_pdf(actor=request.user, person=person, lines=lines, since=since, until=until)
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="accounting-of-disclosures-{person.pk}-{until:%Y%m%d}.pdf"'
    )
    return response


def _held_or_none(actor, person_id: int | None):
    if person_id is None:
        return None
    try:
        return selectors.held_person_get(actor=actor, person_id=person_id)
    except Http404:
        return None


def _query(request: HttpRequest) -> str:
    """The request's filters for the pager and export links, ending in '&' when any."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode() + "&" if params else ""


def _csv_lines(events) -> Iterator[str]:
    buffer = _Line()
    writer = csv.writer(buffer)
    yield writer.writerow(CSV_COLUMNS)
    for e in events.iterator(chunk_size=2000):
        yield writer.writerow(
            [
                e.seq,
                e.at.isoformat(),
                e.actor.username if e.actor else "system",
                e.actor_role,
                e.owning_agency.name,
                e.record_agency.name if e.record_agency else "",
                e.action,
                e.object_type,
                e.object_id,
                e.person_id or "",
                e.segments,
                _cell(e.reason),
                _cell(e.legal_basis),
                e.hash,
            ]
        )


class _Line:
    """csv.writer's file: hands each row back instead of storing it."""

    def write(self, value: str) -> str:
        return value


def _cell(text: str) -> str:
    """Free text that a spreadsheet would run as a formula is quoted as text."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
