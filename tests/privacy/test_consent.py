"""Recording, revoking and exporting a consent (42 CFR 2.31), and its pages."""

import json
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from fhir.resources.R4B.consent import Consent as FhirConsent

from tandem.encounters.models import Encounter
from tandem.privacy.consent import consent_create, consent_revoke
from tandem.privacy.models import AuditEvent, Consent, ConsentStatus
from tests.privacy.factories import SIGNATURE, agreement, consent, other_provider

pytestmark = pytest.mark.django_db


@pytest.fixture
def valley(region):
    return other_provider(region)


def form(region, **changes) -> dict:
    """What a filled-in form sends to the service; `changes` spoil one element."""
    fields = {
        "person_id": region.person.pk,
        "recipient_ids": [region.valley.pk],
        "information_description": "Crisis assessments and clinical notes.",
        "purpose_kind": "treatment",
        "purpose": "Coordinate my care",
        "expires_on": timezone.localdate() + timedelta(days=90),
        "signed_by": "Dana Reyes",
        "signature_svg": SIGNATURE,
    }
    return {**fields, **changes}


def problems(region, actor=None, **changes) -> dict:
    with pytest.raises(ValidationError) as caught:
        consent_create(actor=actor or region.clinician, **form(region, **changes))
    assert not Consent.objects.exists(), "nothing is saved when the form has a problem"
    return caught.value.message_dict


def test_a_signed_consent_holds_every_element_and_is_audited(valley):
    made = consent_create(
        actor=valley.clinician,
        **form(valley, includes_part2=True, part2_description="Attends weekly"),
    )
    assert made.owning_agency == valley.clinic
    assert made.discloser_description == valley.clinic.name
    assert list(made.recipients.all()) == [valley.valley]
    assert made.recipient_description == valley.valley.name
    assert made.revocation_statement and made.refusal_statement
    assert "relied on this consent" in made.revocation_statement  # the reliance exception
    assert made.tpo_redisclosure_statement == ""  # a treatment consent, not TPO
    assert made.witnessed_by == valley.clinician and made.signed_at is not None
    assert made.expires_at.date() == timezone.localdate() + timedelta(days=90)
    assert made.status == ConsentStatus.ACTIVE
    event = AuditEvent.objects.get(action="consent_create")
    assert (event.object_id, event.person_id, event.segments) == (
        str(made.pk),
        valley.person.pk,
        "clinical,part2",
    )
    assert "2.31" in event.legal_basis


def test_a_tpo_consent_stores_the_redisclosure_and_fundraising_statements(valley):
    made = consent_create(actor=valley.clinician, **form(valley, purpose_kind="tpo"))
    assert "proceeding" in made.tpo_redisclosure_statement
    assert "fundraising" in made.fundraising_statement


@pytest.mark.parametrize(
    ("field", "changes", "expected"),
    [
        ("recipients", {"recipient_ids": []}, "at least one provider"),
        ("recipients", {"recipient_ids": ["x"]}, "from the list"),
        ("information_description", {"information_description": "  "}, "Describe"),
        (
            "part2_description",
            {"includes_part2": True, "part2_description": ""},
            "substance-use",
        ),
        ("purpose_kind", {"purpose_kind": "marketing"}, "what the information is shared for"),
        ("purpose", {"purpose": ""}, "why"),
        ("expires_on", {"expires_on": None}, "date this consent ends, or the event"),
        ("expires_on", {"expires_on": "31/12/2030"}, "for example"),
        ("expires_on", {"expires_on": timezone.localdate()}, "after today"),
        ("expires_on", {"expiry_event": "End of treatment"}, "not both"),
        ("signed_by", {"signed_by": " "}, "full name"),
        ("signer_role", {"signer_role": "neighbour"}, "who is signing"),
        ("signer_authority", {"signer_role": "representative"}, "authorizes"),
        ("signature", {"signature_svg": ""}, "Sign in the box"),
        ("signature", {"signature_svg": "M10 10 L20 20 <script>"}, "could not be read"),
        ("signature", {"signature_svg": "M10 10 L5000 20"}, "could not be read"),
        ("signature", {"signature_svg": "M10 10 L12 11 L13 12 L14 10 L15 11"}, "too small"),
    ],
)
def test_each_missing_or_wrong_element_is_named(valley, field, changes, expected):
    found = problems(valley, **changes)
    assert expected.lower() in " ".join(found[field]).lower(), found


def test_a_consent_may_not_name_the_own_program_or_the_police(valley):
    assert "recipients" in problems(valley, recipient_ids=[valley.clinic.pk])
    assert "recipients" in problems(valley, recipient_ids=[valley.pd.pk])


