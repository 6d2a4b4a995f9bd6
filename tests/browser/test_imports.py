"""A program manager uploads a CAD export, watches it run and reads the report."""

import re
import shutil
import threading
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tandem.imports import services

from .conftest import DESKTOP, TABLET, sign_in

pytestmark = pytest.mark.django_db(transaction=True)
SAMPLES = Path(__file__).parents[1] / "imports" / "samples"


@pytest.fixture
def program_profile(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    (tmp_path / "import-profiles").mkdir()
    shutil.copy(SAMPLES / "lakeview-cad.yaml", tmp_path / "import-profiles")


@pytest.fixture
def held_launch(monkeypatch):
    """The import starts in its thread only once the test has seen the progress page."""
    release = threading.Event()
    launch = services.launch

    def held(run_id, path):
        def wait_then_run():
            release.wait(timeout=30)
            launch(run_id, path)

        threading.Thread(target=wait_then_run, daemon=True).start()

    monkeypatch.setattr(services, "launch", held)
    return release


@pytest.mark.parametrize("viewport", [DESKTOP, TABLET])
def test_an_upload_shows_progress_then_the_report(
    browser_page, region, program_profile, held_launch, screenshot, viewport
):
    page = browser_page
    sign_in(page, "regional")
    page.goto("/imports/")
    page.get_by_label("Export file").set_input_files(str(SAMPLES / "cad_messy.csv"))
    page.get_by_label("Profile").select_option("lakeview-cad")
    screenshot(page, f"upload-{viewport['width']}")
    page.get_by_role("button", name="Upload and check").click()

    expect(page).to_have_url(re.compile(r"/imports/\d+/$"))
    expect(page.get_by_role("heading", name="Progress")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Waiting to start")
    screenshot(page, f"progress-{viewport['width']}")
    held_launch.set()

    expect(page.get_by_role("heading", name="Imported 16 of 22 rows")).to_be_visible(timeout=30_000)
    expect(page.get_by_role("img", name=re.compile("Rows per month"))).to_be_visible()
    rejected = page.get_by_role("table", name=re.compile("Rejected rows"))
    expect(rejected.get_by_role("row")).to_have_count(7)  # header + 6 rejected rows
    expect(rejected).to_contain_text("same incident number as row 2")
    screenshot(page, f"report-{viewport['width']}")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"]  # nothing forces sideways scrolling of the page
