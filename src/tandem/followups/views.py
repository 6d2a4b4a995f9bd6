"""Pages of follow-up work: the navigator's queue, one task, notifications.

The queue's forms post with htmx and get back the task's row; without JavaScript they post
normally and come back to the page they were sent from.
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from tandem.accounts.roles import Perm
from tandem.core.views import requires
from tandem.followups import selectors, services
from tandem.followups.forms import AttemptForm, CloseForm, CompleteForm
from tandem.followups.models import Repeat


def _forms(task, data=None, which: str = ""):
    """The three action forms of a task, ids unique per task; `which` gets `data`."""

    def auto_id(name: str) -> str:
        return f"t{task.pk}-{name}-%s"

    task.attempt_form = AttemptForm(
        data if which == "attempt" else None, auto_id=auto_id("attempt")
    )
    task.complete_form = CompleteForm(
        data if which == "complete" else None, auto_id=auto_id("complete")
    )
    task.close_form = CloseForm(data if which == "close" else None, auto_id=auto_id("close"))
    task.open_form = which
    task.repeats = task.repeat == Repeat.DAILY_UNTIL_STABILISED
    return task


@requires(Perm.WORK_FOLLOWUPS)
def queue(request: HttpRequest) -> HttpResponse:
    scope = request.GET.get("scope", "mine")
    if scope not in selectors.SCOPES:
        scope = "mine"
    work = selectors.queue(actor=request.user, scope=scope)
    for task in work.overdue + work.today + work.upcoming:
        _forms(task)
    return render(
        request,
        "followups/queue.html",
        {
            "queue": work,
            "scopes": [
                ("mine", "Mine"),
                ("team", "My team"),
                ("agency", "Whole agency"),
            ],
            "sections": [
                ("overdue", "Overdue", work.overdue),
                ("today", "Due today", work.today),
                ("upcoming", "Upcoming", work.upcoming),
            ],
        },
    )


@requires(Perm.WORK_FOLLOWUPS)
def followup_detail(request: HttpRequest, followup_id: int) -> HttpResponse:
    task = selectors.followup_get(actor=request.user, followup_id=followup_id)
    _forms(task)
    return render(
        request,
        "followups/followup_detail.html",
        {"task": task, "attempts": selectors.attempts_of(actor=request.user, task=task)},
    )


@require_POST
@requires(Perm.WORK_FOLLOWUPS)
def attempt(request: HttpRequest, followup_id: int) -> HttpResponse:
    return _act(request, followup_id, "attempt", AttemptForm, _record_attempt)


@require_POST
@requires(Perm.WORK_FOLLOWUPS)
def complete(request: HttpRequest, followup_id: int) -> HttpResponse:
    return _act(request, followup_id, "complete", CompleteForm, _complete)


@require_POST
@requires(Perm.WORK_FOLLOWUPS)
def close(request: HttpRequest, followup_id: int) -> HttpResponse:
    return _act(request, followup_id, "close", CloseForm, _close)


@require_POST
@requires(Perm.WORK_FOLLOWUPS)
def take(request: HttpRequest, followup_id: int) -> HttpResponse:
    try:
        services.followup_assign(
            actor=request.user, followup_id=followup_id, assignee_id=request.user.pk
        )
        message = "The task is yours."
    except services.FollowUpError as error:
        message = str(error)
    return _after(request, followup_id, message)


def _record_attempt(request, followup_id, data) -> str:
    services.attempt_record(actor=request.user, followup_id=followup_id, **data)
    return "Attempt recorded."


def _complete(request, followup_id, data) -> str:
    _, successor = services.followup_complete(actor=request.user, followup_id=followup_id, **data)
    if successor is not None:
        when = successor.due_at.strftime("%Y-%m-%d %H:%M")
        return f"Completed. The next check is due {when}."
    return "Completed."


def _close(request, followup_id, data) -> str:
    services.followup_close(actor=request.user, followup_id=followup_id, **data)
    return "Task closed."


def _act(request, followup_id: int, which: str, form_class, action) -> HttpResponse:
    form = form_class(request.POST, auto_id=f"t{followup_id}-{which}-%s")
    if form.is_valid():
        try:
            message = action(request, followup_id, form.cleaned_data)
            return _after(request, followup_id, message)
        except services.FollowUpError as error:
            target = error.field if error.field in form.fields else None
            form.add_error(target, str(error))
    # Invalid: show the row (or page) again with the form open and its errors.
    if request.htmx:
        task = selectors.queue_row(actor=request.user, followup_id=followup_id)
        _forms(task, request.POST, which)
        setattr(task, f"{which}_form", form)
        # 200, not 422: htmx swaps only successful answers, and the row must show errors.
        return render(request, "followups/_row.html", {"task": task})
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else "Task"
        messages.error(request, f"{label}: {' '.join(errors)}")
    return _back(request, followup_id)


def _after(request, followup_id: int, message: str) -> HttpResponse:
    if request.htmx:
        task = selectors.queue_row(actor=request.user, followup_id=followup_id)
        _forms(task)
        task.flash = message
        return render(request, "followups/_row.html", {"task": task})
    messages.success(request, message)
    return _back(request, followup_id)


def _back(request, followup_id: int) -> HttpResponse:
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("followups:followup_detail", args=[followup_id])
    return redirect(target or reverse("followups:queue"))


@requires(Perm.WORK_FOLLOWUPS)
def notifications(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        services.notifications_read(actor=request.user)
        return redirect("followups:notifications")
    return render(
        request,
        "followups/notifications.html",
        {"notifications": selectors.notifications_list(actor=request.user)},
    )
