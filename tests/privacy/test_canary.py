"""No police role may receive clinical or Part 2 data from any route.

A canary string is planted in every `clinical` and `part2` field of every model (a
date field gets a marker date, 1901-02-03, looked for as a response may write it); then
every URL pattern (pages and API alike, found from the URL resolver, so new routes are
covered without editing this file) is requested as every police persona.
"""

import re
from datetime import date, datetime, timedelta

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from tandem.agencies.models import Agency, AgencyKind
from tandem.core.models import service_write
from tandem.directory.models import Service
from tandem.encounters.models import Screening
from tandem.followups.models import FollowUp, FollowUpAttempt
from tandem.imports.models import JailBooking
from tandem.plans.models import CrisisPlan
from tandem.privacy.models import Consent, DataSharingAgreement
from tandem.privacy.segments import HEALTH_SEGMENTS, segmented_fields
from tandem.referrals.models import Referral, ReferralEvent
from tests.conftest import POLICE_PERSONAS

CANARY = "CNRY"
# Health data held as a date (the day a person was connected to treatment) cannot hold
# the canary string; it gets this date, written as the API, Django's default format and
# the US form would write it.
CANARY_DATE = date(1901, 2, 3)
CANARY_DATE_TEXTS = ("1901-02-03", "Feb. 3, 1901", "02/03/1901")
MARKERS = (CANARY, *CANARY_DATE_TEXTS)


def health_models():
    return [m for m in apps.get_models() if HEALTH_SEGMENTS & set(segmented_fields(m).values())]


def plant_canaries() -> int:
    """Write a canary into every health field of every row; returns fields planted."""
    planted = 0
    for model in health_models():
        fields = [n for n, s in segmented_fields(model).items() if s in HEALTH_SEGMENTS]
        assert model.objects.exists(), (
            f"{model.__name__} has clinical/part2 fields but the canary fixture made no "
            f"row of it: add one in canary_region"
        )
        for row in model.objects.all():
            values = {}
            for name in fields:
                field = model._meta.get_field(name)
                kind = field.get_internal_type()
                if kind == "DateField":
                    values[name] = CANARY_DATE
                    continue
                if kind == "DateTimeField":
                    values[name] = timezone.make_aware(datetime(1901, 2, 3, 12))
                    continue
                if kind not in {"CharField", "TextField", "JSONField"}:
                    pytest.fail(
                        f"cannot plant a canary in {model.__name__}.{name}; "
                        f"teach this test how to mark a {kind}"
                    )
                text = f"{CANARY}{model.__name__[:4]}{name[:4]}{row.pk}"[: field.max_length or 200]
                # JSON: a list holding the canary (lists and objects alike must not leak).
                values[name] = [text] if kind == "JSONField" else text
            model.objects.filter(pk=row.pk).update(**values)
            planted += len(values)
    return planted


@pytest.fixture
def canary_region(region):
    now = timezone.now()
    region.service = service = Service.objects.create(
        owning_agency=region.clinic,
        name="Harbor detox",
        organization_name="Harbor",
        category="detox",
    )
    with service_write():
        region.referral = referral = Referral.objects.create(
            owning_agency=region.clinic,
            encounter=region.encounter,
            person=region.person,
            service=service,
            sent_at=now,
            status_changed_at=now,
        )
        ReferralEvent.objects.create(
            owning_agency=region.clinic, referral=referral, to_status="sent", at=now
        )
        region.followup = FollowUp.objects.create(
            owning_agency=region.clinic,
            person=region.person,
            encounter=region.encounter,
            referral=referral,
            kind="post_crisis",
            due_at=now + timedelta(hours=72),
        )
        # A consent that (wrongly) names the police department: police still see nothing.
        consent = Consent.objects.create(
            owning_agency=region.clinic,
            person=region.person,
            recipient_description="PD",
            information_description="all",
            includes_part2=True,
            purpose="coordination",
            revocation_statement="in writing",
            signed_by="Dana Reyes",
            signed_at=now,
        )
        consent.recipients.add(region.pd, region.other_pd)
        # ... and an agreement (which the service would refuse) sending the clinic's
        # clinical and Part 2 data to both police departments, both ways.
        for police in (region.pd, region.other_pd):
            agreement = DataSharingAgreement.objects.create(
                owning_agency=region.clinic,
                disclosing_agency=region.clinic,
                receiving_agency=police,
                direction="both_ways",
                segments=["clinical", "part2", "safety"],
                purpose="coordination",
                starts_on=timezone.localdate(),
                document_reference="MOU",
            )
        region.agreement_id = agreement.pk
        region.consent_id = consent.pk
        Screening.objects.create(
            owning_agency=region.clinic,
            encounter=region.encounter,
            instrument="cssrs_screener",
            answers={"q1": True, "q2": False, "q6": False},
            result="low",
            complete=True,
            screened_at=now,
        )
        FollowUpAttempt.objects.create(
            owning_agency=region.clinic,
            followup=region.followup,
            method="phone",
            outcome="no_answer",
            at=now,
            by=region.clinician,
        )
        # An approved plan (the assigned officer sees its safety part) and a draft of the
        # next version (no police role sees it at all).
        region.plan = CrisisPlan.objects.create(
            owning_agency=region.clinic,
            person=region.person,
            author=region.clinician,
            status="approved",
            approved_at=now,
            safety_concerns="Large dog in the yard.",
            contacts=[{"name": "Ana Reyes", "relationship": "sister", "phone": "555 0100"}],
        )
        CrisisPlan.objects.create(
            owning_agency=region.clinic,
            person=region.person,
            author=region.clinician,
            version=2,
            safety_concerns="Draft safety text.",
        )
        # A booking into the county jail, linked to the person (its screening and the
        # day of connection to treatment are clinical).
        jail = Agency.objects.create(
            code="county-jail", name="County Jail", kind=AgencyKind.JAIL, owning_agency=region.admin
        )
        JailBooking.objects.create(
            owning_agency=jail,
            source_key="import:canary:J1",
            booking_number="J1",
            person_key="0" * 64,
            person=region.person,
            booked_at=now - timedelta(days=3),
        )
    region.planted = plant_canaries()
    return region


