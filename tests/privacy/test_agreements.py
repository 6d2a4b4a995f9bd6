"""Data-sharing agreements: recorded and ended by program administrators, audited."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tandem.privacy.agreements import agreement_create, agreement_end
from tandem.privacy.models import AuditEvent, DataSharingAgreement
from tandem.privacy.segments import CLINICAL
from tests.privacy.factories import other_provider

pytestmark = pytest.mark.django_db


@pytest.fixture
def valley(region):
    return other_provider(region)


def fields(region, **changes) -> dict:
    return {
        "disclosing_agency_id": region.clinic.pk,
        "receiving_agency_id": region.valley.pk,
        "direction": "one_way",
        "segments": ["clinical"],
        "purpose": "Care coordination",
        "starts_on": str(timezone.localdate()),
        "document_reference": "MOU 2025-07",
        **changes,
    }


def test_an_administrator_records_an_agreement_and_it_is_audited(valley):
    made = agreement_create(actor=valley.regional_admin, **fields(valley))
    assert made.in_force_at(timezone.now())
    assert made.segments == ["clinical"] and made.owning_agency == valley.clinic
    event = AuditEvent.objects.get(action="agreement_create")
    assert event.object_id == str(made.pk) and event.actor == valley.regional_admin


@pytest.mark.parametrize(
    ("field", "changes", "expected"),
    [
        ("disclosing_agency", {"disclosing_agency_id": ""}, "from the list"),
        ("receiving_agency", {"receiving_agency_id": "999999"}, "from the list"),
        ("direction", {"direction": "sideways"}, "one way or both ways"),
        ("segments", {"segments": []}, "at least one"),
        ("segments", {"segments": ["psychotherapy"]}, "clinical, Part 2 and safety"),
        ("purpose", {"purpose": " "}, "what the agreement is for"),
        ("starts_on", {"starts_on": ""}, "Enter the date"),
        ("ends_on", {"ends_on": "next year"}, "year-month-day"),
        ("document_reference", {"document_reference": ""}, "signed agreement is kept"),
    ],
)
def test_each_problem_is_named(valley, field, changes, expected):
    with pytest.raises(ValidationError) as caught:
        agreement_create(actor=valley.regional_admin, **fields(valley, **changes))
    assert expected.lower() in " ".join(caught.value.message_dict[field]).lower()
    assert not DataSharingAgreement.objects.exists()


def test_an_agreement_cannot_end_before_it_starts_or_join_an_agency_to_itself(valley):
    today = timezone.localdate()
    with pytest.raises(ValidationError) as caught:
        agreement_create(
            actor=valley.regional_admin, **fields(valley, ends_on=str(today - timedelta(days=1)))
        )
    assert "on or after the first day" in caught.value.message_dict["ends_on"][0]
    with pytest.raises(ValidationError) as caught:
        agreement_create(
            actor=valley.regional_admin, **fields(valley, receiving_agency_id=valley.clinic.pk)
        )
    assert "other than" in caught.value.message_dict["receiving_agency"][0]


def test_no_agreement_sends_clinical_or_part2_data_to_the_police(valley):
    with pytest.raises(ValidationError) as caught:
        agreement_create(
            actor=valley.regional_admin,
            **fields(valley, receiving_agency_id=valley.pd.pk, segments=["clinical"]),
        )
    assert "never receive clinical or Part 2" in caught.value.message_dict["segments"][0]
    with pytest.raises(ValidationError):
        agreement_create(
            actor=valley.regional_admin,
            **fields(
                valley,
                disclosing_agency_id=valley.pd.pk,
                receiving_agency_id=valley.clinic.pk,
                direction="both_ways",
                segments=["part2"],
            ),
        )
    safety_only = agreement_create(
        actor=valley.regional_admin,
        **fields(valley, receiving_agency_id=valley.pd.pk, segments=["safety"]),
    )
    assert safety_only.segments == ["safety"]


@pytest.mark.parametrize("persona", ["clinician", "privacy_officer", "officer", "analyst"])
def test_only_program_administrators_keep_agreements(valley, persona):
    with pytest.raises(PermissionDenied):
        agreement_create(actor=getattr(valley, persona), **fields(valley))


def test_ending_an_agreement_stops_it_at_once_and_is_audited(valley):
    from tandem.privacy.policy import agreement_segments

    made = agreement_create(actor=valley.sysadmin, **fields(valley))
    assert CLINICAL in agreement_segments(valley.clinic.pk, {valley.valley.pk}, timezone.now())
    with pytest.raises(ValidationError) as caught:
        agreement_end(actor=valley.sysadmin, agreement_id=made.pk, reason="")
    assert "why" in caught.value.message_dict["reason"][0]
    agreement_end(actor=valley.sysadmin, agreement_id=made.pk, reason="Contract not renewed")
    assert agreement_segments(valley.clinic.pk, {valley.valley.pk}, timezone.now()) == set()
    assert AuditEvent.objects.filter(action="agreement_end", object_id=str(made.pk)).exists()
    with pytest.raises(ValidationError):
        agreement_end(actor=valley.sysadmin, agreement_id=made.pk, reason="Again, twice")


# --- pages -----------------------------------------------------------------------------


def test_the_administrator_records_lists_and_ends_agreements_from_the_pages(valley, client):
    client.force_login(valley.regional_admin)
    assert "Sharing agreements" in client.get("/").content.decode()  # in the navigation
    response = client.post(
        "/privacy/agreements/new/",
        {
            "disclosing_agency": valley.clinic.pk,
            "receiving_agency": valley.valley.pk,
            "direction": "one_way",
            "segments": ["clinical", "part2"],
            "purpose": "Care coordination",
            "starts_on": str(timezone.localdate()),
            "document_reference": "MOU 2025-07",
        },
    )
    assert response.status_code == 302
    made = DataSharingAgreement.objects.get()
    listing = client.get("/privacy/agreements/").content.decode()
    assert "In force" in listing and "MOU 2025-07" in listing
    assert "Ended, expired" not in listing
    client.post(f"/privacy/agreements/{made.pk}/end/", {"reason": "Program closed"})
    listing = client.get("/privacy/agreements/").content.decode()
    assert "No agreement is in force" in listing and "Program closed" in listing


def test_the_agreement_form_names_problems_and_keeps_what_was_typed(valley, client):
    client.force_login(valley.regional_admin)
    response = client.post(
        "/privacy/agreements/new/",
        {"disclosing_agency": valley.clinic.pk, "purpose": "Kept purpose text"},
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "Choose an agency from the list." in body and "Kept purpose text" in body


@pytest.mark.parametrize("persona", ["clinician", "privacy_officer", "officer", "analyst"])
def test_agreement_pages_do_not_exist_for_other_roles(valley, client, persona):
    made = agreement_create(actor=valley.regional_admin, **fields(valley))
    client.force_login(getattr(valley, persona))
    for url in ("/privacy/agreements/", "/privacy/agreements/new/"):
        assert client.get(url).status_code == 404
    assert client.post(f"/privacy/agreements/{made.pk}/end/", {"reason": "x" * 9}).status_code
    made.refresh_from_db()
    assert made.ended_at is None
