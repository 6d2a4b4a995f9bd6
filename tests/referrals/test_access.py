"""Who sees referrals: both ends' clinical staff; police never (selectors, pages, API)."""

import pytest
from django.http import Http404

from tandem.privacy.models import Consent
from tandem.referrals import selectors
from tandem.referrals.models import Referral
from tandem.referrals.services import referral_status_set
from tests.conftest import POLICE_PERSONAS
from tests.privacy.factories import agreement

pytestmark = pytest.mark.django_db
REASON = "Low mood for weeks"


@pytest.mark.parametrize("who", [*POLICE_PERSONAS, "bystander", "analyst", "regional_admin"])
def test_officers_and_strangers_see_no_referral_through_selectors(referral, referral_region, who):
    actor = getattr(referral_region, who)
    assert selectors.referral_list(actor=actor) == []
    with pytest.raises(Http404):
        selectors.referral_get(actor=actor, referral_id=referral.pk)


@pytest.mark.parametrize("who", POLICE_PERSONAS)
def test_officers_get_404_from_every_referral_page_and_endpoint(
    referral, referral_region, client, who
):
    client.force_login(getattr(referral_region, who))
    pk, enc = referral.pk, referral_region.encounter.pk
    for url in (
        "/referrals/",
        "/referrals/incoming/",
        f"/referrals/{pk}/",
        f"/referrals/new/{enc}/",
        "/api/referrals",
        f"/api/referrals/{pk}",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/referrals/{pk}/status/", {"status": "accepted"}).status_code == 404
    assert client.post(f"/api/referrals/{pk}/status", {"status": "accepted"}).status_code == 404
    assert Referral.objects.get(pk=pk).status == "sent"


def test_the_encounter_page_shows_an_officer_no_referrals(referral, referral_region, client):
    client.force_login(referral_region.officer)
    body = client.get(f"/encounters/{referral_region.encounter.pk}/").content.decode()
    assert "Riverside Counseling" not in body
    assert "Make a referral" not in body


def test_the_treating_clinician_sees_referrals_on_the_encounter_page(
    referral, referral_region, client
):
    client.force_login(referral_region.clinician)
    body = client.get(f"/encounters/{referral_region.encounter.pk}/").content.decode()
    assert "Riverside Counseling" in body
    assert f"/referrals/new/{referral_region.encounter.pk}/" in body


def test_the_receiving_provider_sees_the_referral_but_not_the_reason_without_consent(
    referral, referral_region
):
    receiver = referral_region.receiver
    assert [r.pk for r in selectors.referral_list(actor=receiver, direction="incoming")] == [
        referral.pk
    ]
    assert selectors.referral_list(actor=receiver, direction="outgoing") == []
    seen = selectors.referral_get(actor=receiver, referral_id=referral.pk)
    assert "reason" in seen.withheld and seen.reason == ""


def test_with_consent_the_receiving_provider_reads_the_reason(referral, referral_region):
    r = referral_region
    seen = selectors.referral_get(actor=r.receiver, referral_id=referral.pk)
    assert seen.reason == ""
    agreement(r.clinic, r.provider, segments=["clinical"])
    consent = Consent(
        owning_agency=r.clinic,
        person=r.person,
        recipient_description="Riverside",
        information_description="referral",
        purpose="treatment",
        revocation_statement="in writing",
        signed_by="Dana Reyes",
        signed_at=referral.sent_at,
    )
    from tandem.core.models import service_write

    with service_write():
        consent.save()
        consent.recipients.add(r.provider)
    seen = selectors.referral_get(actor=r.receiver, referral_id=referral.pk)
    assert seen.reason.startswith(REASON)  # the agreement and the consent, together


def test_the_incoming_page_lists_referrals_and_updates_a_status(referral, referral_region, client):
    client.force_login(referral_region.receiver)
    page = client.get("/referrals/incoming/").content.decode()
    assert "Dana Reyes" in page and "Riverside Counseling" in page
    assert REASON not in page
    response = client.post(
        f"/referrals/{referral.pk}/status/",
        {
            "status": "accepted",
            "note": "Tue 10:00",
            "expected": "sent",
            "from": "incoming",
            "next": "/referrals/incoming/",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/referrals/incoming/"
    referral.refresh_from_db()
    assert referral.status == "accepted"


def test_an_htmx_status_update_returns_the_row(referral, referral_region, client):
    client.force_login(referral_region.receiver)
    response = client.post(
        f"/referrals/{referral.pk}/status/",
        {"status": "accepted", "expected": "sent", "from": "incoming"},
        headers={"HX-Request": "true"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith(f'<li class="tandem-hit" id="referral-row-{referral.pk}"')
    assert "Accepted" in body


def test_an_invalid_status_on_the_page_is_explained_next_to_the_field(
    referral, referral_region, client
):
    client.force_login(referral_region.receiver)
    response = client.post(
        f"/referrals/{referral.pk}/status/", {"status": "attended", "expected": "sent"}
    )
    body = response.content.decode()
    assert response.status_code == 422
    assert "Choose one of the statuses offered" in body
    assert f'aria-describedby="r{referral.pk}-status-error"' in body


def test_a_stale_page_is_told_what_changed(referral, referral_region, client):
    referral_status_set(actor=referral_region.receiver, referral_id=referral.pk, status="declined")
    client.force_login(referral_region.clinician)
    response = client.post(
        f"/referrals/{referral.pk}/status/", {"status": "accepted", "expected": "sent"}
    )
    assert "Someone changed this referral meanwhile: it is now declined." in (
        response.content.decode()
    )


def test_the_detail_page_shows_the_history_to_both_ends(referral, referral_region, client):
    referral_status_set(
        actor=referral_region.receiver, referral_id=referral.pk, status="accepted", note="Tue 10"
    )
    client.force_login(referral_region.clinician)
    body = client.get(f"/referrals/{referral.pk}/").content.decode()
    assert "Sent → Accepted" in body
    assert "Not shown to you" in body  # the receiver's note, without consent
    assert REASON in body
    client.force_login(referral_region.receiver)
    body = client.get(f"/referrals/{referral.pk}/").content.decode()
    assert "Tue 10" in body and REASON not in body


def test_a_referral_is_made_from_the_page(referral_region, client):
    r = referral_region
    client.force_login(r.clinician)
    page = client.get(f"/referrals/new/{r.encounter.pk}/", {"need": "outpatient_mh"})
    assert "Refer to Riverside Counseling" in page.content.decode()
    response = client.post(
        f"/referrals/new/{r.encounter.pk}/?need=outpatient_mh",
        {"service": r.service.pk, "reason": "Needs counseling"},
    )
    referral = Referral.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/referrals/{referral.pk}/"
    assert (referral.service, referral.reason) == (r.service, "Needs counseling")


def test_sending_without_choosing_a_service_says_so(referral_region, client):
    client.force_login(referral_region.clinician)
    response = client.post(f"/referrals/new/{referral_region.encounter.pk}/", {"reason": "x"})
    assert "Choose the service to refer to from the results." in response.content.decode()
    assert not Referral.objects.exists()


def test_the_api_makes_and_moves_a_referral(referral_region, client):
    r = referral_region
    client.force_login(r.clinician)
    made = client.post(
        "/api/referrals",
        {"encounter": r.encounter.pk, "service": r.service.pk, "reason": "x"},
        "application/json",
    )
    assert made.status_code == 201 and made.json()["status"] == "sent"
    pk = made.json()["id"]
    client.force_login(r.receiver)
    listed = client.get("/api/referrals", {"direction": "incoming", "status": "open"}).json()
    assert [row["id"] for row in listed] == [pk]
    assert "reason" not in listed[0]
    wrong = client.post(f"/api/referrals/{pk}/status", {"status": "attended"}, "application/json")
    assert wrong.status_code == 400
    assert wrong.json()["errors"][0]["path"] == "$.status"
    ok = client.post(f"/api/referrals/{pk}/status", {"status": "accepted"}, "application/json")
    assert ok.status_code == 200 and ok.json()["next_statuses"] == [
        "attended",
        "no_show",
        "declined",
        "unable_to_reach",
    ]
    detail = client.get(f"/api/referrals/{pk}").json()
    assert [e["to_status"] for e in detail["events"]] == ["sent", "accepted"]


def test_the_api_refuses_an_inactive_service_with_its_path(referral_region, client):
    r = referral_region
    client.force_login(r.clinician)
    response = client.post(
        "/api/referrals", {"encounter": r.encounter.pk, "service": r.closed.pk}, "application/json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["path"] == "$.service"
