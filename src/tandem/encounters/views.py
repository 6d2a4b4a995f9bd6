"""Pages for encounters: the list, one encounter, and the field form on a tablet."""

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from tandem.accounts.roles import Perm
from tandem.core.views import PAGE_SIZE, page_number, requires
from tandem.encounters import instruments, selectors, services
from tandem.encounters.forms import EncounterForm, initial_for
from tandem.encounters.models import (
    Behavior,
    ClinicalIntervention,
    Encounter,
    PresentRole,
    ResponseAction,
    WeaponKind,
)


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
            "to_record": selectors.assignments_to_record(actor=request.user),
            "page": page,
            "has_next": len(encounters) > PAGE_SIZE,
        },
    )


def _labels(codes, choices) -> list[str]:
    names = dict(choices)
    return [names.get(c, str(c)) for c in codes] if isinstance(codes, list) else []


@requires(Perm.VIEW_ENCOUNTERS)
def encounter_detail(request: HttpRequest, encounter_id: int) -> HttpResponse:
    encounter = selectors.encounter_get(actor=request.user, encounter_id=encounter_id)
    clinical = "clinical_notes" not in encounter.withheld
    roles = dict(PresentRole.choices)
    present = [
        {"role": roles.get(row.get("role"), row.get("role")), "name": row.get("name", "")}
        for row in (encounter.people_present if isinstance(encounter.people_present, list) else [])
        if isinstance(row, dict)
    ]
    return render(
        request,
        "encounters/encounter_detail.html",
        {
            "encounter": encounter,
            "can_edit": services.may_edit(request.user, encounter),
            "summary": selectors.screening_summary(actor=request.user, encounter=encounter),
            "screenings": (
                selectors.screening_list(actor=request.user, encounter=encounter)
                if clinical
                else []
            ),
            "present": present,
            "behaviors": _labels(encounter.behaviors, Behavior.choices),
            "weapon_kinds": _labels(encounter.weapon_kinds, WeaponKind.choices),
            "response_actions": _labels(encounter.response_actions, ResponseAction.choices),
            "clinical_interventions": _labels(
                encounter.clinical_interventions, ClinicalIntervention.choices
            ),
        },
    )


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@requires(Perm.VIEW_ENCOUNTERS)
def encounter_new(request: HttpRequest) -> HttpResponse:
    """The form for the encounter of an assignment the user is on (?assignment=<id>)."""
    assignment = selectors.assignment_for_encounter(
        actor=request.user, assignment_id=_int(request.GET.get("assignment"))
    )
    if request.method == "GET" and (
        draft := selectors.draft_for(actor=request.user, assignment=assignment)
    ):
        return redirect("encounters:encounter_edit", encounter_id=draft.pk)
    transient = Encounter(
        owning_agency_id=services.treating_agency(actor=request.user, assignment=assignment),
        call=assignment.call,
        assignment=assignment,
        person=selectors.call_subject(actor=request.user, call=assignment.call),
    )
    members = [
        (
            m.role if m.role in PresentRole.values else "other",
            m.user.get_full_name() or m.user.username,
        )
        for m in assignment.team.members.select_related("user").order_by("role", "id")
    ]
    return _form_page(
        request,
        encounter=None,
        context_record=transient,
        initial=initial_for(None, [], assignment=assignment, members=members)
        | ({"person_id": transient.person_id} if transient.person_id else {}),
        save={"assignment_id": assignment.pk},
    )


@requires(Perm.VIEW_ENCOUNTERS)
def encounter_edit(request: HttpRequest, encounter_id: int) -> HttpResponse:
    encounter = selectors.encounter_get(actor=request.user, encounter_id=encounter_id)
    if not services.may_edit(request.user, encounter):
        raise Http404("No such encounter.")
    screenings = selectors.screening_list(actor=request.user, encounter=encounter)
    initial = initial_for(encounter, [s for s in screenings if "answers" not in s.withheld])
    return _form_page(
        request,
        encounter=encounter,
        context_record=encounter,
        initial=initial,
        save={"encounter_id": encounter.pk},
    )


