"""Two-factor sign-in: the code step, enrolment, the throttle and who must use it.

These tests sign in through the forms (`client.post` to the login page), never with
`force_login`, whose sessions tests/conftest.py marks as past the second factor.
"""

from base64 import b32decode
from binascii import hexlify

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tandem.accounts.models import SignInPolicy
from tandem.accounts.roles import TWO_FACTOR_ROLES, Role
from tandem.accounts.services import enrolment_code_issue
from tandem.privacy.models import AuditEvent
from tests.conftest import PASSWORD, otp_code, otp_device_for

pytestmark = pytest.mark.django_db

STEP = "/accounts/two-factor/"
ENROL = "/accounts/two-factor/enrol/"


def password_only(client, username: str):
    return client.post("/accounts/login/", {"username": username, "password": PASSWORD})


def test_the_roles_that_need_a_second_factor_are_the_privileged_ones():
    privileged = {
        Role.CLINICIAN,
        Role.SUPERVISOR,
        Role.REGIONAL_ADMIN,
        Role.PRIVACY_OFFICER,
        Role.SYSTEM_ADMIN,
    }
    assert privileged == TWO_FACTOR_ROLES


def test_a_clinician_with_only_a_password_reaches_nothing_but_the_code_step(region, client):
    password_only(client, "clinician")

    for path in ["/", "/encounters/", f"/people/{region.person.pk}/", "/followups/"]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(STEP), path
    assert client.get(f"/api/encounters/{region.encounter.pk}").status_code == 401
    htmx = client.get("/calls/board/", HTTP_HX_REQUEST="true")
    assert htmx.status_code == 401 and htmx["HX-Redirect"] == STEP
    step = client.get(STEP)
    assert step.status_code == 200
    page = step.content.decode()
    assert "Enter your sign-in code" in page
    assert 'href="/encounters/"' not in page  # no navigation before the code


def test_the_right_code_completes_sign_in_and_goes_where_the_person_was_going(region, client):
    password_only(client, "clinician")
    held = client.get("/encounters/")["Location"]
    assert held == f"{STEP}?next=%2Fencounters%2F"
    key_before = client.session.session_key

    response = client.post(STEP, {"code": otp_code(region.clinician), "next": "/encounters/"})

    assert response.status_code == 302 and response["Location"] == "/encounters/"
    assert client.get("/encounters/").status_code == 200
    assert client.session.session_key != key_before
    assert AuditEvent.objects.filter(action="2fa_verified", actor=region.clinician).exists()


