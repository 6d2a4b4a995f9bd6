"""Pages of closed-loop referrals: make one from an encounter, follow one, and the
receiving provider's incoming list where its staff update the status.

Status forms post with htmx and get back the referral's panel (or row); without
JavaScript they post normally and return to the page they came from.
"""

import datetime as dt
from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from tandem.core.views import PAGE_SIZE, page_number, requires
from tandem.directory.views import search_context
from tandem.encounters.selectors import encounter_get
from tandem.referrals import selectors, services
from tandem.referrals.forms import ReferralForm, StatusForm
from tandem.referrals.models import ReferralStatus


def clinical_only(view: Callable) -> Callable:
    """`requires(REFER_PERMISSION)`, and only for clinical staff: others get 404."""

    @requires(selectors.REFER_PERMISSION)
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not selectors.is_clinical_staff(request.user):
            raise Http404("No such page.")
        return view(request, *args, **kwargs)

    return wrapper


STATUS_FILTERS = [("open", "Open")] + list(ReferralStatus.choices) + [("", "All")]


def _age(date_of_birth: dt.date | None) -> int | None:
    if date_of_birth is None:
        return None
    today = timezone.localdate()
    return (
        today.year
        - date_of_birth.year
        - ((today.month, today.day) < (date_of_birth.month, date_of_birth.day))
    )


@clinical_only
def referral_new(request: HttpRequest, encounter_id: int) -> HttpResponse:
    """Pick a service with the directory search, give a reason, send."""
    encounter = encounter_get(actor=request.user, encounter_id=encounter_id)
    if not selectors.can_refer_from(actor=request.user, encounter=encounter):
        raise Http404("No such page.")
    person = encounter.person
    if not request.GET and person is not None and person.date_of_birth:
        request.GET = request.GET.copy()
        request.GET["age"] = str(_age(person.date_of_birth))
    form = ReferralForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            referral = services.referral_create(
                actor=request.user,
                encounter_id=encounter.pk,
                service_id=form.cleaned_data["service"],
                reason=form.cleaned_data["reason"],
            )
        except services.ReferralError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            messages.success(request, f"Referral sent to {referral.service.name}.")
            return redirect("referrals:referral_detail", referral_id=referral.pk)
    context = search_context(request)
    context |= {
        "choose": True,
        "chosen": form.data.get("service") and _int(form.data.get("service")),
        "encounter": encounter,
        "referral_form": form,
    }
    if request.htmx and request.method == "GET":
        return render(request, "directory/_results.html", context)
    return render(request, "referrals/referral_new.html", context)


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _detail_context(request: HttpRequest, referral, form=None) -> dict:
    return {
        "referral": referral,
        "events": selectors.referral_events(actor=request.user, referral=referral),
        "can_update": selectors.can_update(actor=request.user, referral=referral),
        "status_form": form or StatusForm(referral=referral),
        "receiving": referral.service.owning_agency_id
        in {m.owning_agency_id for m in request.user.memberships_cached()},
    }


@clinical_only
def referral_detail(request: HttpRequest, referral_id: int) -> HttpResponse:
    referral = selectors.referral_get(actor=request.user, referral_id=referral_id)
    return render(request, "referrals/referral_detail.html", _detail_context(request, referral))


@clinical_only
@require_POST
def referral_status(request: HttpRequest, referral_id: int) -> HttpResponse:
    referral = selectors.referral_get(actor=request.user, referral_id=referral_id)
    if not selectors.can_update(actor=request.user, referral=referral):
        raise Http404("No such referral.")
    form = StatusForm(request.POST, referral=referral)
    if form.is_valid():
        try:
            services.referral_status_set(
                actor=request.user,
                referral_id=referral.pk,
                status=form.cleaned_data["status"],
                note=form.cleaned_data["note"],
                expected=form.cleaned_data["expected"],
            )
        except services.ReferralError as exc:
            form.add_error("status", str(exc))
        else:
            referral = selectors.referral_get(actor=request.user, referral_id=referral.pk)
            form = None
            if not request.htmx:
                messages.success(
                    request, f"Referral marked {referral.get_status_display().lower()}."
                )
                return redirect(_back(request, referral))
    template = (
        "referrals/_incoming_row.html"
        if request.POST.get("from") == "incoming"
        else "referrals/_status_panel.html"
    )
    context = _detail_context(request, referral, form)
    referral.status_form = context["status_form"]
    context["r"] = referral
    if request.htmx:
        return render(request, template, context)  # htmx swaps 2xx only
    if form is not None and form.errors:
        return render(request, "referrals/referral_detail.html", context, status=422)
    return redirect(_back(request, referral))


def _back(request: HttpRequest, referral) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse("referrals:referral_detail", kwargs={"referral_id": referral.pk})


def _list(request: HttpRequest, direction: str, template: str) -> HttpResponse:
    status = request.GET.get("status", "open")
    if status not in {code for code, _ in STATUS_FILTERS}:
        status = "open"
    page = page_number(request)
    rows = selectors.referral_list(
        actor=request.user,
        direction=direction,
        status=status,
        limit=PAGE_SIZE + 1,
        offset=(page - 1) * PAGE_SIZE,
    )
    for r in rows[:PAGE_SIZE]:
        r.status_form = StatusForm(referral=r)
    return render(
        request,
        template,
        {
            "referrals": rows[:PAGE_SIZE],
            "status": status,
            "filters": STATUS_FILTERS,
            "page": page,
            "has_next": len(rows) > PAGE_SIZE,
            "query": f"status={status}&",
            "part2": any(r.service.part2_program for r in rows[:PAGE_SIZE]),
        },
    )


@clinical_only
def incoming(request: HttpRequest) -> HttpResponse:
    """Referrals to the services of the user's agency, for its staff to update."""
    return _list(request, "incoming", "referrals/incoming.html")


@clinical_only
def outgoing(request: HttpRequest) -> HttpResponse:
    """Referrals the user's agency made, and where each stands."""
    return _list(request, "outgoing", "referrals/outgoing.html")
