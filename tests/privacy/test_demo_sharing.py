"""The demo region shows a cross-agency read that works and one that does not."""

import json

import pytest
from django.utils import timezone

from tandem.accounts.models import User
from tandem.agencies.services import program_load
from tandem.demo.history import history_generate
from tandem.demo.management.commands.demo import DIRECTORY, REGION
from tandem.demo.sharing import sharing_seed
from tandem.demo.users import demo_users_ensure
from tandem.directory.services import directory_import
from tandem.people.selectors import linked_ids
from tandem.privacy.models import Consent, ConsentStatus, DataSharingAgreement
from tandem.privacy.selectors import get_visible
from tandem.referrals.models import Referral

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    program_load(path=REGION)
    directory_import(actor=None, document=json.loads(DIRECTORY.read_text()))
    history_generate(months=1, seed=7, calls=600)
    demo_users_ensure()
    return sharing_seed()


def reasons_seen_by_recovery(consent: Consent) -> list[str]:
    """The reasons of the person's referrals to Ridgeway, as its navigator reads them."""
    navigator = User.objects.get(username="recovery")
    referrals = Referral.objects.filter(
        person_id__in=linked_ids(consent.person_id), service__owning_agency__part2_program=True
    )
    return [get_visible(navigator, Referral.objects.all(), r.pk).reason for r in referrals]


def test_the_demo_seeds_agreements_and_consents_once(demo):
    assert demo == {"agreements": 2, "consents": 2}
    now = timezone.now()
    states = sorted(a.status_at(now) for a in DataSharingAgreement.objects.all())
    assert states == ["expired", "in_force"]
    assert sharing_seed() == {}  # a second `tandem demo` adds nothing
    assert Consent.objects.count() == 2


def test_the_recovery_navigator_reads_one_referral_reason_and_not_the_other(demo):
    active = next(c for c in Consent.objects.all() if c.status == ConsentStatus.ACTIVE)
    revoked = next(c for c in Consent.objects.all() if c.status == ConsentStatus.REVOKED)
    shared = reasons_seen_by_recovery(active)
    withheld = reasons_seen_by_recovery(revoked)
    assert shared and all(shared)
    assert withheld and not any(withheld)
