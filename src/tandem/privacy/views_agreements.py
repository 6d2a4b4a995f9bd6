"""Data-sharing agreement pages, for the regional and system administrators."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from tandem.accounts.roles import Perm
from tandem.agencies.models import Agency, AgencyKind
from tandem.core.views import requires
from tandem.privacy import agreements
from tandem.privacy.models import AgreementDirection


@requires(Perm.MANAGE_PROGRAM)
def agreement_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    rows = list(agreements.agreement_list())
    for row in rows:
        row.state = row.status_at(now)
    return render(
        request,
        "privacy/agreement_list.html",
        {
            "in_force": [a for a in rows if a.state == "in_force"],
            "other": [a for a in rows if a.state != "in_force"],
        },
    )


@requires(Perm.MANAGE_PROGRAM)
def agreement_new(request: HttpRequest) -> HttpResponse:
    errors: dict[str, list[str]] = {}
    data = request.POST
    if request.method == "POST":
        try:
            agreement = agreements.agreement_create(
                actor=request.user,
                disclosing_agency_id=data.get("disclosing_agency"),
                receiving_agency_id=data.get("receiving_agency"),
                direction=data.get("direction", ""),
                segments=data.getlist("segments"),
                purpose=data.get("purpose", ""),
                starts_on=data.get("starts_on", ""),
                ends_on=data.get("ends_on", ""),
                document_reference=data.get("document_reference", ""),
            )
        except ValidationError as exc:
            errors = exc.message_dict
        else:
            messages.success(
                request,
                f"Agreement recorded: {agreement.disclosing_agency.name} to "
                f"{agreement.receiving_agency.name}.",
            )
            return redirect("privacy:agreement_list")
    return render(
        request,
        "privacy/agreement_form.html",
        {
            "agencies": Agency.objects.exclude(kind=AgencyKind.REGIONAL_ADMIN).order_by("name"),
            "directions": AgreementDirection.choices,
            "segments": agreements.AGREEMENT_SEGMENTS.items(),
            "chosen": set(data.getlist("segments")),
            "errors": errors,
            "data": data,
            "today": timezone.localdate(),
        },
        status=400 if errors else 200,
    )


@requires(Perm.MANAGE_PROGRAM)
def agreement_end(request: HttpRequest, agreement_id: int) -> HttpResponse:
    """Confirm, then end the agreement now."""
    agreement = agreements.agreement_get(agreement_id)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            agreements.agreement_end(
                actor=request.user, agreement_id=agreement.pk, reason=request.POST.get("reason", "")
            )
        except ValidationError as exc:
            errors = exc.message_dict
        else:
            messages.success(request, "Agreement ended. Sharing that rested on it has stopped.")
            return redirect("privacy:agreement_list")
    return render(
        request,
        "privacy/agreement_end.html",
        {"agreement": agreement, "errors": errors, "data": request.POST},
        status=400 if errors else 200,
    )
