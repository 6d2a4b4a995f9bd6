"""A consent signed on the clinician's tablet, seen active, then revoked, in a real browser."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tandem.privacy.models import Consent
from tests.privacy.factories import other_provider

from .conftest import TABLET, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def draw_signature(page) -> None:
    """Sign across the box with the mouse: two strokes, as a hand would."""
    pad = page.locator("canvas[data-signature-pad]")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    left, top, width, height = box["x"], box["y"], box["width"], box["height"]
    for stroke in (
        [(0.08, 0.7), (0.15, 0.3), (0.22, 0.65), (0.3, 0.25), (0.38, 0.7)],
        [(0.45, 0.6), (0.55, 0.4), (0.65, 0.62), (0.8, 0.45), (0.92, 0.55)],
    ):
        x, y = stroke[0]
        page.mouse.move(left + x * width, top + y * height)
        page.mouse.down()
        for x, y in stroke[1:]:
            page.mouse.move(left + x * width, top + y * height, steps=8)
        page.mouse.up()


def test_a_consent_is_signed_on_the_tablet_seen_active_and_revoked(
    browser_page, region, screenshot
):
    page = browser_page
    page.set_viewport_size(TABLET)
    other_provider(region)
    sign_in(page, "clinician")
    page.goto(f"/people/{region.person.pk}/")
    expect(page.get_by_text("No active consent")).to_be_visible()
    screenshot(page, "person")
    page.get_by_role("link", name="Record a consent").click()

    expect(
        page.get_by_role("heading", name="Consent to share your health information")
    ).to_be_visible()
    # Parts that do not apply are hidden until chosen.
    expect(
        page.get_by_label("The substance-use treatment information that may be shared")
    ).to_be_hidden()
    page.get_by_text("Valley Bh").click()
    page.get_by_text("Also share my substance-use treatment information").click()
    page.get_by_label("The substance-use treatment information that may be shared").fill(
        "My diagnosis and medications."
    )
    page.get_by_text("Treatment, payment and health care operations (TPO)").click()
    expect(page.get_by_text("may share them again as the HIPAA rules allow")).to_be_visible()
    end = timezone.localdate() + timedelta(days=180)
    page.get_by_label("End date").fill(end.isoformat())
    page.get_by_label("Full name of the person signing").fill("Dana Reyes")

    # Sent without a signature: the problem is named and nothing typed is lost.
    page.get_by_role("button", name="Sign and give consent").click()
    expect(page.get_by_role("alert")).to_contain_text("Sign in the box")
    expect(page.get_by_label("Full name of the person signing")).to_have_value("Dana Reyes")
    expect(page.get_by_label("End date")).to_have_value(end.isoformat())
    assert not Consent.objects.exists()

    draw_signature(page)
    signature = page.locator("input[data-signature-value]").input_value()
    assert signature.startswith("M") and " L" in signature
    screenshot(page, "form-signed")
    page.get_by_role("button", name="Sign and give consent").click()

    expect(page.get_by_text("Consent signed. It is active now.")).to_be_visible()
    expect(page.locator("h1 .usa-tag")).to_have_text("Active")
    expect(page.get_by_role("img", name="Signature of Dana Reyes")).to_be_visible()
    consent = Consent.objects.get()
    assert consent.signature_svg == signature and consent.includes_part2
    assert consent.witnessed_by.username == "clinician" and consent.purpose_kind == "tpo"
    screenshot(page, "active")

    page.get_by_role("link", name="Revoke this consent").click()
    expect(page.get_by_role("heading", name="Revoke this consent?")).to_be_visible()
    page.get_by_text("In writing (a letter, a form or an e-mail)").click()
    screenshot(page, "confirm-revoke")
    page.get_by_role("button", name="Revoke the consent").click()
    expect(page.get_by_text("Consent revoked. Nothing more is shared under it.")).to_be_visible()
    expect(page.locator("h1 .usa-tag")).to_have_text("Revoked")
    expect(page.get_by_role("link", name="Revoke this consent")).to_have_count(0)
    consent.refresh_from_db()
    assert consent.revoked_at is not None and consent.revocation_method == "writing"

    page.get_by_role("link", name="All consents of Dana Reyes").click()
    expect(page.get_by_role("cell", name="Revoked")).to_be_visible()
    screenshot(page, "list")


def test_the_administrator_records_and_ends_an_agreement_on_a_tablet(
    browser_page, region, screenshot
):
    page = browser_page
    page.set_viewport_size(TABLET)
    other_provider(region)
    sign_in(page, "regional")
    page.goto("/privacy/agreements/")
    page.get_by_role("link", name="Record an agreement").click()
    page.get_by_label("Disclosing agency (whose records)").select_option(label="Harbor Clinic")
    page.get_by_label("Receiving agency", exact=True).select_option(label="Lakeview Pd")
    page.get_by_text("One way: the disclosing agency to the receiving agency").click()
    page.get_by_text("Clinical (mental-health assessments, notes, diagnoses)").click()
    page.get_by_label("Purpose").fill("Crisis follow-up")
    page.get_by_label("Signed document").fill("MOU 2025-07")
    page.get_by_role("button", name="Record the agreement").click()
    expect(page.get_by_role("alert")).to_contain_text("may never receive clinical or Part 2")
    screenshot(page, "refused")
    page.get_by_label("Receiving agency", exact=True).select_option(label="Valley Bh")
    page.get_by_role("button", name="Record the agreement").click()
    expect(page.get_by_text("Agreement recorded: Harbor Clinic to Valley Bh.")).to_be_visible()
    screenshot(page, "list")
    page.get_by_role("link", name="End the agreement from Harbor Clinic to Valley Bh").click()
    page.get_by_label("Why it ends").fill("Contract not renewed")
    page.get_by_role("button", name="End the agreement now").click()
    expect(page.get_by_text("No agreement is in force")).to_be_visible()
    expect(page.get_by_text("Contract not renewed")).to_be_visible()


def test_part2_data_shown_to_another_provider_carries_the_redisclosure_notice(
    browser_page, region, screenshot
):
    from tandem.encounters.models import Encounter
    from tandem.privacy.notices import PART2_REDISCLOSURE_CASES, PART2_REDISCLOSURE_INTRO
    from tests.privacy.factories import agreement, consent

    page = browser_page
    page.set_viewport_size(TABLET)
    other_provider(region)
    Encounter.objects.filter(pk=region.encounter.pk).update(
        substance_use_notes="Methadone 80 mg daily"
    )
    agreement(region.clinic, region.valley)
    consent(region.clinic, region.person, [region.valley], part2=True)
    sign_in(page, "valley_clinician")
    page.goto(f"/encounters/{region.encounter.pk}/")
    notice = page.get_by_role("region", name="42 CFR part 2 redisclosure notice")
    expect(notice).to_contain_text(PART2_REDISCLOSURE_INTRO)
    expect(notice.get_by_role("listitem")).to_have_text(list(PART2_REDISCLOSURE_CASES))
    expect(page.get_by_text("Methadone 80 mg daily")).to_be_visible()
    screenshot(page, "encounter")
