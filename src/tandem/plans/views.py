"""Pages of crisis plans: the editor, submit, approve or return, the plan, reviews due."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from tandem.accounts.roles import Perm
from tandem.core.views import requires
from tandem.people.selectors import person_get
from tandem.plans import selectors, services
from tandem.plans.forms import DecisionForm, PlanForm
from tandem.plans.models import EDITABLE, PlanStatus


def _writer(request: HttpRequest) -> None:
    """Pages that change plans exist only for a provider's clinical staff."""
    if not services.can_write_plans(request.user):
        raise Http404("No such page.")


@requires(Perm.WORK_FOLLOWUPS)
def plan_list(request: HttpRequest) -> HttpResponse:
    _writer(request)
    work = selectors.plans_in_progress(actor=request.user)
    for plan in work["waiting"]:
        plan.can_decide = services.can_decide(request.user, plan)
    return render(
        request,
        "plans/plan_list.html",
        {**work, "reviews": selectors.reviews_due(actor=request.user)},
    )


@requires(Perm.WORK_FOLLOWUPS)
def plan_reviews(request: HttpRequest) -> HttpResponse:
    _writer(request)
    return render(
        request,
        "plans/plan_reviews.html",
        {"reviews": selectors.reviews_due(actor=request.user), "window": 30},
    )


@requires(Perm.WORK_FOLLOWUPS)
def plan_new(request: HttpRequest) -> HttpResponse:
    _writer(request)
    try:
        person_id = int(request.GET.get("person", ""))
    except ValueError:
        raise Http404("No such person.") from None
    person = person_get(actor=request.user, person_id=person_id)
    form = PlanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.plan_create(actor=request.user, person_id=person.pk, **form.content())
            messages.success(request, "Draft saved. Submit it for approval when it is ready.")
            return redirect("plans:plan_detail", plan_id=plan.pk)
        except services.PlanError as error:
            _form_error(form, error)
    return render(request, "plans/plan_edit.html", {"form": form, "person": person, "plan": None})


@requires(Perm.WORK_FOLLOWUPS)
def plan_edit(request: HttpRequest, plan_id: int) -> HttpResponse:
    _writer(request)
    plan = selectors.plan_get(actor=request.user, plan_id=plan_id)
    if plan.status not in EDITABLE or not services.can_write(request.user, plan):
        raise Http404("No such page.")
    initial = {name: getattr(plan, name) for name in PlanForm.base_fields}
    form = PlanForm(request.POST or None, initial=initial, contacts=plan.contacts or [])
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_update(actor=request.user, plan_id=plan.pk, **form.content())
            messages.success(request, "Draft saved.")
            return redirect("plans:plan_detail", plan_id=plan.pk)
        except services.PlanError as error:
            _form_error(form, error)
    return render(
        request, "plans/plan_edit.html", {"form": form, "person": plan.person, "plan": plan}
    )


def _form_error(form: PlanForm, error: services.PlanError) -> None:
    if error.field.startswith("contact-"):
        form.add_contact_error(error)
    else:
        form.add_error(error.field if error.field in form.fields else None, str(error))


@requires(Perm.VIEW_PEOPLE)
def plan_detail(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = selectors.plan_get(actor=request.user, plan_id=plan_id)
    writer = services.can_write(request.user, plan)
    return render(
        request,
        "plans/plan_detail.html",
        {
            "plan": plan,
            "can_edit": writer and plan.status in EDITABLE,
            "can_submit": writer and plan.status in EDITABLE,
            "can_decide": services.can_decide(request.user, plan),
            "can_revise": writer and plan.status == PlanStatus.APPROVED,
            "decision_form": DecisionForm(),
            "clinical_shown": "baseline_behavior" not in plan.withheld,
        },
    )


@require_POST
@requires(Perm.WORK_FOLLOWUPS)
def plan_submit(request: HttpRequest, plan_id: int) -> HttpResponse:
    _writer(request)
    try:
        services.plan_submit(actor=request.user, plan_id=plan_id)
        messages.success(request, "Submitted for a supervisor's approval.")
    except services.PlanError as error:
        messages.error(request, f"Not submitted: {error}.")
    return redirect("plans:plan_detail", plan_id=plan_id)


@require_POST
@requires(Perm.WORK_FOLLOWUPS)
def plan_decide(request: HttpRequest, plan_id: int) -> HttpResponse:
    _writer(request)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Decision: expected approve or return.")
        return redirect("plans:plan_detail", plan_id=plan_id)
    try:
        if form.cleaned_data["decision"] == "approve":
            plan = services.plan_approve(actor=request.user, plan_id=plan_id)
            messages.success(request, f"Approved. Review due {plan.review_due:%Y-%m-%d}.")
        else:
            services.plan_return(
                actor=request.user, plan_id=plan_id, comment=form.cleaned_data["comment"]
            )
            messages.success(request, "Returned to the author with your comment.")
    except services.PlanError as error:
        messages.error(request, f"{'Comment: ' if error.field == 'comment' else ''}{error}.")
    return redirect("plans:plan_detail", plan_id=plan_id)


@require_POST
@requires(Perm.WORK_FOLLOWUPS)
def plan_revise(request: HttpRequest, plan_id: int) -> HttpResponse:
    """Start the next version of an approved plan (the six-monthly review)."""
    _writer(request)
    plan = selectors.plan_get(actor=request.user, plan_id=plan_id)
    try:
        draft = services.plan_create(
            actor=request.user, person_id=plan.person_id, owning_agency_id=plan.owning_agency_id
        )
    except services.PlanError as error:
        messages.error(request, f"{error}.")
        return redirect("plans:plan_detail", plan_id=plan_id)
    messages.success(request, f"Version {draft.version} started from the approved plan.")
    return redirect("plans:plan_edit", plan_id=draft.pk)
