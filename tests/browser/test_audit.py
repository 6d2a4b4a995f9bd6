"""A privacy officer searches the audit trail and opens a person's accounting of
disclosures, in a real browser, on a tablet and on a desktop."""

import re

import pytest
from playwright.sync_api import expect

from tests.privacy.test_disclosures import disclose_three_ways

from .conftest import DESKTOP, TABLET, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def disclosed(region):
    return disclose_three_ways(region)


@pytest.mark.parametrize("viewport", [TABLET, DESKTOP], ids=["tablet", "desktop"])
def test_a_privacy_officer_filters_the_audit_trail_and_opens_a_persons_accounting(
    browser_page, disclosed, screenshot, viewport, tmp_path
):
    page = browser_page
    sign_in(page, "privacy")
    page.get_by_role("link", name="Search the audit trail").click()
    expect(page.get_by_role("heading", name="Audit trail", exact=True)).to_be_visible()
    screenshot(page, "trail")

    # A date that does not exist is named, and what was typed stays.
    page.get_by_label("From").fill("2025-13-01")
    page.get_by_role("button", name="Search", exact=True).click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("From: Enter the date as YYYY-MM-DD")
    expect(page.get_by_label("From")).to_have_value("2025-13-01")
    screenshot(page, "bad-date")
    page.get_by_label("From").fill("")

    page.get_by_label("Action").select_option("read")
    page.get_by_label("Segment").select_option("part2")
    page.get_by_role("button", name="Search", exact=True).click()
    # Reads of the clinic's Part 2 record: its own clinician's, the consented read and
    # the emergency read.
    expect(page.get_by_role("heading", name="3 events")).to_be_visible()
    expect(page.get_by_role("table")).to_contain_text("ridge_clinician")

    # The name goes in a posted form; only the record number reaches a URL.
    page.get_by_label("Name", exact=True).fill("Reyes")
    page.get_by_role("button", name="Find").click()
    expect(page.get_by_role("heading", name="1 found")).to_be_visible()
    assert "Reyes" not in page.url
    screenshot(page, "found")
    page.get_by_role("link", name="Audit events about Dana Reyes").click()
    expect(page.get_by_role("heading", name=re.compile(r"events about Dana Reyes"))).to_be_visible()
    assert "Reyes" not in page.url and "person=" in page.url
    screenshot(page, "person")

    page.get_by_role("link", name=re.compile("Accounting of disclosures")).first.click()
    expect(page.get_by_role("heading", name=re.compile(r"^3 disclosures from"))).to_be_visible()
    table = page.get_by_role("table")
    expect(table).to_contain_text("Written consent (42 CFR 2.31")
    expect(table).to_contain_text("Medical emergency (42 CFR 2.51)")
    expect(table).not_to_contain_text("Calm after talking")
    screenshot(page, "accounting")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download as PDF").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name.startswith("accounting-of-disclosures-") and "Reyes" not in saved.name
    assert saved.read_bytes().startswith(b"%PDF-")


def test_the_emergency_queue_leads_to_the_accounting(browser_page, disclosed, screenshot):
    page = browser_page
    page.set_viewport_size(TABLET)
    sign_in(page, "privacy")
    page.get_by_role("link", name="Review emergency access").click()
    link = page.get_by_role("link", name=re.compile("accounting of disclosures")).first
    link.click()
    expect(page.get_by_role("heading", name="Accounting of disclosures")).to_be_visible()
    expect(page.get_by_role("table")).to_contain_text("emergency access")
