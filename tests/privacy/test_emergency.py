"""Break-the-glass: a clinician opens another program's records in an emergency."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tandem.accounts.models import Membership
from tandem.accounts.roles import Role
from tandem.agencies.models import AgencyKind
from tandem.encounters.models import Encounter
from tandem.people.models import Person, PersonLink
from tandem.privacy.emergency import emergency_access_open
from tandem.privacy.models import AuditEvent, EmergencyAccess
from tandem.privacy.selectors import get_visible
from tests.conftest import _agency, _user

pytestmark = pytest.mark.django_db

OPEN = {
    "legal_basis": "medical_emergency",
    "nature_of_emergency": "Unresponsive after a suspected overdose",
    "reason": "Need current medications and treatment history",
}


@pytest.fixture
def other_provider(region):
    """A second provider whose clinician knows the person only by its own record."""
    region.other_clinic = _agency("ridge-clinic", AgencyKind.BEHAVIORAL_HEALTH, region.admin)
    region.er_clinician = _user("er_clinician", region.other_clinic, Role.CLINICIAN)
    region.other_privacy = _user("ridge_privacy", region.other_clinic, Role.PRIVACY_OFFICER)
    region.other_privacy.email = "privacy@ridge.example"
    region.other_privacy.save()
    region.own_record = Person.objects.create(
        owning_agency=region.other_clinic, given_name="Dana", family_name="Reyes"
    )
    low, high = sorted((region.person.pk, region.own_record.pk))
    PersonLink.objects.create(
        owning_agency=region.admin,
        person_a_id=low,
        person_b_id=high,
        probability=0.99,
        status="auto",
    )
    region.encounter.substance_use_notes = "Methadone 80 mg daily"
    Encounter.objects.filter(pk=region.encounter.pk).update(
        substance_use_notes="Methadone 80 mg daily"
    )
    return region


def _read(user, encounter_id):
    return get_visible(user, Encounter.objects.all(), encounter_id)


def test_without_emergency_access_the_other_providers_encounter_is_hidden(other_provider):
    from django.http import Http404

    with pytest.raises(Http404):
        _read(other_provider.er_clinician, other_provider.encounter.pk)


def test_a_medical_emergency_opens_clinical_and_part2_records_for_an_hour(other_provider):
    r = other_provider
    access = emergency_access_open(actor=r.er_clinician, person_id=r.own_record.pk, **OPEN)

    encounter = _read(r.er_clinician, r.encounter.pk)
    assert encounter.clinical_notes == "Calm after talking."
    assert encounter.substance_use_notes == "Methadone 80 mg daily"
    assert encounter.police_narrative == ""  # never cji
    assert access.expires_at - access.started_at == timedelta(minutes=60)
    assert access.recipient_affiliation == r.other_clinic.name
    assert r.clinic in access.disclosing_agencies.all()
    event = AuditEvent.objects.get(action="emergency_access")
    assert event.legal_basis == "Medical emergency (42 CFR 2.51)"
    assert "suspected overdose" in event.reason
    assert mail.outbox and mail.outbox[0].to == ["privacy@ridge.example"]
    assert "Methadone" not in mail.outbox[0].body and "overdose" not in mail.outbox[0].body


def test_a_serious_threat_opens_clinical_but_not_part2(other_provider):
    r = other_provider
    emergency_access_open(
        actor=r.er_clinician, person_id=r.own_record.pk, **{**OPEN, "legal_basis": "serious_threat"}
    )
    encounter = _read(r.er_clinician, r.encounter.pk)
    assert encounter.clinical_notes == "Calm after talking."
    assert encounter.substance_use_notes == ""


def test_access_ends_when_it_expires(other_provider):
    from django.http import Http404

    r = other_provider
    access = emergency_access_open(actor=r.er_clinician, person_id=r.own_record.pk, **OPEN)
    EmergencyAccess.objects.filter(pk=access.pk).update(expires_at=timezone.now())
    r.er_clinician.__dict__.pop("_emergency_people", None)
    with pytest.raises(Http404):
        _read(r.er_clinician, r.encounter.pk)


@pytest.mark.parametrize("persona", ["officer", "police_supervisor", "navigator", "analyst"])
def test_only_clinicians_and_clinical_supervisors_may_open_records(region, persona):
    with pytest.raises(PermissionDenied):
        emergency_access_open(actor=getattr(region, persona), person_id=region.person.pk, **OPEN)


def test_each_missing_element_is_named(other_provider):
    with pytest.raises(ValidationError) as error:
        emergency_access_open(
            actor=other_provider.er_clinician,
            person_id=other_provider.own_record.pk,
            legal_basis="curiosity",
            nature_of_emergency="",
            reason="x",
        )
    assert set(error.value.message_dict) == {"legal_basis", "nature_of_emergency", "reason"}
    assert not EmergencyAccess.objects.exists()


def test_the_privacy_officer_reviews_it_and_it_leaves_the_queue(other_provider, client):
    r = other_provider
    access = emergency_access_open(actor=r.er_clinician, person_id=r.own_record.pk, **OPEN)
    client.force_login(r.privacy_officer)  # the disclosing clinic's privacy officer
    page = client.get("/privacy/emergency/").content.decode()
    assert "Waiting for review (1)" in page and "suspected overdose" in page
    client.post(f"/privacy/emergency/{access.pk}/review/", {"note": "Confirmed with the ER"})
    access.refresh_from_db()
    assert access.reviewed_by == r.privacy_officer and access.review_note
    assert "Waiting for review (0)" in client.get("/privacy/emergency/").content.decode()


def test_the_form_opens_access_and_the_person_page_says_so(other_provider, client):
    r = other_provider
    client.force_login(r.er_clinician)
    page = client.get(f"/people/{r.own_record.pk}/").content.decode()
    assert "Emergency access…" in page
    bad = client.post(f"/privacy/emergency/open/{r.own_record.pk}/", {"legal_basis": ""})
    assert bad.status_code == 400 and "Choose the legal basis" in bad.content.decode()
    done = client.post(f"/privacy/emergency/open/{r.own_record.pk}/", OPEN, follow=True)
    assert "Emergency access is open for this person until" in done.content.decode()
    assert Membership.objects.filter(user=r.er_clinician).exists()
