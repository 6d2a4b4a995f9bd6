"""Consent to disclose (42 CFR 2.31): recording a signed consent, revoking it, reading it.

A clinician of the disclosing program records the consent on their tablet while the
person reads the form and signs it with a finger (or types their name); the clinician is
the witness. The access policy reads consents at request time, so a revocation stops
sharing on the next request and an expiry needs no job to take effect.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from tandem.agencies.models import Agency, AgencyKind
from tandem.core.models import service_write
from tandem.privacy.models import (
    Consent,
    ConsentPurpose,
    RevocationMethod,
    SignatureMethod,
    SignerRole,
)
from tandem.privacy.segments import CLINICAL, PART2
from tandem.privacy.services import audit_record

SIGNATURE_BOX = (1000, 300)  # the SVG viewBox the signature pad draws in
SIGNATURE_MAX_CHARS = 60_000
_PATH_TOKEN = re.compile(r"[ML]|-?\d+(?:\.\d+)?")
_PATH_CHARS = re.compile(r"^[ML0-9 .,\-\n]*$")
MIN_DESCRIPTION = 10


def consent_statements(agency_name: str) -> dict[str, str]:
    """The statements the form shows the person, in plain language, stored as shown."""
    return {
        "revocation_statement": (
            f"You can take back (revoke) this consent at any time. To do so, give or send "
            f"a signed note to {agency_name}, or ask any of its staff for the form. Sharing "
            f"stops as soon as {agency_name} records it. Revoking cannot undo what was "
            f"already shared while {agency_name} relied on this consent."
        ),
        "refusal_statement": (
            f"You do not have to sign. {agency_name} will not refuse or change your "
            "treatment, payment, enrollment or eligibility for benefits because you do not "
            "sign. Without your consent your records are shared only where the law allows "
            "it without consent, such as a medical emergency."
        ),
        "tpo_redisclosure_statement": (
            "A provider, health plan or business associate that receives your records for "
            "treatment, payment or health care operations may share them again as the HIPAA "
            "rules allow. Your records, and testimony about them, may never be used against "
            "you in a civil, criminal, administrative or legislative proceeding unless you "
            "consent in writing or a court orders it under 42 CFR part 2."
        ),
        "fundraising_statement": (
            f"If {agency_name} asks you for donations, you have the right to say no to "
            "all fundraising messages. Tell any staff member."
        ),
    }


# --- reads ----------------------------------------------------------------------------


def consent_agency(user) -> Agency | None:
    """The behavioral-health provider a clinical staff member records consents for."""
    from tandem.privacy.policy import CLINICAL_ROLES

    if not user.is_authenticated:
        return None
    return next(
        (
            m.owning_agency
            for m in user.memberships_cached()
            if m.role in CLINICAL_ROLES and m.owning_agency.kind == AgencyKind.BEHAVIORAL_HEALTH
        ),
        None,
    )


def _own_consents(user) -> QuerySet:
    """Consents held by the user's providers: the only ones their pages show."""
    from tandem.privacy.policy import actor_for

    return Consent.objects.filter(owning_agency__in=actor_for(user).clinical_agencies)


def consent_list(*, actor, person_id: int) -> list[Consent]:
    """The person's consents (on this record or a linked one) held by the actor's
    providers, newest first, without their descriptions."""
    from tandem.people.selectors import linked_ids
    from tandem.privacy.selectors import summaries

    rows = _own_consents(actor).filter(person_id__in=linked_ids(person_id))
    return summaries(actor, rows.prefetch_related("recipients"), limit=None)


def consent_get(*, actor, consent_id: int) -> Consent:
    """One consent, every element, its reading audited; 404 for anyone else's."""
    from tandem.privacy.selectors import get_visible

    rows = _own_consents(actor).select_related("person", "owning_agency", "witnessed_by")
    return get_visible(actor, rows, consent_id, reason="consent record")


def recipient_choices(agency: Agency) -> QuerySet:
    """Providers a consent may name: every other behavioral-health provider."""
    return Agency.objects.filter(kind=AgencyKind.BEHAVIORAL_HEALTH).exclude(pk=agency.pk)


# --- writes ---------------------------------------------------------------------------


