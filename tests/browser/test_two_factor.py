"""Two-factor sign-in in a real browser: enrolling an app from the QR code, then the code
step, by keyboard, on a tablet and a desktop."""

import re
from base64 import b32decode

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from tandem.accounts.services import enrolment_code_issue
from tests.conftest import PASSWORD, otp_code

from .conftest import DESKTOP, TABLET

pytestmark = pytest.mark.django_db(transaction=True)


def password_step(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


@pytest.mark.parametrize("viewport", [TABLET, DESKTOP], ids=["tablet", "desktop"])
def test_a_clinician_enrols_an_app_from_the_key_and_lands_home(
    browser_page, region, screenshot, viewport, live_server
):
    TOTPDevice.objects.filter(user=region.clinician).delete()
    given = enrolment_code_issue(actor=region.sysadmin, user=region.clinician)
    page = browser_page

    password_step(page, "clinician")

    expect(page).to_have_url(re.compile(r"/accounts/two-factor/enrol/\?next=%2F$"))
    expect(page.get_by_role("heading", name="Enter your enrolment code")).to_be_visible()
    field = page.get_by_label("Enrolment code")
    expect(field).to_be_focused()
    field.fill("WRONG-CODE2")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("That code does not match")
    screenshot(page, f"enrolment-code-{viewport['width']}")
    page.get_by_label("Enrolment code").fill(given)
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/accounts/two-factor/enrol/\?next=%2F$"))
    expect(page.get_by_role("heading", name="Set up two-factor sign-in")).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("^QR code"))).to_be_visible()
    expect(page.locator("nav.usa-nav")).to_have_count(0)
    screenshot(page, f"enrol-{viewport['width']}")

    key = page.locator("#secret").inner_text().replace(" ", "")
    code = f"{totp(b32decode(key + '=' * (-len(key) % 8))):06d}"
    field = page.get_by_label("Code from the app")
    expect(field).to_be_focused()
    field.fill(code)
    page.keyboard.press("Enter")

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("status")).to_contain_text("Two-factor sign-in is set up")
    expect(page.get_by_role("heading", name=re.compile("^Welcome"))).to_be_visible()
    expect(page.locator("nav.usa-nav a[href='/encounters/']")).to_have_count(1)


@pytest.mark.parametrize("viewport", [TABLET, DESKTOP], ids=["tablet", "desktop"])
def test_a_wrong_code_is_explained_and_the_right_one_signs_in(
    browser_page, region, screenshot, viewport, live_server, settings
):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # the wait after a wrong code: tests/accounts
    page = browser_page
    password_step(page, "clinician")
    expect(page.get_by_role("heading", name="Enter your sign-in code")).to_be_visible()
    screenshot(page, f"code-{viewport['width']}")

    good = otp_code("clinician")
    page.get_by_label("Code from the app").fill(f"{(int(good) + 1) % 1_000_000:06d}")
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("alert")).to_contain_text("That code does not match")
    expect(page.locator("#error-summary")).to_be_focused()
    expect(page.get_by_label("Code from the app")).to_have_attribute("aria-invalid", "true")
    screenshot(page, f"code-error-{viewport['width']}")

    page.get_by_label("Code from the app").fill(otp_code("clinician"))
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(f"{live_server.url}/")
