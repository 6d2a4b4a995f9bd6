import pytest

from tandem.accounts.models import Membership, User
from tandem.accounts.roles import Role
from tandem.followups.models import FollowUpRule
from tests.conftest import password_hash


def clinical_supervisor(region) -> User:
    user = User.objects.create(username="clin_supervisor", password=password_hash())
    Membership.objects.create(user=user, owning_agency=region.clinic, role=Role.SUPERVISOR)
    return user


@pytest.fixture
def rules_region(region):
    """The fixture region with the demo program's follow-up rules and a clinical supervisor."""
    for code, event, kind, hours, extra in [
        ("referral-72h", "referral_created", "referral_check", 72, {}),
        ("screening-72h", "screening", "post_crisis", 72, {"risk_levels": ["moderate", "high"]}),
        (
            "medication-daily",
            "disposition",
            "medication_check",
            24,
            {"dispositions": ["transport_crisis_center"], "repeat": "daily_until_stabilised"},
        ),
    ]:
        FollowUpRule.objects.create(
            owning_agency=region.admin,
            code=code,
            event=event,
            kind=kind,
            due_within_hours=hours,
            **extra,
        )
    region.supervisor = clinical_supervisor(region)
    return region