@transaction.atomic
def consent_create(
    *,
    actor,
    person_id: int,
    recipient_ids: Iterable[int | str],
    information_description: str,
    purpose_kind: str,
    purpose: str,
    signed_by: str,
    recipient_description: str = "",
    includes_part2: bool = False,
    part2_description: str = "",
    expires_on: dt.date | str | None = None,
    expiry_event: str = "",
    signer_role: str = SignerRole.PERSON,
    signer_authority: str = "",
    signature_method: str = SignatureMethod.DRAWN,
    signature_svg: str = "",
) -> Consent:
    """Record a consent the person just signed, witnessed by the actor."""
    from tandem.people.models import Person
    from tandem.privacy.selectors import visible

    agency = consent_agency(actor)
    if agency is None:
        raise PermissionDenied("Only a provider's clinical staff record consents.")
    if not visible(actor, Person.objects.filter(pk=person_id)).exists():
        raise Http404("No such person.")
    problems: dict[str, str] = {}
    recipients = _recipients(agency, recipient_ids, problems)
    information_description = information_description.strip()
    if len(information_description) < MIN_DESCRIPTION:
        problems["information_description"] = (
            "Describe the information to be shared (at least 10 characters)."
        )
    part2_description = part2_description.strip() if includes_part2 else ""
    if includes_part2 and len(part2_description) < MIN_DESCRIPTION:
        problems["part2_description"] = (
            "Describe the substance-use treatment information to be shared (at least "
            "10 characters), or untick Part 2."
        )
    if purpose_kind not in ConsentPurpose.values:
        problems["purpose_kind"] = "Choose what the information is shared for."
    if not purpose.strip():
        problems["purpose"] = "Say in a few words why the information is shared."
    expires_at = _expiry(expires_on, expiry_event.strip(), problems)
    _signer(signed_by, signer_role, signer_authority, problems)
    svg = _signature(signature_method, signature_svg, problems)
    if problems:
        raise ValidationError(problems)

    statements = consent_statements(agency.name)
    tpo = purpose_kind == ConsentPurpose.TPO
    names = "; ".join(r.name for r in recipients)
    with service_write():
        consent = Consent.objects.create(
            owning_agency=agency,
            created_by=actor,
            updated_by=actor,
            person_id=person_id,
            discloser_description=agency.name,
            recipient_description=(
                f"{names}; {recipient_description.strip()}"
                if recipient_description.strip()
                else names
            )[:300],
            information_description=information_description,
            includes_part2=includes_part2,
            part2_description=part2_description,
            purpose_kind=purpose_kind,
            purpose=purpose.strip()[:300],
            revocation_statement=statements["revocation_statement"],
            refusal_statement=statements["refusal_statement"],
            tpo_redisclosure_statement=statements["tpo_redisclosure_statement"] if tpo else "",
            fundraising_statement=statements["fundraising_statement"] if tpo else "",
            expires_at=expires_at,
            expiry_event="" if expires_at else expiry_event.strip()[:200],
            signed_by=signed_by.strip()[:200],
            signer_role=signer_role,
            signer_authority=signer_authority.strip()[:200]
            if signer_role == SignerRole.REPRESENTATIVE
            else "",
            signature_method=signature_method,
            signature_svg=svg,
            witnessed_by=actor,
            signed_at=timezone.now(),
        )
        consent.recipients.set(recipients)
        audit_record(
            actor=actor,
            action="consent_create",
            obj=consent,
            person_id=person_id,
            segments={CLINICAL, PART2} if includes_part2 else {CLINICAL},
            reason=f"Consent to disclose to {names}"[:300],
            legal_basis="42 CFR 2.31; HIPAA 45 CFR 164.508",
        )
    return consent


@transaction.atomic
def consent_revoke(*, actor, consent_id: int, method: str, note: str = "") -> Consent:
    """Record a revocation; the policy stops sharing under the consent from now on."""
    consent = _own_consents(actor).select_for_update().filter(pk=consent_id).first()
    if consent is None:
        raise Http404("No such consent.")
    problems: dict[str, str] = {}
    if consent.revoked_at is not None:
        at = timezone.localtime(consent.revoked_at)
        problems["method"] = f"This consent was already revoked on {at:%Y-%m-%d at %H:%M}."
    elif method not in RevocationMethod.values:
        problems["method"] = "Choose how the revocation reached you."
    elif method == RevocationMethod.EXPIRY_EVENT and not consent.expiry_event:
        problems["method"] = "This consent ends on a date, not an event: choose another way."
    if len(note) > 1000:
        problems["note"] = "Keep the note under 1,000 characters."
    if problems:
        raise ValidationError(problems)
    consent.revoked_at = timezone.now()
    consent.revoked_by = actor
    consent.revocation_method = method
    consent.revocation_note = note.strip()
    consent.updated_by = actor
    with service_write():
        consent.save()
        audit_record(
            actor=actor,
            action="consent_revoke",
            obj=consent,
            person_id=consent.person_id,
            reason=f"Revoked: {RevocationMethod(method).label}"[:300],
            legal_basis="42 CFR 2.31(a)(6)",
        )
    return consent