def test_a_consent_ended_by_an_event_and_signed_by_typed_name(valley):
    made = consent_create(
        actor=valley.clinician,
        **form(
            valley,
            expires_on="",
            expiry_event="When my treatment ends",
            signature_method="typed",
            signature_svg="",
        ),
    )
    assert made.expires_at is None and made.expiry_event == "When my treatment ends"
    assert made.signature_method == "typed" and made.signature_svg == ""


def test_only_a_providers_clinical_staff_record_consents(valley):
    from django.core.exceptions import PermissionDenied

    for user in (valley.officer, valley.privacy_officer, valley.regional_admin):
        with pytest.raises(PermissionDenied):
            consent_create(actor=user, **form(valley))


def test_revocation_takes_effect_on_the_next_request(valley, client):
    Encounter.objects.filter(pk=valley.encounter.pk).update(clinical_notes="VISIBLE-NOTE")
    agreement(valley.clinic, valley.valley)
    made = consent_create(actor=valley.clinician, **form(valley))
    client.force_login(valley.valley_clinician)
    assert b"VISIBLE-NOTE" in client.get(f"/encounters/{valley.encounter.pk}/").content
    consent_revoke(actor=valley.clinician, consent_id=made.pk, method="writing", note="Letter")
    assert b"VISIBLE-NOTE" not in client.get(f"/encounters/{valley.encounter.pk}/").content
    made.refresh_from_db()
    assert made.status == ConsentStatus.REVOKED and made.revoked_by == valley.clinician
    assert AuditEvent.objects.filter(action="consent_revoke", object_id=str(made.pk)).exists()


def test_a_revocation_names_its_problem(valley):
    made = consent_create(actor=valley.clinician, **form(valley))
    with pytest.raises(ValidationError) as caught:
        consent_revoke(actor=valley.clinician, consent_id=made.pk, method="")
    assert "how the revocation reached you" in caught.value.message_dict["method"][0]
    with pytest.raises(ValidationError) as caught:
        consent_revoke(actor=valley.clinician, consent_id=made.pk, method="expiry_event")
    assert "ends on a date" in caught.value.message_dict["method"][0]
    consent_revoke(actor=valley.clinician, consent_id=made.pk, method="spoken")
    with pytest.raises(ValidationError) as caught:
        consent_revoke(actor=valley.clinician, consent_id=made.pk, method="writing")
    assert "already revoked" in caught.value.message_dict["method"][0]


def test_another_agencys_staff_cannot_revoke_a_consent(valley):
    made = consent_create(actor=valley.clinician, **form(valley))
    with pytest.raises(Http404):
        consent_revoke(actor=valley.valley_clinician, consent_id=made.pk, method="writing")


def test_an_expiry_event_ends_the_consent_as_expired(valley):
    made = consent_create(
        actor=valley.clinician, **form(valley, expires_on="", expiry_event="End of treatment")
    )
    consent_revoke(actor=valley.clinician, consent_id=made.pk, method="expiry_event")
    made.refresh_from_db()
    assert made.status == ConsentStatus.EXPIRED


# --- pages -----------------------------------------------------------------------------

NEW_FORM = {
    "recipients": [],
    "information_description": "Crisis assessments and clinical notes.",
    "purpose_kind": "treatment",
    "purpose": "Coordinate my care",
    "ends_by": "date",
    "signer_role": "person",
    "signed_by": "Dana Reyes",
    "signature": SIGNATURE,
}


def test_the_person_page_offers_consents_to_clinical_staff_only(valley, client):
    client.force_login(valley.clinician)
    page = client.get(f"/people/{valley.person.pk}/").content.decode()
    assert "Consents to share" in page and f"/privacy/people/{valley.person.pk}/consents/" in page
    client.force_login(valley.officer)
    assert "Consents to share" not in client.get(f"/people/{valley.person.pk}/").content.decode()


def test_the_form_signs_a_consent_and_the_list_shows_it_active(valley, client):
    client.force_login(valley.clinician)
    page = client.get(f"/privacy/people/{valley.person.pk}/consents/new/")
    assert page.status_code == 200
    assert "Your rights" in page.content.decode() and valley.valley.name in page.content.decode()
    data = {
        **NEW_FORM,
        "recipients": [valley.valley.pk],
        "expires_on": str(timezone.localdate() + timedelta(days=30)),
    }
    response = client.post(f"/privacy/people/{valley.person.pk}/consents/new/", data)
    made = Consent.objects.get()
    assert response.status_code == 302 and response.url == f"/privacy/consents/{made.pk}/"
    listing = client.get(f"/privacy/people/{valley.person.pk}/consents/").content.decode()
    assert "Active" in listing and valley.valley.name in listing
    detail = client.get(f"/privacy/consents/{made.pk}/").content.decode()
    assert f'd="{SIGNATURE}"' in detail  # the drawn signature, as SVG
    assert "Revoke this consent" in detail