def route_patterns(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from route_patterns(entry, route)
        elif isinstance(entry, URLPattern):
            yield route


def sample_ids(region) -> dict[str, int | str]:
    """A real row for every URL parameter: the canary rows themselves."""
    return {
        "call_id": region.call.pk,
        "encounter_id": region.encounter.pk,
        "person_id": region.person.pk,
        "assignment_id": region.assignment.pk,
        "team_id": region.team.pk,
        "link_id": 1,
        "followup_id": region.followup.pk,
        "plan_id": region.plan.pk,
        "service_id": region.service.pk,
        "referral_id": region.referral.pk,
        "run_id": 1,
        "access_id": 1,
        "consent_id": region.consent_id,
        "agreement_id": region.agreement_id,
        "token_id": 1,
        "figure_id": "bh-calls",  # a dashboard table (CSV)
        "metric_id": "bh_calls",  # the records behind a figure
    }


def sample_urls(region) -> list[str]:
    samples = sample_ids(region)
    urls = []
    for route in route_patterns():
        if route.startswith("^") or "(?P" in route:
            pytest.fail(f"regex route {route!r}: use path() so this test can fill it in")

        def fill(match, route=route):
            name = match.group(2)
            if name not in samples:
                pytest.fail(
                    f"route {route!r} takes <{name}>: add a sample for it in "
                    f"tests/privacy/test_canary.py so the canary walk covers it"
                )
            return str(samples[name])

        urls.append("/" + re.sub(r"<(?:(\w+):)?(\w+)>", fill, route))
    return urls


@pytest.mark.django_db
def test_canaries_are_planted_and_visible_to_the_treating_clinician(canary_region, client):
    assert canary_region.planted >= 7
    client.force_login(canary_region.clinician)
    page = client.get(f"/encounters/{canary_region.encounter.pk}/")
    api = client.get(f"/api/encounters/{canary_region.encounter.pk}")
    assert CANARY in page.content.decode()
    assert CANARY in api.content.decode()


@pytest.mark.django_db
def test_the_walk_covers_pages_and_api_endpoints(canary_region):
    urls = sample_urls(canary_region)
    assert f"/api/encounters/{canary_region.encounter.pk}" in urls
    assert f"/encounters/{canary_region.encounter.pk}/" in urls
    assert len(urls) >= 12


@pytest.mark.django_db
@pytest.mark.parametrize("persona", POLICE_PERSONAS)
def test_no_police_role_receives_clinical_or_part2_data_from_any_route(
    canary_region, client, persona
):
    client.force_login(getattr(canary_region, persona))
    leaks = []
    for url in sample_urls(canary_region):
        for suffix in ("", "?q=Reyes", "?format=json&limit=500"):
            response = client.get(url + suffix, follow=True)
            body = (
                b"".join(response.streaming_content) if response.streaming else (response.content)
            )
            if any(marker.encode() in body for marker in MARKERS):
                leaks.append(f"{url}{suffix} ({response.status_code})")
    assert not leaks, f"{persona} received clinical/part2 data from: {leaks}"
