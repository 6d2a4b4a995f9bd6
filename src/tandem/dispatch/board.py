"""The dispatcher's pages: intake, the live board, and dispatching one call."""

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from tandem.accounts.roles import Perm
from tandem.agencies.models import Team
from tandem.core.views import requires
from tandem.dispatch import selectors, services
from tandem.dispatch.forms import PERSON_FIELDS, IntakeForm, call_type_options
from tandem.dispatch.intake import call_intake, protocol_fallbacks
from tandem.dispatch.units import recommend_units
from tandem.people.forms import MatchQueryForm
from tandem.people.selectors import person_get
from tandem.people.services import person_create


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@requires(Perm.TAKE_CALLS)
def board(request: HttpRequest) -> HttpResponse:
    """The full page, or (for htmx polling) just the part that changes."""
    filters = {
        "agency_id": _int(request.GET.get("agency")),
        "jurisdiction_id": _int(request.GET.get("jurisdiction")),
    }
    context = {
        **selectors.board(actor=request.user, **filters),
        "filters": filters,
        # Built once per refresh rather than once per row: the board re-renders every 2 s.
        "calls_url": reverse("dispatch:call_list"),
        "csrf": get_token(request),
    }
    if request.htmx:
        return render(request, "dispatch/_board.html", context)
    return render(request, "dispatch/board.html", {**context, **selectors.board_filters()})


@requires(Perm.TAKE_CALLS)
def intake(request: HttpRequest) -> HttpResponse:
    form = IntakeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            intake = form.to_intake()
            intake.subject_id = _subject_id(request.user, form)
            call, _ = call_intake(actor=request.user, intake=intake)
        return redirect("dispatch:call_dispatch", call_id=call.pk)
    return render(
        request,
        "dispatch/intake.html",
        {
            "form": form,
            "call_types": call_type_options(),
            "matches": MatchQueryForm(request.POST or None).matches(request.user),
            "chosen": request.POST.get("person_id", ""),
        },
    )


def _subject_id(actor, form: IntakeForm) -> int | None:
    """The person the call is about: a match the call-taker chose, or a new record."""
    data = form.cleaned_data
    if data["person_id"]:
        return person_get(actor=actor, person_id=data["person_id"]).pk
    if not form.person_entered():
        return None
    fields = {name: data[name] or "" for name in PERSON_FIELDS}
    fields["date_of_birth"] = data["date_of_birth"]
    return person_create(actor=actor, **fields).pk


@requires(Perm.TAKE_CALLS)
def call_dispatch(request: HttpRequest, call_id: int) -> HttpResponse:
    """The triage explanation and the ranked teams for one call."""
    call = selectors.call_get(actor=request.user, call_id=call_id)
    units = (
        recommend_units(call, call.recommended_mode, fallbacks=protocol_fallbacks())
        if call.recommended_mode
        else None
    )
    return render(
        request,
        "dispatch/call_dispatch.html",
        {
            "call": call,
            "units": units,
            "assignments": selectors.call_assignments(actor=request.user, call=call),
            "events": selectors.call_events(actor=request.user, call=call),
        },
    )


@require_POST
@requires(Perm.TAKE_CALLS)
def assign(request: HttpRequest, call_id: int) -> HttpResponse:
    call = selectors.call_get(actor=request.user, call_id=call_id)
    team = get_object_or_404(Team, pk=_int(request.POST.get("team")))
    try:
        services.assignment_create(
            actor=request.user, call_id=call.pk, team_id=team.pk, mode=request.POST.get("mode", "")
        )
        messages.success(request, f"{team.call_sign} assigned to call {call.number}.")
    except services.DispatchError as error:
        messages.error(request, str(error))
        return redirect("dispatch:call_dispatch", call_id=call.pk)
    return redirect("dispatch:board")


@require_POST
@requires(Perm.UPDATE_UNITS)
def assignment_status(request: HttpRequest, assignment_id: int) -> HttpResponse:
    assignment = selectors.assignment_for_update(actor=request.user, assignment_id=assignment_id)
    status = request.POST.get("status", "")
    try:
        services.assignment_advance(actor=request.user, assignment_id=assignment.pk, status=status)
    except services.DispatchError as error:
        messages.error(request, str(error))
    return _back(request)


@require_POST
@requires(Perm.TAKE_CALLS)
def team_status(request: HttpRequest, team_id: int) -> HttpResponse:
    team = get_object_or_404(Team, pk=team_id)
    try:
        services.team_status_set(
            actor=request.user, team_id=team.pk, status=request.POST.get("status", "")
        )
    except services.DispatchError as error:
        messages.error(request, str(error))
    return _back(request)


def _back(request: HttpRequest) -> HttpResponse:
    if request.htmx:
        return board(request)
    return redirect(request.POST.get("next") or "dispatch:board")
