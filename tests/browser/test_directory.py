"""The directory and closed-loop referrals in a real browser.

A clinician searches the directory by keyboard on a tablet, refers the person seen to a
detox program from the encounter, and the program's clinician accepts the referral from
the incoming list.
"""

import re

import pytest
from playwright.sync_api import expect

from tandem.accounts.roles import Role
from tandem.directory.services import directory_import
from tests.conftest import _user
from tests.directory.conftest import add_directory_agencies, load_demo_document

from .conftest import DESKTOP, TABLET, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def directory(region):
    add_directory_agencies(region)
    directory_import(actor=None, document=load_demo_document())
    region.ridgeway_clinician = _user("ridgeway", region.ridgeway, Role.CLINICIAN)
    return region


def tab_to(page, label: str, limit: int = 60) -> None:
    """Press Tab until the control labelled `label` has focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "() => { const e = document.activeElement;"
            " return e && e.labels && e.labels.length ? e.labels[0].innerText : ''; }"
        )
        if focused.strip() == label:
            return
    pytest.fail(f"{label!r} is not reachable by Tab")


@pytest.mark.parametrize("viewport", [TABLET], ids=["tablet"])
def test_the_directory_is_searched_by_keyboard_on_a_tablet(browser_page, directory, screenshot):
    page = browser_page
    sign_in(page, "clinician")
    page.goto("/directory/")
    results = page.locator("#directory-results")
    expect(results).to_contain_text("Emergency Shelter")

    tab_to(page, "Need")
    page.keyboard.press("ArrowDown")  # Crisis stabilization
    page.keyboard.press("ArrowDown")  # Detox / withdrawal management
    expect(results).not_to_contain_text("Emergency Shelter")
    expect(results).to_contain_text("Sobering Center")
    tab_to(page, "Age of the person")
    page.keyboard.type("15")
    expect(results).to_contain_text("No service matches")
    page.keyboard.press("Backspace")
    page.keyboard.press("Backspace")
    page.keyboard.type("30")
    tab_to(page, "Near")
    page.keyboard.press("ArrowDown")  # Lakeview
    page.keyboard.press("Enter")
    expect(results).to_contain_text(" km")
    expect(results).to_contain_text("(816) 555-0121")
    expect(page).to_have_url(re.compile(r"need=detox"))
    # Nothing is cut off sideways on a tablet.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "search")


def test_a_referral_is_made_from_the_encounter_and_the_program_accepts_it(
    browser_page, directory, screenshot
):
    page = browser_page
    r = directory
    sign_in(page, "clinician")
    page.goto(f"/encounters/{r.encounter.pk}/")
    page.get_by_role("link", name="Make a referral").click()
    expect(page.get_by_role("heading", name="Make a referral")).to_be_visible()
    # The list is searched again as the need changes: wait for that answer before choosing.
    with page.expect_response(lambda response: "need=detox" in response.url):
        page.get_by_label("Need").select_option(label="Detox / withdrawal management")
    choice = page.get_by_text("Refer to Medically Monitored Withdrawal Management")
    expect(choice).to_be_visible()
    choice.click()
    expect(
        page.get_by_role("radio", name="Refer to Medically Monitored Withdrawal Management")
    ).to_be_checked()
    page.get_by_label("Reason for the referral").fill("Daily drinking, wants to stop; shakes.")
    screenshot(page, "choose")
    page.get_by_role("button", name="Send referral").click()
    expect(
        page.get_by_text("Referral sent to Medically Monitored Withdrawal Management")
    ).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("^Status: Sent"))).to_be_visible()
    expect(page.get_by_text("42 CFR part 2 prohibits")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, "ridgeway")
    page.get_by_role("link", name="Referrals", exact=True).first.click()
    page.get_by_role("link", name="Incoming referrals").click()
    row = page.locator(".tandem-hit").filter(has_text="Dana Reyes")
    expect(row).to_contain_text("Sent")
    expect(row).not_to_contain_text("Daily drinking")  # no consent on file to share it
    row.get_by_label(re.compile("^New status")).select_option(label="Accepted")
    row.get_by_label(re.compile("^Note")).fill("Admission tonight 20:00")
    row.get_by_role("button", name=re.compile("^Update")).click()
    row = page.locator(".tandem-hit").filter(has_text="Dana Reyes")
    expect(row.locator(".tandem-referral-status")).to_have_text("Accepted")
    screenshot(page, "incoming")


@pytest.mark.parametrize("viewport", [DESKTOP, TABLET], ids=["desktop", "tablet"])
def test_pages_for_the_record(browser_page, directory, screenshot, viewport):
    """Screenshots of each page at both widths (test-artifacts/browser)."""
    page = browser_page
    from tandem.referrals.services import referral_create, referral_status_set

    referral = referral_create(
        actor=directory.clinician,
        encounter_id=directory.encounter.pk,
        service_id=_service_pk("Adult Outpatient Counseling"),
        reason="Low mood",
    )
    referral_status_set(actor=directory.clinician, referral_id=referral.pk, status="accepted")
    sign_in(page, "clinician")
    for name, url in (
        ("directory", "/directory/?need=housing&near=lakeview"),
        ("service", f"/directory/services/{_service_pk('Sobering Center')}/"),
        ("new", f"/referrals/new/{directory.encounter.pk}/?need=outpatient_mh"),
        ("detail", f"/referrals/{referral.pk}/"),
        ("outgoing", "/referrals/"),
        ("incoming", "/referrals/incoming/?status="),
    ):
        page.goto(url)
        expect(page.locator("h1")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), name
        screenshot(page, name)


def _service_pk(name: str) -> int:
    from tandem.directory.models import Service

    return Service.objects.get(name=name).pk
