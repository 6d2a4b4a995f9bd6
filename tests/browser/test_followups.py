"""A navigator works the follow-up queue in a real browser, on a tablet, by keyboard."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tandem.core.models import service_write
from tandem.followups.models import FollowUp, FollowUpStatus

from .conftest import DESKTOP, TABLET, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def shot(screenshot, page, name: str) -> None:
    screenshot(page, name)


def make_task(region, hours: float, kind="post_crisis", **extra) -> FollowUp:
    with service_write():
        return FollowUp.objects.create(
            owning_agency=region.clinic,
            person=region.person,
            kind=kind,
            due_at=timezone.now() + timedelta(hours=hours),
            assigned_to=region.navigator,
            **extra,
        )


@pytest.mark.parametrize("viewport", [TABLET, DESKTOP], ids=["tablet", "desktop"])
def test_a_navigator_records_an_attempt_and_completes_a_daily_check_from_the_queue(
    browser_page, region, screenshot, viewport
):
    page = browser_page
    late = make_task(region, -30)
    daily = make_task(region, 2, kind="medication_check", repeat="daily_until_stabilised")
    make_task(region, 72, kind="referral_check")
    sign_in(page, "navigator")
    page.goto("/followups/")

    overdue = page.locator(f"#task-{late.pk}")
    expect(page.get_by_role("heading", name="Overdue (1)")).to_be_visible()
    expect(overdue.locator(".usa-tag")).to_contain_text("Overdue")  # in words, not colour
    shot(screenshot, page, "queue")

    # Keyboard only: focus the "Record attempt" disclosure, open it, fill the form.
    overdue.get_by_text("Record attempt").focus()
    page.keyboard.press("Enter")
    form = overdue.locator("details").filter(has_text="Save attempt")
    form.get_by_text("Family or caregiver", exact=True).click()
    form.get_by_label("Outcome").select_option("left_message")
    form.get_by_label("Notes (clinical)").fill("Left a message with his sister.")
    shot(screenshot, page, "attempt-form")
    form.get_by_role("button", name="Save attempt").press("Enter")
    expect(page.locator(f"#task-{late.pk}").get_by_role("status")).to_have_text("Attempt recorded.")
    expect(page.locator(f"#task-{late.pk}")).to_contain_text("1 attempt")

    row = page.locator(f"#task-{daily.pk}")
    row.get_by_text("Complete", exact=True).click()
    row.get_by_role("button", name="Mark completed").click()
    expect(page.locator(f"#task-{daily.pk}")).to_contain_text("The next check is due")
    assert FollowUp.objects.filter(previous=daily, status=FollowUpStatus.OPEN).exists()


def test_closing_shows_the_error_next_to_the_reason_and_keeps_the_notes(
    browser_page, region, screenshot
):
    page = browser_page
    page.set_viewport_size(TABLET)
    task = make_task(region, 1)
    sign_in(page, "navigator")
    page.goto("/followups/")
    row = page.locator(f"#task-{task.pk}")
    row.get_by_text("Close", exact=True).click()
    form = row.locator("details").filter(has_text="Close task")
    form.get_by_label("Closing reason").select_option("unable_to_reach")
    form.get_by_label("Notes (clinical)").fill("Three calls, no answer.")
    form.get_by_role("button", name="Close task").click()
    row = page.locator(f"#task-{task.pk}")
    form = row.locator("details").filter(has_text="Close task")
    expect(form.locator(".usa-error-message")).to_contain_text("at least 3 recorded attempts")
    expect(form.get_by_label("Notes (clinical)")).to_have_value("Three calls, no answer.")
    shot(screenshot, page, "close-error")
    form.get_by_label("Closing reason").select_option("engaged")
    form.get_by_role("button", name="Close task").click()
    expect(page.locator(f"#task-{task.pk}")).to_contain_text("Closed: Engaged in services")
