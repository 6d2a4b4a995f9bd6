"""The demo region's data-sharing agreements and consents.

They let the demo show both sides of the rule that another provider reads clinical data
only with an agreement AND the person's consent: the substance-use program's navigator
(`recovery`) reads the reason for one person's referral to it (an agreement in force and
an active consent) and not for another's (the same agreement, but the consent was
revoked). A second, expired agreement shows that an agreement's term is enforced too.
Made once, through the same services the pages use, so every change is audited.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from tandem.accounts.models import User
from tandem.agencies.models import Agency, AgencyKind
from tandem.people.models import Person
from tandem.privacy.agreements import agreement_create
from tandem.privacy.consent import consent_agency, consent_create, consent_revoke
from tandem.privacy.models import (
    AgreementDirection,
    ConsentPurpose,
    DataSharingAgreement,
    RevocationMethod,
)
from tandem.privacy.segments import CLINICAL, PART2
from tandem.privacy.selectors import visible
from tandem.referrals.models import Referral

# A drawn signature (two strokes), as the tablet's signature pad records it.
DEMO_SIGNATURE = (
    "M60 220 L90 120 L120 200 L150 110 L180 210 L215 150 L260 190 L310 160 "
    "M330 200 L380 140 L420 190 L470 150 L520 185 L600 170 L700 175"
)


@transaction.atomic
def sharing_seed() -> dict[str, int]:
    """Agreements and consents for the demo region, unless agreements already exist."""
    if DataSharingAgreement.objects.exists():
        return {}
    regional = User.objects.filter(username="regional").first()
    clinician = User.objects.filter(username="clinician").first()
    provider = consent_agency(clinician) if clinician else None
    recovery = (
        Agency.objects.filter(kind=AgencyKind.BEHAVIORAL_HEALTH, part2_program=True)
        .exclude(pk=getattr(provider, "pk", None))
        .order_by("code")
        .first()
    )
    if regional is None or provider is None or recovery is None:
        return {}
    today = timezone.localdate()
    agreement_create(
        actor=regional,
        disclosing_agency_id=provider.pk,
        receiving_agency_id=recovery.pk,
        direction=AgreementDirection.ONE_WAY,
        segments=[CLINICAL],
        purpose="Care coordination for people referred to substance-use treatment",
        starts_on=today - dt.timedelta(days=365),
        document_reference="MOU BP-2025-07 (Collaborative shared drive, Agreements)",
    )
    agreement_create(
        actor=regional,
        disclosing_agency_id=recovery.pk,
        receiving_agency_id=provider.pk,
        direction=AgreementDirection.ONE_WAY,
        segments=[CLINICAL, PART2],
        purpose="Pilot: treatment updates for co-responder follow-up",
        starts_on=today - dt.timedelta(days=730),
        ends_on=today - dt.timedelta(days=366),
        document_reference="QSOA BP-2023-02",
    )
    people = _referred_people(clinician, provider, recovery)
    for index, person in enumerate(people[:2]):
        consent = consent_create(
            actor=clinician,
            person_id=person.pk,
            recipient_ids=[recovery.pk],
            information_description=(
                f"My crisis assessments, referral reasons and follow-up notes from {provider.name}."
            ),
            purpose_kind=ConsentPurpose.TREATMENT,
            purpose="So my substance-use counselor knows what happened in the crisis.",
            expires_on=today + dt.timedelta(days=365),
            signed_by=f"{person.given_name} {person.family_name}",
            signature_svg=DEMO_SIGNATURE,
        )
        if index == 1:
            consent_revoke(
                actor=clinician,
                consent_id=consent.pk,
                method=RevocationMethod.WRITING,
                note="Signed letter handed in at the front desk.",
            )
    return {"agreements": 2, "consents": min(len(people), 2)}


def _referred_people(clinician, provider: Agency, recovery: Agency) -> list[Person]:
    """People the provider referred to the recovery program, whom the clinician sees."""
    person_ids = list(
        Referral.objects.filter(owning_agency=provider, service__owning_agency=recovery)
        .exclude(reason="")
        .order_by("sent_at", "id")
        .values_list("person_id", flat=True)[:40]
    )
    seen = visible(clinician, Person.objects.filter(pk__in=person_ids))
    by_id = {p.pk: p for p in seen}
    return [by_id[pk] for pk in dict.fromkeys(person_ids) if pk in by_id]
