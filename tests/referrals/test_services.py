"""Making referrals and moving them around the closed loop."""

import datetime as dt

import pytest
from django.http import Http404
from django.utils import timezone

from tandem.core.models import service_write
from tandem.encounters.models import Encounter
from tandem.privacy.models import AuditEvent
from tandem.referrals.models import ReferralEvent
from tandem.referrals.services import ReferralError, referral_create, referral_status_set

pytestmark = pytest.mark.django_db


def test_a_referral_from_an_encounter_is_sent_with_its_first_event_and_audit(referral_region):
    r = referral_region
    before = timezone.now()
    referral = referral_create(
        actor=r.clinician, encounter_id=r.encounter.pk, service_id=r.service.pk, reason="Mood"
    )
    assert (referral.status, referral.person_id, referral.owning_agency_id) == (
        "sent",
        r.person.pk,
        r.clinic.pk,
    )
    assert referral.sent_at == referral.status_changed_at >= before
    event = ReferralEvent.objects.get(referral=referral)
    assert (event.from_status, event.to_status, event.by, event.at) == (
        "",
        "sent",
        r.clinician,
        referral.sent_at,
    )
    audit = AuditEvent.objects.get(action="create", object_id=str(referral.pk))
    assert audit.segments == "clinical"
    assert audit.person_id == r.person.pk


def test_a_referral_to_a_part2_program_is_audited_as_part2(referral_region):
    r = referral_region
    referral = referral_create(
        actor=r.clinician, encounter_id=r.encounter.pk, service_id=r.detox.pk
    )
    audit = AuditEvent.objects.get(action="create", object_id=str(referral.pk))
    assert audit.segments == "clinical,part2"


def test_officers_cannot_make_referrals(referral_region):
    r = referral_region
    with pytest.raises(Http404):
        referral_create(actor=r.officer, encounter_id=r.encounter.pk, service_id=r.service.pk)


def test_another_providers_clinician_cannot_refer_from_the_encounter(referral_region):
    r = referral_region
    with pytest.raises(Http404):
        referral_create(actor=r.receiver, encounter_id=r.encounter.pk, service_id=r.service.pk)


def test_an_encounter_without_a_person_cannot_be_referred(referral_region):
    r = referral_region
    with service_write():
        Encounter.objects.filter(pk=r.encounter.pk).update(person=None)
    with pytest.raises(ReferralError, match="no person recorded") as exc:
        referral_create(actor=r.clinician, encounter_id=r.encounter.pk, service_id=r.service.pk)
    assert exc.value.field == "encounter"


def test_an_inactive_service_cannot_be_chosen(referral_region):
    r = referral_region
    with pytest.raises(ReferralError, match="Riverside Evening Group is inactive") as exc:
        referral_create(actor=r.clinician, encounter_id=r.encounter.pk, service_id=r.closed.pk)
    assert exc.value.field == "service"


def test_the_loop_closes_sent_accepted_attended_with_each_change_timestamped(
    referral, referral_region
):
    r = referral_region
    accepted_at = referral.sent_at + dt.timedelta(hours=3)
    attended_at = referral.sent_at + dt.timedelta(days=4)
    referral_status_set(
        actor=r.receiver,
        referral_id=referral.pk,
        status="accepted",
        note="Tue 10:00",
        at=accepted_at,
    )
    done = referral_status_set(
        actor=r.receiver, referral_id=referral.pk, status="attended", at=attended_at
    )
    assert (done.status, done.status_changed_at) == ("attended", attended_at)
    history = list(
        ReferralEvent.objects.filter(referral=referral).values_list(
            "from_status", "to_status", "at", "by__username", "owning_agency__code"
        )
    )
    assert history == [
        ("", "sent", referral.sent_at, "clinician", "harbor-clinic"),
        ("sent", "accepted", accepted_at, "receiver", "riverside-mh"),
        ("accepted", "attended", attended_at, "receiver", "riverside-mh"),
    ]


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ([], "declined"),
        ([], "unable_to_reach"),
        (["accepted"], "no_show"),
        (["accepted"], "declined"),
        (["accepted", "no_show"], "accepted"),
        (["unable_to_reach"], "accepted"),
    ],
)
def test_allowed_transitions(referral, referral_region, path, status):
    for step in [*path, status]:
        referral_status_set(actor=referral_region.receiver, referral_id=referral.pk, status=step)
    referral.refresh_from_db()
    assert referral.status == status


@pytest.mark.parametrize(
    ("path", "status", "message"),
    [
        (
            [],
            "attended",
            "A referral that is sent can become Accepted, Declined or Unable to reach, "
            "not First appointment attended.",
        ),
        ([], "no_show", "A referral that is sent can become"),
        ([], "sent", "not Sent."),
        (["accepted", "attended"], "declined", "The referral is first appointment attended"),
        (["declined"], "accepted", "which is final; it cannot become Accepted."),
        ([], "lost", "'lost' is not a referral status"),
    ],
)
def test_invalid_transitions_are_refused_with_a_clear_reason(
    referral, referral_region, path, status, message
):
    for step in path:
        referral_status_set(actor=referral_region.receiver, referral_id=referral.pk, status=step)
    events = ReferralEvent.objects.count()
    with pytest.raises(ReferralError) as exc:
        referral_status_set(actor=referral_region.receiver, referral_id=referral.pk, status=status)
    assert message in str(exc.value)
    assert exc.value.field == "status"
    assert ReferralEvent.objects.count() == events


def test_a_change_made_on_a_stale_view_is_refused(referral, referral_region):
    r = referral_region
    referral_status_set(actor=r.receiver, referral_id=referral.pk, status="accepted")
    with pytest.raises(ReferralError, match="Someone changed this referral meanwhile"):
        referral_status_set(
            actor=r.clinician, referral_id=referral.pk, status="declined", expected="sent"
        )


def test_the_referring_provider_may_record_progress_too(referral, referral_region):
    done = referral_status_set(
        actor=referral_region.navigator, referral_id=referral.pk, status="unable_to_reach"
    )
    assert done.status == "unable_to_reach"
    assert done.events.last().owning_agency_id == referral_region.clinic.pk


@pytest.mark.parametrize("who", ["officer", "police_supervisor", "bystander", "analyst"])
def test_no_one_else_can_change_a_referral(referral, referral_region, who):
    with pytest.raises(Http404):
        referral_status_set(
            actor=getattr(referral_region, who), referral_id=referral.pk, status="accepted"
        )


def test_status_changes_are_audited_with_the_acting_agency(referral, referral_region):
    referral_status_set(actor=referral_region.receiver, referral_id=referral.pk, status="accepted")
    audit = AuditEvent.objects.get(action="update", object_id=str(referral.pk))
    assert audit.owning_agency_id == referral_region.provider.pk
    assert audit.actor == referral_region.receiver
