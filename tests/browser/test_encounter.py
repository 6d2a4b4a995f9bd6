"""The field encounter form on a tablet: autosave, a dropped connection, the C-SSRS branch."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tandem.dispatch.models import Assignment
from tandem.encounters.models import Encounter, Screening
from tandem.privacy.models import AuditEvent

from .conftest import DESKTOP, TABLET, sign_in

pytestmark = pytest.mark.django_db(transaction=True)
SAVED = re.compile(r"^Saved \d\d:\d\d")


@pytest.fixture
def viewport():
    return TABLET


@pytest.fixture
def assignment(dispatch_region):
    r = dispatch_region
    return Assignment.objects.create(
        owning_agency=r.pd,
        call=r.call,
        team=r.team,
        mode="co_responder",
        assigned_at=timezone.now(),
        on_scene_at=timezone.now(),
    )


def item(page, number: str):
    return page.get_by_role("group", name=re.compile(rf"^{re.escape(number)}\. "))


def answer(page, number: str, choice: str) -> None:
    item(page, number).get_by_text(choice, exact=True).click()


def test_a_submission_made_offline_arrives_once_when_the_connection_returns(
    browser_page, assignment, screenshot
):
    page = browser_page
    sign_in(page, "clinician")
    page.goto(f"/encounters/new/?assignment={assignment.pk}")
    page.get_by_label("Given name").fill("Sam")
    page.get_by_label("Family name").fill("Okafor")
    page.get_by_text("Mania", exact=True).click()
    status = page.locator("#autosave-status")
    expect(status).to_have_text(SAVED)
    expect(page).to_have_url(re.compile(r"/encounters/\d+/edit/$"))
    [draft] = Encounter.objects.filter(assignment=assignment)
    assert draft.status == "draft" and draft.behaviors == ["mania"]

    page.context.set_offline(True)
    expect(status).to_have_text(re.compile("^Offline"))
    page.get_by_label("Clinical notes").fill("Talked it through on the porch.")
    answer(page, "1", "Yes")
    answer(page, "2", "No")
    expect(item(page, "3")).to_be_hidden()
    answer(page, "6", "No")
    page.get_by_label("Disposition").select_option("resolved_on_scene")
    screenshot(page, "offline-tablet")
    page.get_by_role("button", name="Submit encounter").click()
    expect(status).to_have_text("Offline — the submission will be sent when connected")
    assert Encounter.objects.get(pk=draft.pk).status == "draft"

    page.context.set_offline(False)
    expect(page).to_have_url(f"/encounters/{draft.pk}/")
    encounter = Encounter.objects.get(assignment=assignment)
    assert encounter.status == "submitted"
    assert encounter.clinical_notes == "Talked it through on the porch."
    assert encounter.person.family_name == "Okafor"
    assert Screening.objects.get(encounter=encounter).result == "low"
    assert AuditEvent.objects.filter(action="submit").count() == 1
    assert page.evaluate("window.localStorage.length") == 0
    expect(page.get_by_text("Low risk")).to_be_visible()
    screenshot(page, "submitted")


def test_the_cssrs_asks_items_three_to_five_only_after_yes_to_item_two(browser_page, assignment):
    page = browser_page
    sign_in(page, "clinician")
    page.goto(f"/encounters/new/?assignment={assignment.pk}")
    three = item(page, "3").get_by_label("Yes")
    expect(three).to_be_disabled()  # not yet: item 2 is unanswered
    answer(page, "2", "Yes")
    expect(three).to_be_enabled()
    answer(page, "3", "Yes")
    expect(three).to_be_checked()
    answer(page, "2", "No")
    expect(item(page, "3")).to_be_hidden()
    recent = item(page, "6b").get_by_label("Yes")
    expect(recent).to_be_disabled()
    answer(page, "6", "No")
    expect(item(page, "6b")).to_be_hidden()
    answer(page, "6", "Yes")
    expect(recent).to_be_enabled()


def test_unsent_changes_survive_a_reload_while_the_server_is_unreachable(browser_page, assignment):
    page = browser_page
    sign_in(page, "officer")
    page.goto(f"/encounters/new/?assignment={assignment.pk}")

    def refuse_posts(route):
        if route.request.method == "POST":
            route.abort()
        else:
            route.continue_()

    page.route("**/encounters/**", refuse_posts)
    page.get_by_label("Charges").fill("Trespass, not pursued")
    page.get_by_text("Belligerent / uncooperative", exact=True).click()
    status = page.locator("#autosave-status")
    expect(status).to_have_text(re.compile("^Offline — will send"))
    assert not Encounter.objects.filter(assignment=assignment).exists()

    page.reload()
    expect(status).to_have_text(re.compile(r"\(changes restored from this tablet\)$"))
    expect(page.get_by_label("Charges")).to_have_value("Trespass, not pursued")
    expect(page.get_by_label("Belligerent / uncooperative")).to_be_checked()

    page.unroute("**/encounters/**")
    expect(status).to_have_text(SAVED)
    encounter = Encounter.objects.get(assignment=assignment)
    assert encounter.charges == "Trespass, not pursued"
    assert encounter.behaviors == ["belligerent"]
    assert page.evaluate("window.localStorage.length") == 0


@pytest.mark.parametrize("viewport", [TABLET, DESKTOP])
def test_the_form_pages_as_each_role_sees_them(browser_page, assignment, screenshot, viewport):
    page = browser_page
    sign_in(page, "officer")
    page.goto(f"/encounters/new/?assignment={assignment.pk}")
    expect(page.get_by_role("heading", name=re.compile("^New encounter"))).to_be_visible()
    expect(page.get_by_text("C-SSRS")).to_have_count(0)
    screenshot(page, "officer-form")
    page.context.clear_cookies()
    sign_in(page, "clinician")
    page.goto(f"/encounters/new/?assignment={assignment.pk}")
    screenshot(page, "clinician-form")
