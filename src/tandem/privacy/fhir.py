"""A consent as an HL7 FHIR R4B `Consent` resource, built and validated by fhir.resources.

Codes (docs/privacy.md): scope `patient-privacy`; category LOINC 59284-0 (patient
consent); one `permit` provision whose actors are the recipients (role IRCP, information
recipient), action `disclose`, purpose from the consent (TREAT; HPAYMT and HOPERAT as
well for a TPO consent; PATRQT at the person's request), security label `SUD` when the
consent covers Part 2. fhir.resources does not enforce required bindings, so only codes
from the tables here are ever written.
"""

from __future__ import annotations

import base64
from html import escape

from django.utils import timezone
from fhir.resources.R4B.consent import Consent as FhirConsent

from tandem.privacy.consent import SIGNATURE_BOX
from tandem.privacy.models import Consent, ConsentPurpose, ConsentStatus, SignerRole

CONSENT_SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope"
LOINC = "http://loinc.org"
PARTICIPATION = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
CONSENT_ACTION = "http://terminology.hl7.org/CodeSystem/consentaction"
ACT_REASON = "http://terminology.hl7.org/CodeSystem/v3-ActReason"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
PART2_RULE = "https://www.ecfr.gov/current/title-42/chapter-I/subchapter-A/part-2"
HIPAA_RULE = "https://www.ecfr.gov/current/title-45/subtitle-A/subchapter-C/part-164"

PURPOSES = {
    ConsentPurpose.TREATMENT: [("TREAT", "treatment")],
    ConsentPurpose.TPO: [
        ("TREAT", "treatment"),
        ("HPAYMT", "healthcare payment"),
        ("HOPERAT", "healthcare operations"),
    ],
    ConsentPurpose.PATIENT_REQUEST: [("PATRQT", "patient requested")],
}


def consent_resource(consent: Consent) -> dict:
    """The consent as validated FHIR R4B JSON (a dict, no empty elements)."""
    data = {
        "resourceType": "Consent",
        "id": f"consent-{consent.pk}",
        "text": {"status": "generated", "div": _narrative(consent)},
        "status": "active" if consent.status == ConsentStatus.ACTIVE else "inactive",
        "scope": _concept(CONSENT_SCOPE, "patient-privacy", "Privacy Consent"),
        "category": [_concept(LOINC, "59284-0", "Patient Consent")],
        "patient": {
            "reference": f"Patient/{consent.person_id}",
            "display": f"{consent.person.given_name} {consent.person.family_name}",
        },
        "dateTime": consent.signed_at.isoformat(),
        "performer": [
            {
                "reference": f"Patient/{consent.person_id}",
                "display": consent.signed_by,
            }
            if consent.signer_role == SignerRole.PERSON
            else {"display": f"{consent.signed_by} ({consent.signer_authority})"}
        ],
        "organization": [_organization(consent.owning_agency)],
        "policy": [{"uri": PART2_RULE if consent.includes_part2 else HIPAA_RULE}],
        "provision": _provision(consent),
    }
    if consent.includes_part2:
        data["policyRule"] = _concept(ACT_CODE, "42CFRPart2", "42 CFR Part2")
    if consent.signature_svg:
        data["sourceAttachment"] = {
            "contentType": "image/svg+xml",
            "data": base64.b64encode(signature_svg(consent).encode()).decode(),
            "title": f"Signature of {consent.signed_by}",
            "creation": consent.signed_at.isoformat(),
        }
    return FhirConsent.model_validate(data).model_dump(mode="json", exclude_none=True)


def signature_svg(consent: Consent) -> str:
    """The drawn signature as a standalone SVG document."""
    width, height = SIGNATURE_BOX
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}">'
        f'<path d="{escape(consent.signature_svg)}" fill="none" stroke="#1b1b1b" '
        'stroke-width="6" stroke-linecap="round" stroke-linejoin="round"/></svg>'
    )


def _provision(consent: Consent) -> dict:
    end = consent.revoked_at or consent.expires_at
    period = {"start": consent.signed_at.isoformat()}
    if end is not None:
        period["end"] = end.isoformat()
    provision = {
        "type": "permit",
        "period": period,
        "actor": [
            {"role": _concept(PARTICIPATION, "IRCP", "information recipient"), "reference": ref}
            for ref in (_organization(a) for a in consent.recipients.order_by("name"))
        ],
        "action": [_concept(CONSENT_ACTION, "disclose", "Disclose")],
        "purpose": [
            {"system": ACT_REASON, "code": code, "display": display}
            for code, display in PURPOSES[ConsentPurpose(consent.purpose_kind)]
        ],
    }
    if consent.includes_part2:
        provision["securityLabel"] = [
            {"system": ACT_CODE, "code": "SUD", "display": "substance use disorder information"}
        ]
    return provision


def _organization(agency) -> dict:
    return {"reference": f"Organization/{agency.code}", "display": agency.name}


def _concept(system: str, code: str, display: str) -> dict:
    return {"coding": [{"system": system, "code": code, "display": display}]}


def _narrative(consent: Consent) -> str:
    """What the person agreed to, in the words of the form (XHTML narrative)."""
    lines = [
        f"Who may share: {consent.discloser_description or consent.owning_agency.name}",
        f"With: {consent.recipient_description}",
        f"Information: {consent.information_description}",
    ]
    if consent.includes_part2:
        lines.append(f"Substance-use treatment information: {consent.part2_description}")
    lines.append(f"Purpose: {consent.purpose}")
    if consent.expires_at:
        lines.append(f"Ends: {timezone.localtime(consent.expires_at):%Y-%m-%d}")
    else:
        lines.append(f"Ends: {consent.expiry_event}")
    if consent.revoked_at:
        lines.append(f"Revoked: {timezone.localtime(consent.revoked_at):%Y-%m-%d %H:%M}")
    body = "".join(f"<p>{escape(line)}</p>" for line in lines)
    return f'<div xmlns="http://www.w3.org/1999/xhtml">{body}</div>'
