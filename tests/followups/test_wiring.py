"""The services that record what happened start the program's follow-up work themselves."""

from datetime import timedelta

import pytest

from tandem.directory.models import Service
from tandem.encounters.services import screening_record
from tandem.followups.models import FollowUp
from tandem.referrals.services import referral_create

pytestmark = pytest.mark.django_db

HIGH = {"q1": True, "q2": True, "q3": True, "q4": True, "q5": False, "q6": False}
LOW = {"q1": True, "q2": False, "q6": False}


def test_making_a_referral_creates_the_72_hour_check(rules_region):
    r = rules_region
    service = Service.objects.create(
        owning_agency=r.clinic, name="Harbor Counseling", organization_name="Harbor Clinic"
    )
    referral = referral_create(
        actor=r.clinician, encounter_id=r.encounter.pk, service_id=service.pk, reason="low mood"
    )
    (task,) = FollowUp.objects.filter(referral=referral)
    assert task.kind == "referral_check" and task.owning_agency_id == r.clinic.pk
    assert task.due_at - referral.sent_at == timedelta(hours=72)


def test_a_high_risk_screening_creates_a_task_and_a_low_one_does_not(rules_region):
    r = rules_region
    screening_record(
        actor=r.clinician, encounter_id=r.encounter.pk, instrument="cssrs_screener", answers=LOW
    )
    assert not FollowUp.objects.filter(person=r.person).exists()
    screening_record(
        actor=r.clinician, encounter_id=r.encounter.pk, instrument="cssrs_screener", answers=HIGH
    )
    (task,) = FollowUp.objects.filter(person=r.person)
    assert task.kind == "post_crisis" and task.rule_code == "screening-72h"
