"""Signing in, the home page of each role, and how passwords are kept."""

import pytest
from django.contrib.auth.hashers import identify_hasher
from django.utils.html import escape

from tandem.accounts.roles import ROLE_PURPOSE
from tandem.privacy.models import AuditEvent
from tests.conftest import PASSWORD, sign_in

pytestmark = pytest.mark.django_db

PERSONAS = [
    "officer",
    "dispatcher",
    "clinician",
    "navigator",
    "police_supervisor",
    "analyst",
    "regional_admin",
    "privacy_officer",
    "sysadmin",
]


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_role_lands_on_a_home_page_that_says_what_it_does_here(region, client, persona):
    user = getattr(region, persona)
    assert sign_in(client, user.username).status_code == 302
    page = client.get("/").content.decode()
    membership = user.primary_membership
    assert membership.get_role_display() in page
    assert escape(ROLE_PURPOSE[membership.role]) in page
    assert membership.owning_agency.name in page


def test_the_home_page_needs_a_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_passwords_are_hashed_with_argon2(region):
    assert identify_hasher(region.officer.password).algorithm == "argon2"


def test_a_wrong_password_is_refused_and_audited(region, client):
    response = client.post("/accounts/login/", {"username": "officer", "password": "nope"})
    assert response.status_code == 200
    assert "correct username and password" in response.content.decode()
    event = AuditEvent.objects.get(action="login_failed")
    assert event.owning_agency == region.pd
    assert "nope" not in event.reason


def test_a_login_is_audited(region, client):
    client.post("/accounts/login/", {"username": "clinician", "password": PASSWORD})
    assert AuditEvent.objects.filter(action="login", actor=region.clinician).exists()


def test_logout_takes_a_post_and_ends_the_session(region, client):
    client.force_login(region.officer)
    client.post("/accounts/logout/")
    assert client.get("/").status_code == 302


def test_navigation_fits_the_role(region, client):
    client.force_login(region.analyst)
    page = client.get("/").content.decode()
    assert 'href="/calls/"' not in page
    client.force_login(region.dispatcher)
    assert 'href="/calls/"' in client.get("/").content.decode()


def test_every_navigation_link_opens_for_every_role(region, client):
    """No role is offered a page that turns it away (a police supervisor shares the
    supervisor role with clinical supervisors, but not their clinical pages)."""
    from tandem.accounts.context import navigation

    for persona in PERSONAS + ["navigator", "police_supervisor"]:
        user = getattr(region, persona)
        client.force_login(user)
        request = client.get("/").wsgi_request
        for item in navigation(request)["nav_items"]:
            assert client.get(item["url"]).status_code == 200, (persona, item["url"])
    client.force_login(region.police_supervisor)
    page = client.get("/").content.decode()
    assert 'href="/referrals/"' not in page and 'href="/plans/"' not in page


def test_repeated_failures_lock_the_account_on_that_device_and_are_audited(region, client):
    for _ in range(5):
        client.post("/accounts/login/", {"username": "clinician", "password": "wrong"})
    locked = client.post("/accounts/login/", {"username": "clinician", "password": PASSWORD})

    assert locked.status_code == 429
    assert "Sign-in paused for this account" in locked.content.decode()
    assert "15 minutes" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="login_locked").exists()
    # Another device (address) is not locked out by someone else's mistakes.
    other = client.__class__(REMOTE_ADDR="10.0.0.9")
    assert (
        other.post("/accounts/login/", {"username": "clinician", "password": PASSWORD}).status_code
        == 302
    )


def test_a_session_idle_past_the_limit_is_signed_out_but_a_board_refresh_is_not_use(
    region, client, settings
):
    import time

    from tandem.accounts.middleware import LAST_SEEN

    client.force_login(region.dispatcher)
    assert client.get("/").status_code == 200
    session = client.session
    session[LAST_SEEN] = time.time() - (settings.IDLE_TIMEOUT_MINUTES * 60 - 30)
    session.save()
    # A poll does not refresh the last-seen time...
    assert (
        client.get("/calls/board/", HTTP_X_TANDEM_POLL="1", HTTP_HX_REQUEST="true").status_code
        == 200
    )
    assert client.session[LAST_SEEN] == session[LAST_SEEN]
    session = client.session
    session[LAST_SEEN] = time.time() - (settings.IDLE_TIMEOUT_MINUTES * 60 + 1)
    session.save()
    # ...so once the limit passes, the next request signs the dispatcher out.
    response = client.get("/calls/board/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert "_auth_user_id" not in client.session
    follow = client.get(response["Location"]).content.decode()
    assert f"signed out after {settings.IDLE_TIMEOUT_MINUTES} minutes" in follow
