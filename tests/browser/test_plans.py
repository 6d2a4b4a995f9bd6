"""A crisis plan from draft to the officer's call page, in a real browser on a tablet."""

import pytest
from playwright.sync_api import expect

from tandem.plans.models import CrisisPlan, PlanStatus
from tests.followups.conftest import clinical_supervisor

from .conftest import DESKTOP, TABLET, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def shot(screenshot, page, name: str) -> None:
    screenshot(page, name)


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()


def test_a_plan_is_drafted_submitted_approved_and_its_safety_part_reaches_the_officer(
    browser_page, region, screenshot
):
    page = browser_page
    page.set_viewport_size(TABLET)
    clinical_supervisor(region)

    sign_in(page, "clinician")
    page.goto(f"/people/{region.person.pk}/")
    page.get_by_role("link", name="Start a crisis plan").click()
    page.get_by_label("Baseline behavior").fill("CLINBASE Quiet; keeps to a daily walk.")
    page.get_by_label("Triggers").fill("CLINTRIG Sirens, crowds.")
    page.get_by_label("Safety concerns").fill("Large dog in the yard.")
    page.get_by_label("How to approach").fill("One person speaks, slowly; use his first name.")
    contact = page.get_by_role("group", name="Contact 1")
    contact.get_by_label("Name").fill("Ana Reyes")
    contact.get_by_label("Relationship").fill("sister")
    contact.get_by_label("Phone").fill("not a number")
    shot(screenshot, page, "editor")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("alert")).to_contain_text("expected a phone number")
    expect(page.get_by_label("Baseline behavior")).to_have_value(
        "CLINBASE Quiet; keeps to a daily walk."
    )  # nothing typed is lost
    page.get_by_role("group", name="Contact 1").get_by_label("Phone").fill("816 555 0100")
    page.get_by_role("button", name="Save draft").click()
    page.get_by_role("button", name="Submit for approval").click()
    expect(page.get_by_text("Submitted for a supervisor's approval.")).to_be_visible()
    # The author may not decide their own plan.
    expect(page.get_by_role("heading", name="Your decision")).to_have_count(0)
    sign_out(page)

    sign_in(page, "clin_supervisor")
    page.goto("/plans/")
    page.get_by_role("link", name="Reyes, Dana").click()
    shot(screenshot, page, "decision")
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_text("Approved. Review due")).to_be_visible()
    assert CrisisPlan.objects.get().status == PlanStatus.APPROVED
    sign_out(page)

    page.set_viewport_size(DESKTOP)
    sign_in(page, "officer")
    page.goto(f"/calls/{region.call.pk}/")
    box = page.get_by_role("region", name="Crisis plan — safety")
    expect(box).to_contain_text("Large dog in the yard.")
    expect(box).to_contain_text("Ana Reyes (sister): 816 555 0100")
    shot(screenshot, page, "officer-call")
    body = page.content()
    assert "CLINBASE" not in body and "CLINTRIG" not in body
    box.get_by_role("link", name="The plan").click()
    expect(page.get_by_role("heading", name="Safety for responders")).to_be_visible()
    expect(page.get_by_role("heading", name="Clinical plan")).to_have_count(0)
    assert "CLINBASE" not in page.content()