def test_a_wrong_code_is_refused_audited_and_the_next_try_must_wait(region, client, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 600  # a long wait, so the test does not race it
    password_only(client, "clinician")
    good = otp_code(region.clinician)
    wrong = f"{(int(good) + 1) % 1_000_000:06d}"

    refused = client.post(STEP, {"code": wrong})
    assert refused.status_code == 400
    assert "That code does not match" in refused.content.decode()
    event = AuditEvent.objects.get(action="2fa_failed")
    assert event.actor == region.clinician and wrong not in event.reason

    throttled = client.post(STEP, {"code": good})
    assert throttled.status_code == 400
    assert "Too many wrong codes in a row. Wait" in throttled.content.decode()
    assert client.get("/").status_code == 302
    assert AuditEvent.objects.filter(action="2fa_failed").count() == 2


def test_the_throttle_outlives_a_new_password_sign_in(region, client, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 600
    password_only(client, "clinician")
    client.post(STEP, {"code": "000000" if otp_code(region.clinician) != "000000" else "111111"})
    client.post("/accounts/logout/")

    password_only(client, "clinician")
    again = client.post(STEP, {"code": otp_code(region.clinician)})

    assert "Too many wrong codes" in again.content.decode()


def test_a_code_that_is_not_six_digits_is_explained_and_not_counted_as_a_try(region, client):
    password_only(client, "clinician")

    response = client.post(STEP, {"code": "12ab"})

    assert response.status_code == 400
    assert "Enter the 6 digits your authenticator app shows" in response.content.decode()
    assert otp_device_for(region.clinician).throttling_failure_count == 0


def test_a_code_signs_in_once(region, client):
    code = otp_code(region.clinician)
    password_only(client, "clinician")
    assert client.post(STEP, {"code": code}).status_code == 302
    client.post("/accounts/logout/")

    password_only(client, "clinician")
    replayed = client.post(STEP, {"code": code})
    assert replayed.status_code == 400 and "does not match" in replayed.content.decode()
    assert otp_code(region.clinician) != code  # the helper offers the next step's code


def test_next_never_leads_off_the_site(region, client):
    password_only(client, "clinician")
    response = client.post(
        STEP, {"code": otp_code(region.clinician), "next": "https://elsewhere.example/"}
    )
    assert response["Location"] == "/"


def test_a_clinician_without_a_device_enrols_one_from_the_qr_code_or_the_key(region, client):
    TOTPDevice.objects.filter(user=region.clinician).delete()
    given = enrolment_code_issue(actor=region.sysadmin, user=region.clinician)
    password_only(client, "clinician")

    assert client.get("/")["Location"].startswith(STEP)
    assert client.get(STEP)["Location"].startswith(ENROL)
    assert "Enter your enrolment code" in client.get(ENROL).content.decode()
    typed = given.lower().replace("-", " ")  # as someone might type it
    assert client.post(ENROL, {"enrolment_code": typed})["Location"].startswith(ENROL)
    page = client.get(ENROL)
    html = page.content.decode()
    assert page.status_code == 200
    assert '<svg role="img" viewBox=' in html and "<title>QR code" in html
    assert "<script" not in html.split("<main", 1)[1].split("</main>")[0]
    assert " style=" not in html
    device = TOTPDevice.objects.get(user=region.clinician, confirmed=False)
    typed = _key_on_page(html)
    assert hexlify(b32decode(typed + "=" * (-len(typed) % 8))).decode() == device.key
    assert _key_on_page(client.get(ENROL).content.decode()) == typed  # same key on reload

    code = f"{totp(device.bin_key):06d}"
    response = client.post(ENROL, {"code": code})

    assert response.status_code == 302 and response["Location"] == "/"
    device.refresh_from_db()
    assert device.confirmed
    home = client.get("/")
    assert home.status_code == 200
    assert "Two-factor sign-in is set up" in home.content.decode()
    assert AuditEvent.objects.filter(action="2fa_enrolled", actor=region.clinician).exists()


def test_a_stolen_password_alone_cannot_enrol_a_phone(region, client):
    TOTPDevice.objects.filter(user=region.clinician).delete()
    given = enrolment_code_issue(actor=region.sysadmin, user=region.clinician)
    password_only(client, "clinician")

    page = client.get(ENROL)
    html = page.content.decode()
    assert page.status_code == 200 and "Enter your enrolment code" in html
    assert 'id="secret"' not in html and "<svg" not in html
    assert client.post(ENROL, {"code": "123456"}).status_code == 200  # no app step yet
    assert not TOTPDevice.objects.filter(user=region.clinician).exists()
    for tries_left in (4, 3, 2, 1):
        wrong = client.post(ENROL, {"enrolment_code": "ABCDE-FGHJK"})
        assert wrong.status_code == 400
        assert f"{tries_left} tr" in wrong.content.decode()
    last = client.post(ENROL, {"enrolment_code": "ABCDE-FGHJK"}).content.decode()
    assert "no longer works after 5 wrong tries" in last
    # The right code no longer works either: the administrator gives a new one.
    refused = client.post(ENROL, {"enrolment_code": given})
    assert refused.status_code == 400 and "Ask your administrator" in refused.content.decode()
    assert not TOTPDevice.objects.filter(user=region.clinician).exists()
    events = AuditEvent.objects.filter(action="2fa_code_refused", actor=region.clinician)
    assert events.count() == 6
    assert "ABCDE" not in " ".join(events.values_list("reason", flat=True))


def test_an_enrolment_code_works_once_and_not_after_it_expires(region, client, settings):
    from datetime import timedelta

    from django.utils import timezone

    from tandem.accounts.models import EnrolmentCode

    TOTPDevice.objects.filter(user=region.clinician).delete()
    given = enrolment_code_issue(actor=region.sysadmin, user=region.clinician)
    stored = EnrolmentCode.objects.get(user=region.clinician)
    assert given.replace("-", "") not in stored.code_hash  # only a hash is kept
    EnrolmentCode.objects.filter(pk=stored.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    password_only(client, "clinician")
    assert client.post(ENROL, {"enrolment_code": given}).status_code == 400

    given = enrolment_code_issue(actor=region.sysadmin, user=region.clinician)
    assert client.post(ENROL, {"enrolment_code": given}).status_code == 302
    client.post("/accounts/logout/")
    password_only(client, "clinician")
    assert client.post(ENROL, {"enrolment_code": given}).status_code == 400  # used up
    assert client.post(ENROL, {"enrolment_code": ""}).status_code == 400
    assert AuditEvent.objects.filter(action="2fa_code_used", actor=region.clinician).count() == 1


def _key_on_page(html: str) -> str:
    start = html.index('<code class="tandem-secret" id="secret">') + len(
        '<code class="tandem-secret" id="secret">'
    )
    return html[start : html.index("</code>", start)].replace(" ", "")


def test_a_person_with_a_device_cannot_enrol_another(region, client):
    password_only(client, "clinician")
    assert client.get(ENROL)["Location"].startswith(STEP)
    client.post(STEP, {"code": otp_code(region.clinician)})
    assert client.get(ENROL)["Location"].startswith(STEP)
    assert client.get(STEP)["Location"] == "/"
    assert TOTPDevice.objects.filter(user=region.clinician).count() == 1


def test_an_officer_signs_in_with_a_password_and_may_choose_a_second_factor(region, client):
    assert password_only(client, "officer").status_code == 302
    home = client.get("/")
    assert home.status_code == 200
    assert "Set up two-factor sign-in" in home.content.decode()

    client.get(ENROL)
    device = TOTPDevice.objects.get(user=region.officer)
    client.post(ENROL, {"code": f"{totp(device.bin_key):06d}"})
    client.post("/accounts/logout/")

    password_only(client, "officer")
    assert client.get("/")["Location"].startswith(STEP)  # enrolled once, asked always
    client.post(STEP, {"code": otp_code(region.officer)})
    assert "Set up two-factor sign-in" not in client.get("/").content.decode()


def test_the_program_can_require_a_second_factor_of_every_role(region, client):
    SignInPolicy.objects.create(owning_agency=region.admin, two_factor_for_all=True)

    password_only(client, "officer")

    assert client.get("/")["Location"].startswith(STEP)
    assert client.get(STEP)["Location"].startswith(ENROL)
    assert "everyone" in client.get(ENROL).content.decode()


def test_another_programs_policy_does_not_apply(region, client):
    from tandem.agencies.models import Agency, AgencyKind

    elsewhere = Agency.objects.create(
        code="elsewhere", name="Elsewhere", kind=AgencyKind.REGIONAL_ADMIN
    )
    SignInPolicy.objects.create(owning_agency=elsewhere, two_factor_for_all=True)
    password_only(client, "officer")
    assert client.get("/").status_code == 200


def test_signing_out_and_the_login_page_stay_open_before_the_code(region, client):
    password_only(client, "clinician")
    assert client.get("/accounts/login/")["Location"] == "/"  # then held at the step
    client.post("/accounts/logout/")
    assert "_auth_user_id" not in client.session


def test_a_force_login_session_is_verified_only_because_tests_say_so(region, client):
    """The test shortcut puts a real device of the persona in the session: the same
    check the code step satisfies, nothing bypassed in the application."""
    client.force_login(region.clinician)
    assert client.session["otp_device_id"] == otp_device_for(region.clinician).persistent_id
    assert client.get("/").status_code == 200


def test_the_program_file_sets_who_needs_a_second_factor_and_reports_a_typo(db):
    from tandem.agencies.program import ProgramInvalid
    from tandem.agencies.services import program_load
    from tandem.demo.management.commands.demo import REGION

    text = REGION.read_text()
    assert "two_factor:\n  required_for_all: false\n" in text
    program_load(text=text.replace("required_for_all: false", "required_for_all: true"))
    assert SignInPolicy.objects.get().two_factor_for_all is True

    summary = program_load(text=text)
    assert "  sign-in policy: 1 (0 created, 1 updated, 0 unchanged)" in summary.lines()
    assert SignInPolicy.objects.get().two_factor_for_all is False

    with pytest.raises(ProgramInvalid) as bad:
        program_load(text=text.replace("required_for_all: false", "required_for_everyone: yes"))
    assert any("two_factor.required_for_everyone" in line for line in bad.value.lines())
