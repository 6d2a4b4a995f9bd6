"""The canary walk, reader by reader: who may see which planted health data.

Canaries sit in every clinical, Part 2 and psychotherapy field (test_canary). Every
page and API route is then requested by readers on both sides of each rule:

- police of the agency whose call it was, police of another agency, and an officer's
  API token: no health data, ever;
- clinicians of other providers, each on the team sent to the call (so the rows are in
  their scope and only the segments are in question), all covered by a data-sharing
  agreement with the treating provider: without the person's consent, with an expired
  one and with a revoked one they see nothing; with a consent they see clinical data;
  with one that includes Part 2 they see Part 2 data too; never psychotherapy notes;
- an analyst and the regional administrator: no person-level data at all.
"""

from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tandem.accounts.tokens import api_token_create
from tandem.agencies.models import Agency, AgencyKind
from tandem.core.models import service_write
from tandem.privacy.models import AgreementDirection, Consent, DataSharingAgreement
from tandem.privacy.segments import CLINICAL, PART2, PSYCHOTHERAPY, segmented_fields
from tests.conftest import _user
from tests.privacy.test_canary import (  # noqa: F401
    CANARY,
    CANARY_DATE,
    CANARY_DATE_TEXTS,
    canary_region,
    health_models,
    plant_canaries,
    sample_urls,
)

# Reader -> the segments whose canaries they may receive.
ALLOWED: dict[str, set[str]] = {
    "officer": set(),
    "other_officer": set(),
    "officer_token": set(),
    "unconsented_clinician": set(),
    "expired_consent_clinician": set(),
    "revoked_consent_clinician": set(),
    "consented_clinician": {CLINICAL},
    "part2_consented_clinician": {CLINICAL, PART2},
    "analyst": set(),
    "regional_admin": set(),
}
# Consent given to each provider: (includes Part 2, expired, revoked), or none.
PROVIDERS = {
    "unconsented_clinician": None,
    "expired_consent_clinician": (True, True, False),
    "revoked_consent_clinician": (True, False, True),
    "consented_clinician": (False, False, False),
    "part2_consented_clinician": (True, False, False),
}


def _provider_with_consent(region, persona: str, consent) -> None:
    """Another provider, sharing by agreement with the clinic, with a clinician on the
    ride-along team; the person's consent to it as described."""
    now = timezone.now()
    agency = Agency.objects.create(
        code=persona.replace("_", "-"), name=persona, kind=AgencyKind.BEHAVIORAL_HEALTH
    )
    user = _user(persona, agency, "clinician")
    region.team.members.create(owning_agency=region.pd, user=user, role="clinician")
    setattr(region, persona, user)
    with service_write():
        DataSharingAgreement.objects.create(
            owning_agency=region.clinic,
            disclosing_agency=region.clinic,
            receiving_agency=agency,
            direction=AgreementDirection.ONE_WAY,
            segments=[CLINICAL, PART2],
            purpose="care coordination",
            starts_on=timezone.localdate() - timedelta(days=30),
            document_reference="MOU 7",
        )
        if consent is None:
            return
        part2, expired, revoked = consent
        made = Consent.objects.create(
            owning_agency=region.clinic,
            person=region.person,
            recipient_description=persona,
            information_description="all",
            includes_part2=part2,
            purpose="coordination",
            revocation_statement="in writing",
            signed_by="Dana Reyes",
            signed_at=now - timedelta(days=10),
            expires_at=now - timedelta(days=1) if expired else None,
            revoked_at=now - timedelta(hours=1) if revoked else None,
        )
        made.recipients.add(agency)


@pytest.fixture
def pairs_region(canary_region):  # noqa: F811 (the imported fixture)
    for persona, consent in PROVIDERS.items():
        _provider_with_consent(canary_region, persona, consent)
    plant_canaries()  # the new consents carry canaries too
    officer = canary_region.officer
    canary_region.officer_key = api_token_create(
        actor=officer,
        membership_id=officer.primary_membership.pk,
        name="stolen",
        expires_at=timezone.now() + timedelta(days=1),
        two_factor_verified=False,
    ).key
    return canary_region


def canaries_by_segment() -> dict[str, str]:
    """Every planted canary -> the segment of the field it sits in."""
    found = {}
    for model in health_models():
        for name, seg in segmented_fields(model).items():
            for value in model.objects.values_list(name, flat=True):
                text = value[0] if isinstance(value, list) and value else value
                if isinstance(text, str) and text.startswith(CANARY):
                    found[text] = seg
                elif isinstance(value, date) and value.year == CANARY_DATE.year:
                    found.update(dict.fromkeys(CANARY_DATE_TEXTS, seg))
    # A canary inside another of a different segment would blur what was received.
    for text, seg in found.items():
        assert not any(text in other and s != seg for other, s in found.items()), text
    return found


def walk(client: Client, urls: list[str], **headers) -> dict[str, str]:
    """Every response body of the walk, by URL."""
    bodies = {}
    for url in urls:
        for suffix in ("", "?q=Reyes&limit=500"):
            response = client.get(url + suffix, follow=True, **headers)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            bodies[f"{url}{suffix} ({response.status_code})"] = body.decode(errors="replace")
    return bodies


def received(bodies: dict[str, str], canaries: dict[str, str]) -> dict[str, set[str]]:
    """Segment -> the URLs whose responses carried one of its canaries."""
    seen: dict[str, set[str]] = {}
    for where, body in bodies.items():
        if CANARY not in body and not any(t in body for t in CANARY_DATE_TEXTS):
            continue
        for text, seg in canaries.items():
            if text in body:
                seen.setdefault(seg, set()).add(where)
    return seen


@pytest.mark.django_db
@pytest.mark.parametrize("reader", sorted(ALLOWED))
def test_each_reader_receives_only_the_health_data_the_rules_allow(pairs_region, reader):
    canaries = canaries_by_segment()
    assert {CLINICAL, PART2, PSYCHOTHERAPY} <= set(canaries.values())
    urls = sample_urls(pairs_region)
    client = Client()
    if reader == "officer_token":
        bodies = walk(
            client,
            [u for u in urls if u.startswith("/api/")],
            HTTP_AUTHORIZATION=f"Bearer {pairs_region.officer_key}",
        )
    else:
        client.force_login(getattr(pairs_region, reader))
        bodies = walk(client, urls)
    seen = received(bodies, canaries)
    leaked = {seg: sorted(where) for seg, where in seen.items() if seg not in ALLOWED[reader]}
    assert not leaked, f"{reader} received health data the rules withhold: {leaked}"
    # What the rules allow does arrive: the walk reaches the data, the test can fail.
    for seg in ALLOWED[reader]:
        assert seen.get(seg), f"{reader} should read {seg} data but no route showed it"
