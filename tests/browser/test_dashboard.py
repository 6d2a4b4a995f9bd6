"""A program manager opens the figures, waits for them to be computed, filters to their
agency and two months, and follows a figure to the calls behind it; on a tablet and on a
desktop, keyboard-reachable, with no Content-Security-Policy violation from the charts."""

import re

import pytest
from playwright.sync_api import expect

from tandem.metrics import selectors
from tests.metrics.test_dashboard import EARLIER, LAST, build_history

from .conftest import DESKTOP, TABLET, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def history(region, settings, tmp_path):
    settings.VAR_DIR = tmp_path  # no stored snapshot: the page must compute the figures
    build_history(region)
    selectors.snapshot_refresh()
    yield region
    selectors.snapshot_refresh()


@pytest.mark.parametrize("viewport", [TABLET, DESKTOP], ids=["tablet", "desktop"])
def test_a_program_manager_filters_the_figures_and_opens_the_calls_behind_one(
    browser_page, history, screenshot, viewport
):
    page = browser_page
    sign_in(page, "sergeant")
    page.goto("/")
    if viewport is TABLET:
        page.get_by_role("button", name="Menu").click()
    page.get_by_role("link", name="Figures").click()

    # No snapshot yet: the page says the figures are being computed, and (no background
    # worker runs in tests) offers to compute them now.
    expect(
        page.get_by_role("heading", name="Computing the figures from the records")
    ).to_be_visible()
    expect(page.locator("#snapshot-status")).to_contain_text("waiting for the background worker")
    page.get_by_role("button", name="Compute now and wait").click()
    expect(page.locator("#snapshot-status")).to_contain_text("Computed from the records at")

    page.get_by_label("From month").fill(f"{EARLIER:%Y-%m}")
    page.get_by_label("To month").fill(f"{LAST:%Y-%m}")
    page.get_by_label("Agency", exact=True).select_option(str(history.pd.pk))
    page.get_by_role("button", name="Show figures").click()

    expect(page.get_by_role("heading", name="Program figures")).to_be_visible()
    expect(page.get_by_text(f"{EARLIER:%b %Y} to {LAST:%b %Y}; {history.pd.name}")).to_be_visible()
    chart = page.get_by_role("img", name="Behavioral-health calls per month")
    expect(chart).to_be_visible()
    table = page.get_by_role("table", name="Behavioral-health calls per month")
    expect(table.get_by_role("row", name=re.compile(f"^{LAST:%b %Y} 12 "))).to_be_visible()
    expect(table.get_by_role("row", name=re.compile("^All months 16 "))).to_be_visible()
    screenshot(page, f"dashboard-{viewport['width']}")
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]

    # The figure for last month leads to the twelve calls it counts.
    link = table.get_by_role("row", name=re.compile(f"^{LAST:%b %Y} ")).get_by_role("link")
    link.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Behavioral-health calls", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="12 records you may open")).to_be_visible()
    records = page.get_by_role("table", name=re.compile("Behavioral-health calls, newest first"))
    expect(records.get_by_role("row")).to_have_count(13)  # header and twelve calls
    screenshot(page, f"records-{viewport['width']}")
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]

    records.get_by_role("link", name="T-0", exact=True).click()
    expect(page.get_by_role("heading", name=re.compile("T-0"))).to_be_visible()


def test_an_analyst_sees_withheld_cells_and_no_drill_down(browser_page, history, screenshot):
    selectors.current_connection()  # the figures exist already
    page = browser_page
    sign_in(page, "analyst")
    page.goto(f"/metrics/?start={EARLIER:%Y-%m}&end={LAST:%Y-%m}")
    table = page.get_by_role("table", name="Behavioral-health calls per month")
    expect(
        table.get_by_role("row", name=re.compile(f"^{EARLIER:%b %Y} fewer than 11"))
    ).to_be_visible()
    expect(page.locator("a[href*='/metrics/records/']")).to_have_count(0)
    expect(page.get_by_role("button", name="Recompute the figures")).to_have_count(0)
    screenshot(page, "analyst")
