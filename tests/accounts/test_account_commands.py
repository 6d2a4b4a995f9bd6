"""Administering accounts: resetting a second factor, demo codes, roles and passwords."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from tandem.accounts import otp
from tandem.accounts.models import Membership
from tandem.accounts.services import membership_grant, password_set
from tandem.demo.users import LOGINS_FILE
from tandem.privacy.models import AuditEvent
from tests.conftest import PASSWORD, otp_device_for

pytestmark = pytest.mark.django_db


def run(*args, stdin: str | None = None) -> str:
    out = io.StringIO()
    options = {"stdout": out}
    if stdin is not None:
        options["stdin"] = io.StringIO(stdin)
    call_command(*args, **options)
    return out.getvalue()


def test_otp_reset_removes_the_device_audits_and_sends_the_next_sign_in_to_enrolment(
    region, client
):
    client.force_login(region.clinician)
    assert client.get("/").status_code == 200

    output = run("otp_reset", "clinician")

    assert "removed; they set up a new one at their next sign-in" in output
    assert "Enrolment code for clinician: " in output
    assert AuditEvent.objects.filter(action="2fa_code_issued").count() == 1
    assert not TOTPDevice.objects.filter(user=region.clinician).exists()
    event = AuditEvent.objects.get(action="2fa_reset")
    assert event.owning_agency == region.clinic and "clinician" in event.reason
    # The session the old device verified no longer counts as verified.
    assert client.get("/")["Location"].startswith("/accounts/two-factor/")


def test_an_enrolment_code_lets_a_new_account_set_up_its_app(region, client):
    from tests.conftest import PASSWORD

    with pytest.raises(CommandError, match="has a two-factor device already"):
        run("otp_enrolment_code", "clinician")
    TOTPDevice.objects.filter(user=region.clinician).delete()

    output = run("otp_enrolment_code", "clinician")

    code = output.split("Enrolment code for clinician: ")[1].split()[0]
    client.post("/accounts/login/", {"username": "clinician", "password": PASSWORD})
    enrol = "/accounts/two-factor/enrol/"
    assert client.post(enrol, {"enrolment_code": code})["Location"].startswith(enrol)
    assert 'id="secret"' in client.get(enrol).content.decode()


def test_otp_reset_names_an_unknown_account(region):
    with pytest.raises(CommandError, match="No account named 'nobody'"):
        run("otp_reset", "nobody")


@pytest.fixture
def demo_logins(settings, tmp_path):
    settings.VAR_DIR = tmp_path

    def write(*usernames: str) -> None:
        (tmp_path / LOGINS_FILE).write_text(json.dumps({u: "x" for u in usernames}))

    return write


def test_otp_code_prints_a_code_the_demo_login_signs_in_with(region, client, demo_logins):
    demo_logins("clinician")
    TOTPDevice.objects.filter(user=region.clinician).update(key=otp.demo_key("clinician"))

    code = run("otp_code", "clinician").strip()

    client.post("/accounts/login/", {"username": "clinician", "password": PASSWORD})
    assert client.post("/accounts/two-factor/", {"code": code}).status_code == 302
    assert client.get("/").status_code == 200


def test_otp_code_refuses_an_account_that_is_not_a_demo_login(region, demo_logins):
    demo_logins("officer")
    TOTPDevice.objects.filter(user=region.clinician).update(key=otp.demo_key("clinician"))
    with pytest.raises(CommandError, match="not a demo login"):
        run("otp_code", "clinician")


def test_otp_code_refuses_a_device_with_a_key_of_its_own(region, demo_logins):
    """A demo login whose device was replaced (a random key) is a real secret now."""
    demo_logins("clinician")
    otp_device_for(region.clinician)  # random key, as every real enrolment
    with pytest.raises(CommandError, match="no demo two-factor device"):
        run("otp_code", "clinician")


def test_otp_code_refuses_without_the_demo_logins_file(region, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    with pytest.raises(CommandError, match="never for real accounts"):
        run("otp_code", "clinician")


def test_demo_keys_differ_per_login_and_never_change():
    assert otp.demo_key("clinician") != otp.demo_key("supervisor")
    assert otp.demo_key("clinician") == otp.demo_key("clinician")
    assert len(bytes.fromhex(otp.demo_key("clinician"))) == 20


def test_granting_and_revoking_a_role_are_audited(region):
    out = run("membership", "grant", "officer", region.other_pd.code, "supervisor")
    assert "Supervisor at Hillside Pd granted" in out
    granted = AuditEvent.objects.get(action="membership_granted")
    assert granted.owning_agency == region.other_pd and "officer" in granted.reason

    assert "already held" in run(
        "membership", "grant", "officer", region.other_pd.code, "supervisor"
    )
    assert AuditEvent.objects.filter(action="membership_granted").count() == 1

    run("membership", "revoke", "officer", region.other_pd.code, "supervisor")
    revoked = AuditEvent.objects.get(action="membership_revoked")
    assert revoked.object_id == granted.object_id
    assert not Membership.objects.filter(user=region.officer, owning_agency=region.other_pd)


def test_a_role_is_granted_only_by_an_administrator(region):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        membership_grant(
            actor=region.clinician, user=region.officer, agency=region.pd, role="supervisor"
        )
    membership_grant(
        actor=region.sysadmin, user=region.officer, agency=region.pd, role="supervisor"
    )
    assert AuditEvent.objects.get(action="membership_granted").actor == region.sysadmin


def test_an_unknown_agency_is_named_with_the_codes_there_are(region):
    with pytest.raises(CommandError, match="No agency with code 'nowhere'; expected one of: "):
        run("membership", "grant", "officer", "nowhere", "officer")


def test_a_common_password_is_refused_and_the_old_one_kept(region):
    with pytest.raises(CommandError, match="This password is too common"):
        run("set_password", "officer", stdin="password1234\n")
    region.officer.refresh_from_db()
    assert region.officer.check_password(PASSWORD)
    assert not AuditEvent.objects.filter(action="password_set").exists()


def test_the_password_service_gives_every_reason_for_refusing(region):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        password_set(actor=None, user=region.officer, password="officer")
    reasons = " ".join(refused.value.messages)
    assert "too short" in reasons and "too similar to the username" in reasons


def test_a_good_password_is_set_and_audited(region, client):
    out = run("set_password", "officer", stdin="lantern-orchard-quietly-41\n")
    assert "Password of officer set" in out
    assert AuditEvent.objects.get(action="password_set").owning_agency == region.pd
    response = client.post(
        "/accounts/login/", {"username": "officer", "password": "lantern-orchard-quietly-41"}
    )
    assert response.status_code == 302
