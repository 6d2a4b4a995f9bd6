"""The access policy, record by record."""

import re
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from tandem.core.models import RawWriteError, service_write
from tandem.encounters.models import Encounter
from tandem.encounters.selectors import encounter_get
from tandem.encounters.services import encounter_update
from tandem.privacy.models import AuditEvent
from tests.privacy.factories import agreement, consent, other_provider

pytestmark = pytest.mark.django_db


def test_officer_on_the_team_sees_safety_and_police_fields_but_not_clinical(region):
    encounter = encounter_get(actor=region.officer, encounter_id=region.encounter.pk)
    assert encounter.safety_notes == "Dog in the yard."
    assert encounter.police_narrative == "Officer stood by."
    assert encounter.clinical_notes == ""
    assert {"clinical_notes", "substance_use_notes", "diagnosis_impression"} <= encounter.withheld


def test_treating_clinician_reads_clinical_notes_but_not_the_police_narrative(region):
    encounter = encounter_get(actor=region.clinician, encounter_id=region.encounter.pk)
    assert encounter.clinical_notes == "Calm after talking."
    assert encounter.police_narrative == ""


def test_reading_clinical_data_writes_an_audit_event(region):
    encounter_get(actor=region.clinician, encounter_id=region.encounter.pk)
    event = AuditEvent.objects.get(action="read")
    assert (event.actor, event.object_id, event.segments) == (
        region.clinician,
        str(region.encounter.pk),
        "clinical",
    )
    assert event.person_id == region.person.pk


def test_an_officer_read_of_an_encounter_is_not_a_clinical_read(region):
    encounter_get(actor=region.officer, encounter_id=region.encounter.pk)
    assert not AuditEvent.objects.filter(action="read").exists()


def _without_csrf_tokens(body: bytes) -> bytes:
    """CSRF tokens are masked afresh on every response; nothing else may differ."""
    return re.sub(rb"[A-Za-z0-9]{64}", b"TOKEN", body)


def test_not_allowed_answers_exactly_like_not_found(region, client):
    client.force_login(region.other_officer)
    hidden = client.get(f"/encounters/{region.encounter.pk}/")
    missing = client.get("/encounters/999999/")
    assert hidden.status_code == missing.status_code == 404
    assert _without_csrf_tokens(hidden.content) == _without_csrf_tokens(missing.content)
    hidden_api = client.get(f"/api/encounters/{region.encounter.pk}")
    missing_api = client.get("/api/encounters/999999")
    assert hidden_api.status_code == missing_api.status_code == 404
    assert hidden_api.content == missing_api.content


def test_a_role_without_casework_sees_no_person_level_pages(region, client):
    client.force_login(region.analyst)
    assert client.get("/calls/").status_code == 404
    assert client.get(f"/api/calls/{region.call.pk}").status_code == 404


@pytest.fixture
def other_clinician(region):
    return other_provider(region).valley_clinician


def test_another_providers_clinician_reads_clinical_only_with_consent_and_agreement(
    region, other_clinician
):
    before = encounter_get(actor=other_clinician, encounter_id=region.encounter.pk)
    assert before.clinical_notes == ""
    consent(region.clinic, region.person, [region.valley])
    agreement(region.clinic, region.valley, segments=["clinical"])
    after = encounter_get(actor=other_clinician, encounter_id=region.encounter.pk)
    assert after.clinical_notes == "Calm after talking."
    assert "substance_use_notes" in after.withheld


def test_part2_needs_a_consent_that_covers_part2(region, other_clinician):
    agreement(region.clinic, region.valley, segments=["clinical", "part2"])
    consent(region.clinic, region.person, [region.valley], part2=False)
    without = encounter_get(actor=other_clinician, encounter_id=region.encounter.pk)
    assert "substance_use_notes" in without.withheld
    consent(region.clinic, region.person, [region.valley], part2=True)
    encounter = encounter_get(actor=other_clinician, encounter_id=region.encounter.pk)
    assert "substance_use_notes" not in encounter.withheld


def test_revoked_and_expired_consents_grant_nothing(region, other_clinician):
    agreement(region.clinic, region.valley)
    consent(region.clinic, region.person, [region.valley], revoked_at=timezone.now())
    consent(
        region.clinic,
        region.person,
        [region.valley],
        expires_at=timezone.now() - timedelta(days=1),
    )
    encounter = encounter_get(actor=other_clinician, encounter_id=region.encounter.pk)
    assert "clinical_notes" in encounter.withheld


def test_a_consent_naming_the_police_never_opens_clinical_data_to_officers(region):
    consent(region.clinic, region.person, [region.pd], part2=True)
    agreement(region.clinic, region.pd, segments=["clinical", "part2", "safety"])
    encounter = encounter_get(actor=region.officer, encounter_id=region.encounter.pk)
    assert encounter.clinical_notes == "" and encounter.substance_use_notes == ""


def test_a_redacted_record_cannot_be_saved(region):
    encounter = encounter_get(actor=region.officer, encounter_id=region.encounter.pk)
    with pytest.raises(RawWriteError), service_write():
        encounter.save()


def test_sensitive_records_refuse_a_raw_save_outside_their_service(region):
    encounter = Encounter.objects.get(pk=region.encounter.pk)
    encounter.clinical_notes = "edited behind the service's back"
    with pytest.raises(RawWriteError):
        encounter.save()


def test_a_service_write_and_its_audit_event_commit_or_roll_back_together(region):
    with pytest.raises(RuntimeError), transaction.atomic():
        encounter_update(
            actor=region.clinician, encounter_id=region.encounter.pk, clinical_notes="Changed."
        )
        assert AuditEvent.objects.filter(action="update").count() == 1
        raise RuntimeError("the request fails after the write")
    assert not AuditEvent.objects.filter(action="update").exists()
    assert Encounter.objects.get(pk=region.encounter.pk).clinical_notes == "Calm after talking."


def test_an_update_records_which_health_segments_it_touched(region):
    encounter_update(
        actor=region.clinician,
        encounter_id=region.encounter.pk,
        clinical_notes="Changed.",
        substance_use_notes="x",
    )
    event = AuditEvent.objects.get(action="update")
    assert event.segments == "clinical,part2"
    assert event.actor_role == "clinician"
