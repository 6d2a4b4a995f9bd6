"""The privacy officer's pages (the audit search and accounting are in views_audit)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from tandem.accounts.roles import Perm
from tandem.core.views import requires
from tandem.people.selectors import person_get
from tandem.privacy import emergency
from tandem.privacy.models import EmergencyBasis


@requires(Perm.VIEW_PEOPLE)
def emergency_open(request: HttpRequest, person_id: int) -> HttpResponse:
    """The break-the-glass form, reached from a person's page."""
    if not emergency.may_open(request.user):
        raise Http404("No such page.")
    person = person_get(actor=request.user, person_id=person_id)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            access = emergency.emergency_access_open(
                actor=request.user,
                person_id=person.pk,
                legal_basis=request.POST.get("legal_basis", ""),
                nature_of_emergency=request.POST.get("nature_of_emergency", ""),
                reason=request.POST.get("reason", ""),
            )
        except ValidationError as exc:
            errors = exc.message_dict
        else:
            until = timezone.localtime(access.expires_at)
            messages.warning(
                request,
                f"Emergency access open until {until:%H:%M}. Every record you open is "
                "recorded and your privacy officer will review this access.",
            )
            return redirect("people:person_detail", person_id=person.pk)
    return render(
        request,
        "privacy/emergency_open.html",
        {
            "person": person,
            "bases": EmergencyBasis.choices,
            "minutes": emergency.EMERGENCY_MINUTES,
            "errors": errors,
            "data": request.POST,
        },
        status=400 if errors else 200,
    )


@requires(Perm.VIEW_AUDIT)
def emergency_queue(request: HttpRequest) -> HttpResponse:
    accesses = list(emergency.review_queue(actor=request.user)[:200])
    return render(
        request,
        "privacy/emergency_queue.html",
        {
            "waiting": [a for a in accesses if a.reviewed_at is None],
            "reviewed": [a for a in accesses if a.reviewed_at is not None][:50],
        },
    )


@require_POST
@requires(Perm.VIEW_AUDIT)
def emergency_review(request: HttpRequest, access_id: int) -> HttpResponse:
    queue = emergency.review_queue(actor=request.user)
    access = get_object_or_404(queue, pk=access_id)
    try:
        emergency.emergency_access_review(
            actor=request.user, access_id=access.pk, note=request.POST.get("note", "")
        )
    except ValidationError as exc:
        for problems in exc.message_dict.values():
            for problem in problems:
                messages.error(request, f"Access {access.pk}: {problem}")
    else:
        messages.success(request, f"Emergency access {access.pk} reviewed.")
    return redirect("privacy:emergency_queue")
