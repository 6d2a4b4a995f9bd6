"""The demo stays usable with two-factor sign-in: its privileged logins come enrolled."""

import io

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from tandem.accounts import otp
from tandem.accounts.models import User
from tandem.accounts.roles import TWO_FACTOR_ROLES
from tandem.agencies.services import program_load
from tandem.demo.management.commands.demo import REGION, Command
from tandem.demo.users import demo_users_ensure
from tandem.privacy.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def logins(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    program_load(path=REGION)
    return demo_users_ensure()


def test_every_demo_login_whose_role_needs_it_has_a_device_with_its_derived_key(logins):
    needing = {u.username for u in User.objects.filter(memberships__role__in=TWO_FACTOR_ROLES)}
    assert needing == {"clinician", "supervisor", "sergeant", "regional", "privacy", "sysadmin"}
    for login in logins:
        device = TOTPDevice.objects.filter(user__username=login["username"], confirmed=True)
        assert login["two_factor"] == (login["username"] in needing)
        assert device.exists() == login["two_factor"]
        if login["two_factor"]:
            assert device.get().key == otp.demo_key(login["username"])


def test_a_second_run_changes_no_device_and_grants_no_role_again(logins):
    events = AuditEvent.objects.filter(action__in=["membership_granted", "2fa_enrolled"])
    before = events.count()
    assert before == len(logins) + 6
    keys = dict(TOTPDevice.objects.values_list("user__username", "key"))

    demo_users_ensure()

    assert events.count() == before
    assert dict(TOTPDevice.objects.values_list("user__username", "key")) == keys


def test_the_demo_prints_which_logins_ask_for_a_code_and_how_to_get_it(logins, client):
    out = io.StringIO()
    Command(stdout=out).print_logins(logins, "127.0.0.1:8000")
    text = out.getvalue()
    line = next(row for row in text.splitlines() if row.strip().startswith("clinician"))
    assert " * Clinician" in line
    officer = next(row for row in text.splitlines() if row.strip().startswith("officer "))
    assert "*" not in officer
    assert ".venv/bin/tandem otp-code USERNAME" in text

    password = next(login["password"] for login in logins if login["username"] == "clinician")
    client.post("/accounts/login/", {"username": "clinician", "password": password})
    device = TOTPDevice.objects.get(user__username="clinician")
    assert client.post("/accounts/two-factor/", {"code": otp.code_for(device)}).status_code == 302
    assert client.get("/").status_code == 200
