"""A dispatcher's shift in a real browser: intake, recommendation, assignment, clear.

With TANDEM_GUIDE_SCREENSHOTS=<folder> the pictures for docs/guide-dispatch.md are
written there as well (`make guide-screenshots`).
"""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tandem.dispatch.intake import CallIntake, call_intake

from .conftest import TABLET, sign_in

pytestmark = pytest.mark.django_db(transaction=True)
DANGERS = [
    "Weapon present or mentioned?",
    "Violence or threats of violence?",
    "Medical emergency (overdose, injury, unconscious)?",
    "Crime in progress?",
]


def guide_shot(page, name: str) -> None:
    if folder := os.environ.get("TANDEM_GUIDE_SCREENSHOTS"):
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"dispatch-{name}.png"))


def test_a_dispatcher_takes_a_call_assigns_the_recommended_team_and_clears_it(
    browser_page, dispatch_region, screenshot
):
    page = browser_page
    sign_in(page, "dispatcher")
    page.get_by_role("link", name="New call").first.click()

    page.get_by_label("Call type").fill("WELFARE")
    page.get_by_label("Jurisdiction").select_option(label="Lakeview")
    page.get_by_label("Narrative").fill(
        "Neighbour worried; man sitting in the rain, talking to himself."
    )
    for question in DANGERS:
        page.get_by_role("group", name=question).get_by_text("No", exact=True).click()
    guide_shot(page, "intake")
    page.get_by_role("button", name="Save and recommend").click()

    expect(page.get_by_role("heading", name="Recommended: Clinician-only team")).to_be_visible()
    expect(page.get_by_text("cleared-for-clinician")).to_be_visible()
    guide_shot(page, "recommendation")
    page.get_by_role("button", name="Assign MCT-1").click()

    expect(page).to_have_url(re.compile(r"/calls/board/$"))
    expect(page.get_by_text("MCT-1 assigned to call")).to_be_visible()
    row = page.locator(f"#team-row-{dispatch_region.crisis_team.pk}")
    expect(row).to_contain_text("Assigned")
    guide_shot(page, "board")
    for step, status in (
        ("En route", "En route"),
        ("On scene", "On scene"),
        ("Cleared", "Available"),
    ):
        row.get_by_role("button", name=re.compile(f"^{step}")).click()
        expect(row.locator(".tandem-status")).to_have_text(status)
    screenshot(page, "cleared")


def test_the_board_shows_a_new_call_without_a_reload(browser_page, dispatch_region):
    page = browser_page
    sign_in(page, "dispatcher")
    page.goto("/calls/board/")
    page.evaluate("window.__sameDocument = true")
    call, _ = call_intake(
        actor=dispatch_region.dispatcher,
        intake=CallIntake(
            source="988", call_type="SUICTHRT", jurisdiction_id=dispatch_region.city.pk
        ),
    )
    expect(page.get_by_role("link", name=call.number)).to_be_visible(timeout=6000)
    assert page.evaluate("window.__sameDocument") is True


@pytest.mark.parametrize("viewport", [TABLET], ids=["tablet"])
def test_the_board_works_by_keyboard_on_a_tablet(browser_page, dispatch_region, screenshot):
    page = browser_page
    sign_in(page, "dispatcher")
    call, _ = call_intake(
        actor=dispatch_region.dispatcher,
        intake=CallIntake(source="911", call_type="EDP", jurisdiction_id=dispatch_region.city.pk),
    )
    page.goto("/calls/board/")
    link = page.get_by_role("link", name=call.number)
    for _ in range(40):  # Tab through the page until the call's link has focus
        page.keyboard.press("Tab")
        if link.evaluate("el => el === document.activeElement"):
            break
    else:
        pytest.fail("the call's link is not reachable by Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=re.compile("^Recommended:"))).to_be_visible()
    screenshot(page, "tablet-dispatch")
