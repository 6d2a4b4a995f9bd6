"""Another provider reads clinical and Part 2 data only with an agreement AND a consent."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from tandem.encounters.models import Encounter
from tandem.encounters.selectors import encounter_get
from tandem.encounters.services import encounter_update
from tandem.people.models import Person, PersonLink
from tandem.privacy import policy
from tandem.privacy.emergency import emergency_access_open
from tandem.privacy.models import AgreementDirection, AuditEvent
from tandem.privacy.segments import CLINICAL, PART2, SAFETY
from tests.conftest import POLICE_PERSONAS
from tests.privacy.factories import agreement, consent, other_provider

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared(region):
    """The clinic's encounter has Part 2 detail; Valley's clinician is on the team."""
    other_provider(region)
    Encounter.objects.filter(pk=region.encounter.pk).update(
        substance_use_notes="Methadone 80 mg daily"
    )
    return region


def readable(region, user=None):
    encounter = Encounter.objects.get(pk=region.encounter.pk)
    return policy.readable_segments(user or region.valley_clinician, encounter)


def test_consent_without_any_agreement_opens_nothing(shared):
    consent(shared.clinic, shared.person, [shared.valley], part2=True)
    assert readable(shared) & {CLINICAL, PART2} == set()


def test_agreement_without_consent_opens_nothing(shared):
    agreement(shared.clinic, shared.valley)
    assert readable(shared) & {CLINICAL, PART2} == set()


def test_agreement_and_consent_together_open_clinical_and_part2(shared):
    agreement(shared.clinic, shared.valley, segments=["clinical", "part2"])
    consent(shared.clinic, shared.person, [shared.valley], part2=True)
    assert {CLINICAL, PART2} <= readable(shared)
    encounter = encounter_get(actor=shared.valley_clinician, encounter_id=shared.encounter.pk)
    assert encounter.substance_use_notes == "Methadone 80 mg daily"


def test_an_expired_agreement_opens_nothing(shared):
    agreement(
        shared.clinic,
        shared.valley,
        starts_on=timezone.localdate() - timedelta(days=30),
        ends_on=timezone.localdate() - timedelta(days=1),
    )
    consent(shared.clinic, shared.person, [shared.valley], part2=True)
    assert readable(shared) & {CLINICAL, PART2} == set()


def test_an_agreement_ended_early_opens_nothing(shared):
    agreement(shared.clinic, shared.valley, ended_at=timezone.now() - timedelta(minutes=1))
    consent(shared.clinic, shared.person, [shared.valley], part2=True)
    assert readable(shared) & {CLINICAL, PART2} == set()


def test_an_agreement_not_yet_in_force_opens_nothing(shared):
    agreement(shared.clinic, shared.valley, starts_on=timezone.localdate() + timedelta(days=1))
    consent(shared.clinic, shared.person, [shared.valley], part2=True)
    assert readable(shared) & {CLINICAL, PART2} == set()


def test_a_one_way_agreement_the_other_way_round_opens_nothing(shared):
    agreement(shared.valley, shared.clinic)  # Valley shares with the clinic, not back
    consent(shared.clinic, shared.person, [shared.valley], part2=True)
    assert readable(shared) & {CLINICAL, PART2} == set()


def test_a_both_ways_agreement_opens_the_reverse_direction_too(shared):
    agreement(shared.valley, shared.clinic, direction=AgreementDirection.BOTH_WAYS)
    consent(shared.clinic, shared.person, [shared.valley], part2=True)
    assert {CLINICAL, PART2} <= readable(shared)


def test_an_agreement_covering_clinical_only_keeps_part2_closed(shared):
    agreement(shared.clinic, shared.valley, segments=["clinical", "safety"])
    consent(shared.clinic, shared.person, [shared.valley], part2=True)
    segments = readable(shared)
    assert CLINICAL in segments and PART2 not in segments


def test_an_agreement_covering_part2_without_a_part2_consent_keeps_part2_closed(shared):
    agreement(shared.clinic, shared.valley, segments=["clinical", "part2"])
    consent(shared.clinic, shared.person, [shared.valley], part2=False)
    segments = readable(shared)
    assert CLINICAL in segments and PART2 not in segments


def test_an_agreement_with_another_provider_does_not_open_records_to_valley(shared):
    ridge = type(shared.valley).objects.create(
        code="ridge", name="Ridge", kind=shared.valley.kind, owning_agency=shared.admin
    )
    agreement(shared.clinic, ridge)  # covers a different receiver
    consent(shared.clinic, shared.person, [shared.valley], part2=True)
    assert readable(shared) & {CLINICAL, PART2} == set()


def test_a_consent_to_one_provider_and_an_agreement_with_another_do_not_combine(shared):
    """A clinician of two providers: the agreement is Valley's, the consent Ridge's."""
    ridge = type(shared.valley).objects.create(
        code="ridge", name="Ridge", kind=shared.valley.kind, owning_agency=shared.admin
    )
    shared.valley_clinician.memberships.create(owning_agency=ridge, role="clinician")
    agreement(shared.clinic, shared.valley)
    consent(shared.clinic, shared.person, [ridge], part2=True)
    user = type(shared.valley_clinician).objects.get(pk=shared.valley_clinician.pk)
    assert readable(shared, user) & {CLINICAL, PART2} == set()


def test_a_consent_given_on_a_linked_record_of_the_person_counts(shared):
    own_record = Person.objects.create(
        owning_agency=shared.clinic, given_name="Dana", family_name="Reyes"
    )
    low, high = sorted((shared.person.pk, own_record.pk))
    PersonLink.objects.create(
        owning_agency=shared.admin,
        person_a_id=low,
        person_b_id=high,
        probability=0.99,
        status="auto",
    )
    agreement(shared.clinic, shared.valley)
    consent(shared.clinic, own_record, [shared.valley])
    assert CLINICAL in readable(shared)


def test_a_consent_of_an_unlinked_namesake_does_not_count(shared):
    namesake = Person.objects.create(
        owning_agency=shared.clinic, given_name="Dana", family_name="Reyes"
    )
    agreement(shared.clinic, shared.valley)
    consent(shared.clinic, namesake, [shared.valley])
    assert CLINICAL not in readable(shared)


def test_revoking_the_consent_closes_the_record_on_the_next_read(shared):
    agreement(shared.clinic, shared.valley)
    granted = consent(shared.clinic, shared.person, [shared.valley])
    assert CLINICAL in readable(shared)
    granted.revoked_at = timezone.now()
    type(granted).objects.filter(pk=granted.pk).update(revoked_at=granted.revoked_at)
    assert CLINICAL not in readable(shared)


def test_a_consent_past_its_end_date_opens_nothing(shared):
    agreement(shared.clinic, shared.valley)
    consent(
        shared.clinic,
        shared.person,
        [shared.valley],
        expires_at=timezone.now() - timedelta(seconds=1),
    )
    assert CLINICAL not in readable(shared)


@pytest.mark.parametrize("persona", POLICE_PERSONAS)
def test_no_police_role_reads_health_data_whatever_the_agreement_and_consent(shared, persona):
    for police in (shared.pd, shared.other_pd, shared.psap):
        agreement(
            shared.clinic,
            police,
            segments=["clinical", "part2", "safety"],
            direction=AgreementDirection.BOTH_WAYS,
        )
    consent(shared.clinic, shared.person, [shared.pd, shared.other_pd, shared.psap], part2=True)
    segments = readable(shared, getattr(shared, persona))
    assert segments & {CLINICAL, PART2} == set()


def test_agreement_segments_follow_direction_and_term(shared):
    today = timezone.now()
    agreement(shared.clinic, shared.valley, segments=["clinical"])
    agreement(
        shared.valley, shared.clinic, segments=["part2"], direction=AgreementDirection.BOTH_WAYS
    )
    agreement(
        shared.clinic,
        shared.valley,
        segments=["safety"],
        starts_on=timezone.localdate() + timedelta(days=3),
    )
    assert policy.agreement_segments(shared.clinic.pk, {shared.valley.pk}, today) == {
        CLINICAL,
        PART2,
    }
    later = today + timedelta(days=4)
    assert SAFETY in policy.agreement_segments(shared.clinic.pk, {shared.valley.pk}, later)
    assert policy.agreement_segments(shared.clinic.pk, {shared.clinic.pk}, today) == set()


def test_emergency_access_opens_records_without_any_agreement(shared):
    emergency_access_open(
        actor=shared.valley_clinician,
        person_id=shared.person.pk,
        legal_basis="medical_emergency",
        nature_of_emergency="Unresponsive after a suspected overdose",
        reason="Need current medications and treatment history",
    )
    assert {CLINICAL, PART2} <= readable(shared)


def test_a_consent_and_agreement_open_the_record_to_read_never_to_change(shared):
    agreement(shared.clinic, shared.valley, segments=["clinical", "part2"])
    consent(shared.clinic, shared.person, [shared.valley], part2=True)
    encounter = Encounter.objects.get(pk=shared.encounter.pk)
    assert {CLINICAL, PART2} <= policy.readable_segments(shared.valley_clinician, encounter)
    assert policy.writable_segments(shared.valley_clinician, encounter) & {CLINICAL, PART2} == set()
    with pytest.raises(PermissionDenied):
        encounter_update(
            actor=shared.valley_clinician,
            encounter_id=encounter.pk,
            substance_use_notes="changed by another provider",
        )
    encounter.refresh_from_db()
    assert encounter.substance_use_notes == "Methadone 80 mg daily"


def test_each_read_of_health_data_records_its_legal_basis(shared):
    agreement(shared.clinic, shared.valley, segments=["clinical", "part2"])
    consent(shared.clinic, shared.person, [shared.valley], part2=True)
    encounter_get(actor=shared.valley_clinician, encounter_id=shared.encounter.pk)
    encounter_get(actor=shared.clinician, encounter_id=shared.encounter.pk)
    reads = AuditEvent.objects.filter(action="read", object_id=str(shared.encounter.pk))
    bases = {e.actor_id: e.legal_basis for e in reads}
    assert bases == {
        shared.valley_clinician.pk: policy.BASIS_CONSENT,
        shared.clinician.pk: policy.BASIS_TREATMENT,
    }