def _form_page(request, *, encounter, context_record, initial, save) -> HttpResponse:
    writable = services.writable_fields(request.user, context_record)
    choices = selectors.disposition_choices(context_record)
    autosave = request.headers.get("X-Tandem-Autosave") == "1"
    if request.method == "POST":
        form = EncounterForm(request.POST, writable=writable, disposition_choices=choices)
        submit = request.POST.get("intent", "submit") == "submit"
        form.is_valid()
        if "client_token" in form.cleaned_data and not (submit and form.errors):
            try:
                saved = services.encounter_save(
                    actor=request.user,
                    client_token=form.cleaned_data["client_token"],
                    fields=form.model_changes(),
                    screenings=form.screening_answers(),
                    person_id=form.cleaned_data.get("person_id"),
                    subject=form.subject(),
                    submit=submit,
                    **save,
                )
                return _saved(request, saved, form, submit=submit, autosave=autosave)
            except ValidationError as error:
                _add_errors(form, error.message_dict)
            except instruments.InstrumentInvalid as error:
                _add_instrument_errors(form, error.problems)
            except PermissionDenied as error:
                form.add_error(None, str(error))
        if autosave:
            return _errors_json(form)
    else:
        initial.setdefault("client_token", (encounter and encounter.client_token) or uuid.uuid4())
        form = EncounterForm(initial=initial, writable=writable, disposition_choices=choices)
    form.decorate()
    return render(
        request,
        "encounters/encounter_form.html",
        {
            "form": form,
            "encounter": encounter,
            "record": context_record,
            "match_url": _match_url(),
            "draft_key": (
                f"tandem:encounter:{request.user.pk}:"
                + (f"e{encounter.pk}" if encounter else f"a{save['assignment_id']}")
            ),
            "status": 400 if request.method == "POST" else 200,
        },
        status=400 if request.method == "POST" else 200,
    )


def _saved(request, encounter: Encounter, form, *, submit: bool, autosave: bool) -> HttpResponse:
    detail = reverse("encounters:encounter_detail", args=[encounter.pk])
    if autosave:
        # A draft keeps what validated; the fields that did not are listed to be fixed.
        return JsonResponse(
            {
                "errors": _error_list(form),
                "status": encounter.status,
                "encounter_id": encounter.pk,
                "saved_at": timezone.localtime().strftime("%H:%M"),
                "edit_url": reverse("encounters:encounter_edit", args=[encounter.pk]),
                "detail_url": detail,
            }
        )
    if submit:
        messages.success(request, "Encounter submitted.")
        return redirect(detail)
    messages.success(request, "Draft saved.")
    return redirect("encounters:encounter_edit", encounter_id=encounter.pk)


SERVICE_FIELD = {"person_id": "family_name", "local_disposition": "disposition"}


def _add_errors(form: EncounterForm, errors: dict) -> None:
    for field, messages_ in errors.items():
        name = SERVICE_FIELD.get(field, field)
        for message in messages_:
            form.add_error(name if name in form.fields else None, message)


def _add_instrument_errors(form: EncounterForm, problems) -> None:
    for key, message in problems:
        name = next((f"{p}_{key}" for p in ("cssrs", "ctrs") if f"{p}_{key}" in form.fields), None)
        form.add_error(name, message)


def _error_list(form: EncounterForm) -> list[dict]:
    return [
        {"path": f"$.{name}" if name != "__all__" else "$", "message": str(message)}
        for name, messages_ in form.errors.items()
        for message in messages_
    ]


def _errors_json(form: EncounterForm) -> JsonResponse:
    return JsonResponse({"errors": _error_list(form)}, status=400)


def _match_url() -> str:
    """The people app's match fragment, if the deployment has it."""
    try:
        return reverse("people:match_list")
    except NoReverseMatch:
        return ""
