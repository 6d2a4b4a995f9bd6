"""No police role may receive clinical or Part 2 data from any route.

A canary string is planted in every `clinical` and `part2` field of every model; then
every URL pattern (pages and API alike, found from the URL resolver, so new routes are
covered without editing this file) is requested as every police persona.
"""

import re
from datetime import timedelta

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from tandem.core.models import service_write
from tandem.directory.models import Service
from tandem.encounters.models import Screening
from tandem.followups.models import FollowUp, FollowUpAttempt
from tandem.plans.models import CrisisPlan
from tandem.privacy.models import Consent
from tandem.privacy.segments import HEALTH_SEGMENTS, segmented_fields
from tandem.referrals.models import Referral, ReferralEvent
from tests.conftest import POLICE_PERSONAS

CANARY = "CNRY"


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
                if field.get_internal_type() not in {"CharField", "TextField", "JSONField"}:
                    pytest.fail(
                        f"cannot plant a canary in {model.__name__}.{name}; "
                        f"teach this test how to mark a {field.get_internal_type()}"
                    )
                text = f"{CANARY}{model.__name__[:4]}{name[:4]}{row.pk}"[: field.max_length or 200]
                # JSON: a list holding the canary (lists and objects alike must not leak).
                values[name] = [text] if field.get_internal_type() == "JSONField" else text
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


def sample_urls(region) -> list[str]:
    samples = {
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
    }
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
            if CANARY.encode() in body:
                leaks.append(f"{url}{suffix} ({response.status_code})")
    assert not leaks, f"{persona} received clinical/part2 data from: {leaks}"
