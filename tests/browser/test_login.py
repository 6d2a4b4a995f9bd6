"""Signing in and out in a real browser, with the keyboard as well as the pointer."""

import re

import pytest
from playwright.sync_api import expect

from tandem.accounts.models import Membership, User
from tandem.agencies.models import Agency
from tests.conftest import PASSWORD

from .conftest import DESKTOP, TABLET, sign_in

AGENCY_NAME = "Lakeview Police Department"


@pytest.fixture
def officer(transactional_db) -> User:
    agency = Agency.objects.create(code="lakeview-pd", name=AGENCY_NAME, kind="police")
    user = User.objects.create_user(
        username="jalvarez", password=PASSWORD, first_name="Jordan", last_name="Alvarez"
    )
    Membership.objects.create(user=user, owning_agency=agency, role="officer")
    return user


def record_failures(page) -> list[str]:
    """Every failed request and console error on the page, as they happen."""
    failures: list[str] = []
    page.on(
        "response", lambda r: failures.append(f"{r.status} {r.url}") if r.status >= 400 else None
    )
    page.on(
        "console", lambda m: failures.append(f"console: {m.text}") if m.type == "error" else None
    )
    return failures


@pytest.mark.parametrize("viewport", [DESKTOP, TABLET], ids=["desktop", "tablet"])
def test_officer_signs_in_sees_their_role_and_signs_out(
    browser_page, officer, live_server, screenshot
):
    page = browser_page
    failures = record_failures(page)

    sign_in(page, "jalvarez", PASSWORD)

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", name=re.compile(r"\bOfficer\b"))).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text(AGENCY_NAME)
    sign_out = page.get_by_role("button", name="Sign out")
    expect(sign_out).to_be_visible()
    screenshot(page, "home")

    sign_out.click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    assert failures == [], "requests failed or the console logged errors"


def test_wrong_password_shows_an_error_and_stays_on_sign_in(browser_page, officer, screenshot):
    page = browser_page

    sign_in(page, "jalvarez", "not-the-password")

    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    expect(page.locator("#error-summary")).to_be_focused()
    expect(page.get_by_label("Password", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    screenshot(page, "error")


@pytest.mark.parametrize("viewport", [DESKTOP, TABLET], ids=["desktop", "tablet"])
def test_first_tab_reaches_the_skip_link_and_enter_moves_focus_to_main(browser_page):
    page = browser_page
    page.goto("/accounts/login/")

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()

    page.keyboard.press("Enter")
    expect(page.locator("main#main-content")).to_be_focused()


def test_signed_in_pages_carry_no_inline_script_style_or_handler(browser_page, officer):
    # The Content-Security-Policy will have no 'unsafe-inline': the served HTML must not
    # need it. (USWDS and htmx set styles through the DOM later, which CSP allows.)
    page = browser_page
    for path in ["/accounts/login/", "/"]:
        if path == "/":
            sign_in(page, "jalvarez", PASSWORD)
            expect(page).to_have_url(re.compile(r"/$"))
        html = page.goto(path).text()
        assert not re.search(r"<script(?![^>]*\ssrc=)[^>]*>", html), path
        assert not re.search(r"<style[\s>]", html), path
        assert not re.search(r"\sstyle=", html), path
        assert not re.search(r"\son[a-z]+=", html), path
