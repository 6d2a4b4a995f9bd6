"""Consent pages: a person's consents, the form they sign on the tablet, revocation.

Only the clinical staff of a behavioral-health provider use them, for the consents their
provider holds; to anyone else every one of these pages does not exist (404).
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone

from tandem.accounts.roles import Perm
from tandem.core.views import requires
from tandem.people.selectors import person_get
from tandem.privacy import consent as consents
from tandem.privacy.models import (
    ConsentPurpose,
    ConsentStatus,
    RevocationMethod,
    SignatureMethod,
    SignerRole,
)


def _agency_or_404(request: HttpRequest):
    agency = consents.consent_agency(request.user)
    if agency is None:
        raise Http404("No such page.")
    return agency


@requires(Perm.VIEW_PEOPLE)
def consent_list(request: HttpRequest, person_id: int) -> HttpResponse:
    _agency_or_404(request)
    person = person_get(actor=request.user, person_id=person_id)
    rows = consents.consent_list(actor=request.user, person_id=person.pk)
    now = timezone.now()
    return render(
        request,
        "privacy/consent_list.html",
        {"person": person, "consents": [(c, c.status_at(now)) for c in rows]},
    )


@requires(Perm.VIEW_PEOPLE)
def consent_new(request: HttpRequest, person_id: int) -> HttpResponse:
    """The consent form the person reads and signs on the clinician's tablet."""
    agency = _agency_or_404(request)
    person = person_get(actor=request.user, person_id=person_id)
    errors: dict[str, list[str]] = {}
    data = request.POST if request.method == "POST" else _defaults(agency)
    if request.method == "POST":
        try:
            consent = consents.consent_create(
                actor=request.user,
                person_id=person.pk,
                recipient_ids=data.getlist("recipients"),
                recipient_description=data.get("recipient_description", ""),
                information_description=data.get("information_description", ""),
                includes_part2=data.get("includes_part2") == "on",
                part2_description=data.get("part2_description", ""),
                purpose_kind=data.get("purpose_kind", ""),
                purpose=data.get("purpose", ""),
                expires_on=data.get("expires_on", "") if data.get("ends_by") == "date" else "",
                expiry_event=data.get("expiry_event", "") if data.get("ends_by") == "event" else "",
                signed_by=data.get("signed_by", ""),
                signer_role=data.get("signer_role", ""),
                signer_authority=data.get("signer_authority", ""),
                signature_method=(
                    SignatureMethod.TYPED
                    if data.get("typed_signature") == "on"
                    else SignatureMethod.DRAWN
                ),
                signature_svg=data.get("signature", ""),
            )
        except ValidationError as exc:
            errors = exc.message_dict
        else:
            messages.success(request, "Consent signed. It is active now.")
            return redirect("privacy:consent_detail", consent_id=consent.pk)
    return render(
        request,
        "privacy/consent_form.html",
        {
            "person": person,
            "agency": agency,
            "recipients": consents.recipient_choices(agency).order_by("name"),
            "chosen": {str(i) for i in data.getlist("recipients")},
            "purposes": ConsentPurpose.choices,
            "signer_roles": SignerRole.choices,
            "statements": consents.consent_statements(agency.name),
            "errors": errors,
            "data": data,
            "today": timezone.localdate(),
        },
        status=400 if errors else 200,
    )


def _defaults(agency):
    """Suggested wording the clinician adjusts with the person before they sign."""
    defaults = QueryDict(mutable=True)
    defaults.update(
        {
            "information_description": (
                f"My crisis assessments, screening results, clinical notes and working "
                f"diagnoses recorded by {agency.name}."
            ),
            "purpose_kind": ConsentPurpose.TREATMENT,
            "purpose": "To coordinate my care between my providers.",
            "ends_by": "date",
            "signer_role": SignerRole.PERSON,
        }
    )
    return defaults


@requires(Perm.VIEW_PEOPLE)
def consent_detail(request: HttpRequest, consent_id: int) -> HttpResponse:
    _agency_or_404(request)
    consent = consents.consent_get(actor=request.user, consent_id=consent_id)
    return render(
        request,
        "privacy/consent_detail.html",
        {
            "consent": consent,
            "status": consent.status,
            "active": consent.status == ConsentStatus.ACTIVE,
            "recipients": consent.recipients.order_by("name"),
            "drawn": bool(consent.signature_svg),
            "box": consents.SIGNATURE_BOX,
        },
    )


@requires(Perm.VIEW_PEOPLE)
def consent_revoke(request: HttpRequest, consent_id: int) -> HttpResponse:
    """Confirm, then record the revocation: sharing stops on the next request."""
    _agency_or_404(request)
    consent = consents.consent_get(actor=request.user, consent_id=consent_id)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            consents.consent_revoke(
                actor=request.user,
                consent_id=consent.pk,
                method=request.POST.get("method", ""),
                note=request.POST.get("note", ""),
            )
        except ValidationError as exc:
            errors = exc.message_dict
        else:
            messages.success(request, "Consent revoked. Nothing more is shared under it.")
            return redirect("privacy:consent_detail", consent_id=consent.pk)
    methods = [
        (value, label)
        for value, label in RevocationMethod.choices
        if value != RevocationMethod.EXPIRY_EVENT or consent.expiry_event
    ]
    return render(
        request,
        "privacy/consent_revoke.html",
        {"consent": consent, "methods": methods, "errors": errors, "data": request.POST},
        status=400 if errors else 200,
    )
