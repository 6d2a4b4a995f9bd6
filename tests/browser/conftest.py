"""Browser tests: the system Chromium, driven by Playwright, against pytest-django's live server.

Chromium comes from Debian (`apt-get install chromium`), not from `playwright install`,
so nothing is downloaded at test time. Without it the tests skip, unless
TANDEM_REQUIRE_BROWSER=1 (as .ci/run sets), where a missing browser is a failure.
"""

import os
import re
from base64 import b32decode
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django_otp.oath import totp

from tandem.accounts.models import User
from tandem.accounts.services import enrolment_code_issue
from tests.conftest import PASSWORD, otp_code

# Playwright's sync API runs an asyncio event loop in the test thread, and Django refuses
# ORM calls from a thread with a running loop. The calls here are plain synchronous
# fixture set-up, so tell Django it is safe.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
MISSING = (
    "Chromium not found at /usr/bin/chromium; install Debian's chromium "
    "(apt-get install chromium) or run .ci/run to enable browser tests"
)
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"

# Playwright's full-page screenshot leaves style="" on elements; an htmx swap would then
# copy that attribute (a CSP violation the page itself never causes). Cleared after each.
CLEAR_SCREENSHOT_STYLES = (
    "document.querySelectorAll('[style=\"\"]').forEach(e => e.removeAttribute('style'))"
)

DESKTOP = {"width": 1280, "height": 800}
TABLET = {"width": 768, "height": 1024}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.browser)


def _unavailable(reason: str) -> None:
    if os.environ.get("TANDEM_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (TANDEM_REQUIRE_BROWSER=1)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium():
    if not CHROMIUM.exists():
        _unavailable(MISSING)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright is not installed; pip install -e '.[dev]'")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def viewport() -> dict[str, int]:
    """Override with @pytest.mark.parametrize("viewport", [DESKTOP, TABLET])."""
    return DESKTOP


@pytest.fixture
def browser_page(chromium, live_server, transactional_db, viewport) -> Iterator:
    """A fresh page (own cookies) whose relative URLs resolve against the live server."""
    context = chromium.new_context(base_url=live_server.url, viewport=viewport)
    context.set_default_timeout(10_000)
    page = context.new_page()
    blocked: list[str] = []
    page.on(
        "console",
        lambda message: (
            blocked.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    yield page
    context.close()
    # Anything the policy blocked is a page that does not work as written.
    assert not blocked, f"Content-Security-Policy violations: {blocked}"


def sign_in(page, username: str, password: str = PASSWORD) -> None:
    """Sign in through the forms as a person does: the password, then the second factor
    when it is asked for (a code from the persona's device, or enrolment: an enrolment
    code issued now, then the key shown on the page, as someone typing it into an app
    would)."""
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    if "/accounts/two-factor/enrol/" in page.url and page.locator("#id_enrolment_code").count():
        # No device yet: the one-time code an administrator would have given them.
        user = User.objects.get(username=username)
        page.get_by_label("Enrolment code").fill(enrolment_code_issue(actor=None, user=user))
        page.get_by_role("button", name="Continue").click()
        page.wait_for_load_state()
    if "/accounts/two-factor/enrol/" in page.url:
        key = page.locator("#secret").inner_text().replace(" ", "")
        code = totp(b32decode(key + "=" * (-len(key) % 8)))
        page.get_by_label("Code from the app").fill(f"{code:06d}")
        page.get_by_role("button", name="Confirm and continue").click()
    elif "/accounts/two-factor/" in page.url:
        page.get_by_label("Code from the app").fill(otp_code(username))
        page.get_by_role("button", name="Continue").click()


@pytest.fixture
def screenshot(request: pytest.FixtureRequest) -> Callable:
    """screenshot(page, "name") saves test-artifacts/browser/<test>-<name>.png."""

    def take(page, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{_safe(request.node.name)}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        page.evaluate(CLEAR_SCREENSHOT_STYLES)
        return path

    return take


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call):
    # Keep a picture of the page a failing test was looking at.
    report = yield
    page = getattr(item, "funcargs", {}).get("browser_page")
    if report.when == "call" and report.failed and page is not None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        try:
            page.screenshot(path=str(ARTIFACTS / f"{_safe(item.name)}-failed.png"), full_page=True)
        except Exception as exc:  # a crashed page must not hide the real failure
            report.sections.append(("failure screenshot", repr(exc)))
    return report


def _safe(name: str) -> str:
    return re.sub(r"[^\w.-]+", "_", name).strip("_")
