"""A receiving provider with a service in the directory, and a referral to it."""

import pytest

from tandem.accounts.roles import Role
from tandem.agencies.models import Agency, AgencyKind
from tandem.directory.models import Service
from tests.conftest import _user


@pytest.fixture
def referral_region(region):
    r = region
    r.provider = Agency.objects.create(
        code="riverside-mh",
        name="Riverside Mental Health",
        kind=AgencyKind.BEHAVIORAL_HEALTH,
        owning_agency=r.admin,
    )
    r.receiver = _user("receiver", r.provider, Role.CLINICIAN)
    r.bystander_agency = Agency.objects.create(
        code="elsewhere-bh",
        name="Elsewhere Behavioral Health",
        kind=AgencyKind.BEHAVIORAL_HEALTH,
        owning_agency=r.admin,
    )
    r.bystander = _user("bystander", r.bystander_agency, Role.CLINICIAN)
    r.service = Service.objects.create(
        owning_agency=r.provider,
        name="Riverside Counseling",
        organization_name="Riverside Mental Health",
        category="outpatient_mh",
        phone="(816) 555-0100",
    )
    r.detox = Service.objects.create(
        owning_agency=r.clinic,
        name="Harbor Withdrawal Management",
        organization_name="Harbor Clinic",
        category="detox",
        part2_program=True,
    )
    r.closed = Service.objects.create(
        owning_agency=r.provider,
        name="Riverside Evening Group",
        organization_name="Riverside Mental Health",
        category="outpatient_mh",
        status="inactive",
    )
    return r


@pytest.fixture
def referral(referral_region):
    from tandem.referrals.services import referral_create

    return referral_create(
        actor=referral_region.clinician,
        encounter_id=referral_region.encounter.pk,
        service_id=referral_region.service.pk,
        reason="Low mood for weeks; wants counseling.",
    )
