"""Psychotherapy notes stay with the treating provider's clinicians: no consent, no
agreement and no emergency carries them anywhere else."""

import pytest

from tandem.accounts.roles import Role
from tandem.encounters.models import Encounter
from tandem.privacy.emergency import emergency_access_open
from tandem.privacy.models import AgreementDirection, AuditEvent
from tandem.privacy.segments import PSYCHOTHERAPY, segmented_fields
from tandem.privacy.selectors import get_visible
from tests.conftest import POLICE_PERSONAS, _user
from tests.privacy.factories import agreement, consent, other_provider

pytestmark = pytest.mark.django_db
NOTE = "Explored grief over her brother's death; transference noted."


@pytest.fixture
def therapy(region):
    other_provider(region)
    Encounter.objects.filter(pk=region.encounter.pk).update(psychotherapy_notes=NOTE)
    return region


def read(user, region) -> Encounter:
    return get_visible(user, Encounter.objects.all(), region.encounter.pk)


def test_the_encounter_field_is_tagged_psychotherapy():
    assert segmented_fields(Encounter)["psychotherapy_notes"] == PSYCHOTHERAPY


def test_the_treating_clinician_reads_them_and_the_read_is_audited(therapy):
    assert read(therapy.clinician, therapy).psychotherapy_notes == NOTE
    event = AuditEvent.objects.get(action="read")
    assert "psychotherapy" in event.segments.split(",")


def test_a_clinical_supervisor_of_the_provider_reads_them(therapy):
    supervisor = _user("clin_sup", therapy.clinic, Role.SUPERVISOR)
    assert read(supervisor, therapy).psychotherapy_notes == NOTE


def test_the_providers_navigator_reads_the_assessment_but_not_the_therapy_notes(therapy):
    encounter = read(therapy.navigator, therapy)
    assert encounter.clinical_notes == "Calm after talking."
    assert encounter.psychotherapy_notes == "" and "psychotherapy_notes" in encounter.withheld


def test_consent_and_agreement_covering_everything_do_not_carry_them(therapy):
    agreement(
        therapy.clinic,
        therapy.valley,
        segments=["clinical", "part2", "safety", "psychotherapy"],
        direction=AgreementDirection.BOTH_WAYS,
    )
    consent(therapy.clinic, therapy.person, [therapy.valley], part2=True)
    encounter = read(therapy.valley_clinician, therapy)
    assert encounter.clinical_notes == "Calm after talking."  # the rest is shared
    assert encounter.psychotherapy_notes == ""


def test_an_emergency_access_does_not_open_them(therapy):
    emergency_access_open(
        actor=therapy.valley_clinician,
        person_id=therapy.person.pk,
        legal_basis="medical_emergency",
        nature_of_emergency="Unresponsive after a suspected overdose",
        reason="Need current medications and treatment history",
    )
    encounter = read(therapy.valley_clinician, therapy)
    assert encounter.clinical_notes == "Calm after talking."
    assert encounter.psychotherapy_notes == ""


@pytest.mark.parametrize("persona", POLICE_PERSONAS)
def test_no_police_role_reads_them(therapy, persona, client):
    client.force_login(getattr(therapy, persona))
    for url in (f"/encounters/{therapy.encounter.pk}/", f"/api/encounters/{therapy.encounter.pk}"):
        assert NOTE.encode() not in client.get(url).content


def test_the_api_leaves_them_out_for_another_provider_and_sends_them_to_the_author(therapy, client):
    agreement(therapy.clinic, therapy.valley)
    consent(therapy.clinic, therapy.person, [therapy.valley], part2=True)
    client.force_login(therapy.valley_clinician)
    body = client.get(f"/api/encounters/{therapy.encounter.pk}").json()
    assert "psychotherapy_notes" not in body and body["clinical_notes"]
    client.force_login(therapy.clinician)
    own = client.get(f"/api/encounters/{therapy.encounter.pk}").json()
    assert own["psychotherapy_notes"] == NOTE
