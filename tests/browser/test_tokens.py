"""The API tokens page in a browser: make a token, copy its key once, revoke it."""

import pytest
from django.test import Client

from tests.browser.conftest import DESKTOP, TABLET, sign_in


@pytest.mark.parametrize("viewport", [DESKTOP, TABLET], ids=["desktop", "tablet"])
def test_a_navigator_makes_a_token_uses_it_and_revokes_it(
    browser_page, region, screenshot, viewport
):
    page = browser_page
    sign_in(page, "navigator")
    menu = page.get_by_role("button", name="Menu")
    if menu.is_visible():  # a tablet folds the navigation into a menu
        menu.click()
    page.get_by_role("link", name="API tokens").click()
    page.get_by_label("Name").fill("Referral sync")
    screenshot(page, "form")
    page.get_by_role("button", name="Create token").click()
    key = page.get_by_label("Key for Referral sync").input_value()
    assert key.startswith("tdm_")
    screenshot(page, "created")
    api = Client().get("/api/referrals", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert api.status_code == 200

    page.get_by_role("button", name="Revoke Referral sync").click()
    assert page.get_by_text("revoked; it no longer works").is_visible()
    screenshot(page, "revoked")
    api = Client().get("/api/referrals", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert api.status_code == 401
    page.goto("/accounts/tokens/")
    assert key not in page.content()


def test_a_refused_token_form_names_each_problem(browser_page, region, screenshot):
    page = browser_page
    sign_in(page, "navigator")
    page.goto("/accounts/tokens/")
    page.get_by_label("Works until the end of").fill("")
    page.get_by_role("button", name="Create token").click()
    summary = page.get_by_role("alert")
    assert "Name the token" in summary.inner_text()
    assert "Give an expiry date" in summary.inner_text()
    assert page.get_by_label("Name").get_attribute("aria-invalid") == "true"
    screenshot(page, "errors")