# --- validation -----------------------------------------------------------------------


def _recipients(agency: Agency, ids: Iterable[int | str], problems: dict) -> list[Agency]:
    try:
        wanted = {int(i) for i in ids}
    except (TypeError, ValueError):
        problems["recipients"] = "Choose providers from the list."
        return []
    if not wanted:
        problems["recipients"] = "Choose at least one provider who may receive the information."
        return []
    found = list(recipient_choices(agency).filter(pk__in=wanted).order_by("name"))
    if len(found) != len(wanted):
        problems["recipients"] = (
            "Choose providers from the list: a consent names other behavioral-health "
            "providers, never your own program or a police agency."
        )
    return found


def _expiry(expires_on, event: str, problems: dict) -> dt.datetime | None:
    """The end of the day the consent ends on, or None when an event ends it."""
    if isinstance(expires_on, str):
        text = expires_on.strip()
        try:
            expires_on = dt.date.fromisoformat(text) if text else None
        except ValueError:
            problems["expires_on"] = "Enter the end date as a date, for example 2026-12-31."
            return None
    if expires_on is None and not event:
        problems["expires_on"] = "Give the date this consent ends, or the event that ends it."
        return None
    if expires_on is not None and event:
        problems["expires_on"] = "Give an end date or an end event, not both."
        return None
    if expires_on is None:
        if len(event) > 200:
            problems["expiry_event"] = "Keep the end event under 200 characters."
        return None
    if expires_on <= timezone.localdate():
        problems["expires_on"] = "The end date must be after today."
        return None
    return timezone.make_aware(dt.datetime.combine(expires_on, dt.time.max))


def _signer(name: str, role: str, authority: str, problems: dict) -> None:
    if not name.strip():
        problems["signed_by"] = "Type the full name of the person signing."
    elif len(name.strip()) > 200:
        problems["signed_by"] = "Keep the name under 200 characters."
    if role not in SignerRole.values:
        problems["signer_role"] = "Say who is signing: the person, or someone authorized."
    elif role == SignerRole.REPRESENTATIVE and not authority.strip():
        problems["signer_authority"] = (
            "Say what authorizes the representative to sign, for example legal guardian."
        )


def _signature(method: str, svg: str, problems: dict) -> str:
    """The drawn signature as checked SVG path data ("" for a typed-name signature)."""
    if method == SignatureMethod.TYPED:
        return ""
    if method != SignatureMethod.DRAWN:
        problems["signature"] = "Sign in the box, or choose to sign with your typed name."
        return ""
    svg = svg.strip()
    if not svg:
        problems["signature"] = "Sign in the box, or choose to sign with your typed name."
        return ""
    points = _path_points(svg)
    if points is None or len(svg) > SIGNATURE_MAX_CHARS:
        problems["signature"] = "The signature could not be read: clear the box and sign again."
        return ""
    xs = [x for x, _ in points]
    if len(points) < 5 or max(xs) - min(xs) < 40:
        problems["signature"] = "The signature is too small: sign across the box."
        return ""
    return svg


def _path_points(svg: str) -> list[tuple[float, float]] | None:
    """Points of an SVG path made only of M and L commands inside the box, else None."""
    if not _PATH_CHARS.match(svg):
        return None
    tokens = _PATH_TOKEN.findall(svg.replace(",", " "))
    if not tokens or tokens[0] != "M":
        return None
    width, height = SIGNATURE_BOX
    points: list[tuple[float, float]] = []
    for i in range(0, len(tokens), 3):
        command, coords = tokens[i], tokens[i + 1 : i + 3]
        if command not in ("M", "L") or len(coords) != 2 or {"M", "L"} & set(coords):
            return None
        x, y = float(coords[0]), float(coords[1])
        if not (0 <= x <= width and 0 <= y <= height):
            return None
        points.append((x, y))
    return points
