"""Consents and data-sharing agreements for policy tests, written as the services would
store them but without their checks, so a test can also make what the services refuse
(an agreement naming a police department, a consent that has already expired)."""

from datetime import date, timedelta

from django.utils import timezone

from tandem.agencies.models import AgencyKind
from tandem.core.models import service_write
from tandem.privacy.models import AgreementDirection, Consent, DataSharingAgreement
from tests.conftest import _agency, _user

SIGNATURE = "M10 200 L200 100 L400 220 L600 90 L800 210"


def consent(owner, person, recipients, *, part2=False, **extra) -> Consent:
    """An active consent by default: `owner` may disclose to `recipients`."""
    fields = {
        "owning_agency": owner,
        "person": person,
        "recipient_description": ", ".join(r.name for r in recipients),
        "information_description": "Crisis assessments and notes.",
        "includes_part2": part2,
        "part2_description": "Treatment attendance." if part2 else "",
        "purpose": "Care coordination",
        "revocation_statement": "You may revoke this consent in writing.",
        "signed_by": "Dana Reyes",
        "signature_svg": SIGNATURE,
        "signed_at": timezone.now(),
        **extra,
    }
    with service_write():
        made = Consent.objects.create(**fields)
        made.recipients.set(recipients)
    return made


def agreement(
    disclosing,
    receiving,
    *,
    segments=("clinical", "part2"),
    direction=AgreementDirection.ONE_WAY,
    starts_on: date | None = None,
    **extra,
) -> DataSharingAgreement:
    """An agreement in force since yesterday, unless told otherwise."""
    with service_write():
        return DataSharingAgreement.objects.create(
            owning_agency=disclosing,
            disclosing_agency=disclosing,
            receiving_agency=receiving,
            direction=direction,
            segments=list(segments),
            purpose="Care coordination",
            starts_on=starts_on or timezone.localdate() - timedelta(days=1),
            document_reference="MOU 1",
            **extra,
        )


def other_provider(region):
    """A second behavioral-health provider whose clinician is on the region's team, so
    the clinic's encounter is in their scope and only its segments are in question."""
    region.valley = _agency("valley-bh", AgencyKind.BEHAVIORAL_HEALTH, region.admin)
    region.valley_clinician = _user("valley_clinician", region.valley, "clinician")
    region.team.members.create(
        owning_agency=region.pd, user=region.valley_clinician, role="clinician"
    )
    return region