def test_a_form_with_problems_keeps_what_was_typed_and_names_each_problem(valley, client):
    client.force_login(valley.clinician)
    data = {**NEW_FORM, "purpose": "", "signature": ""}
    response = client.post(f"/privacy/people/{valley.person.pk}/consents/new/", data)
    body = response.content.decode()
    assert response.status_code == 400
    assert "Choose at least one provider" in body
    assert "Sign in the box" in body
    assert "Give the date this consent ends" in body
    assert "Crisis assessments and clinical notes." in body and "Dana Reyes" in body
    assert not Consent.objects.exists()


def test_revoking_from_the_page_asks_first_then_shows_it_revoked(valley, client):
    made = consent(valley.clinic, valley.person, [valley.valley])
    client.force_login(valley.clinician)
    confirm = client.get(f"/privacy/consents/{made.pk}/revoke/")
    assert "Revoke this consent?" in confirm.content.decode()
    made.refresh_from_db()
    assert made.revoked_at is None  # asking changes nothing
    client.post(f"/privacy/consents/{made.pk}/revoke/", {"method": "writing"})
    detail = client.get(f"/privacy/consents/{made.pk}/").content.decode()
    assert "Revoked" in detail and "Revoke this consent" not in detail


@pytest.mark.parametrize("persona", ["officer", "valley_clinician", "privacy_officer", "analyst"])
def test_a_providers_consent_does_not_exist_for_anyone_else(valley, client, persona):
    made = consent(valley.clinic, valley.person, [valley.valley])
    client.force_login(getattr(valley, persona))
    for url in (
        f"/privacy/consents/{made.pk}/",
        f"/privacy/consents/{made.pk}/revoke/",
        f"/api/consents/{made.pk}/fhir",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/privacy/consents/{made.pk}/revoke/", {"method": "writing"}).status_code
    made.refresh_from_db()
    assert made.revoked_at is None


@pytest.mark.parametrize("persona", ["officer", "privacy_officer", "analyst"])
def test_only_clinical_staff_have_consent_pages(valley, client, persona):
    client.force_login(getattr(valley, persona))
    for url in (
        f"/privacy/people/{valley.person.pk}/consents/",
        f"/privacy/people/{valley.person.pk}/consents/new/",
    ):
        assert client.get(url).status_code == 404, url


def test_another_providers_clinician_sees_only_their_own_providers_consents(valley, client):
    consent(valley.clinic, valley.person, [valley.valley])
    client.force_login(valley.valley_clinician)
    listing = client.get(f"/privacy/people/{valley.person.pk}/consents/").content.decode()
    assert "No consent on record" in listing


# --- FHIR ------------------------------------------------------------------------------


def test_a_consent_exports_as_a_valid_fhir_r4b_consent_with_the_standard_codes(valley, client):
    made = consent_create(
        actor=valley.clinician,
        **form(valley, includes_part2=True, part2_description="Treatment attendance"),
    )
    client.force_login(valley.clinician)
    response = client.get(f"/api/consents/{made.pk}/fhir")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/fhir+json")
    resource = json.loads(response.content)
    FhirConsent.model_validate(resource)  # raises when the resource is not valid R4B
    assert resource["status"] == "active"
    assert resource["scope"]["coding"][0]["code"] == "patient-privacy"
    assert resource["category"][0]["coding"][0] == {
        "system": "http://loinc.org",
        "code": "59284-0",
        "display": "Patient Consent",
    }
    provision = resource["provision"]
    assert provision["type"] == "permit"
    assert provision["actor"][0]["role"]["coding"][0]["code"] == "IRCP"
    assert provision["actor"][0]["reference"]["display"] == valley.valley.name
    assert provision["action"][0]["coding"][0]["code"] == "disclose"
    assert [p["code"] for p in provision["purpose"]] == ["TREAT"]
    assert [s["code"] for s in provision["securityLabel"]] == ["SUD"]
    assert resource["sourceAttachment"]["contentType"] == "image/svg+xml"


def test_a_revoked_consent_exports_as_inactive_without_a_sud_label_when_not_part2(valley, client):
    made = consent_create(actor=valley.clinician, **form(valley))
    consent_revoke(actor=valley.clinician, consent_id=made.pk, method="writing")
    client.force_login(valley.clinician)
    resource = json.loads(client.get(f"/api/consents/{made.pk}/fhir").content)
    assert resource["status"] == "inactive"
    assert "securityLabel" not in resource["provision"]
    assert resource["provision"]["period"]["end"]
