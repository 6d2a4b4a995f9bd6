"""API tokens: one agency and one role, shown once, expiring, revocable, audited."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tandem.accounts.models import ApiToken, Membership
from tandem.accounts.roles import Role
from tandem.accounts.tokens import api_token_create, api_token_revoke
from tandem.privacy.models import AuditEvent

pytestmark = pytest.mark.django_db


def new_key(user, membership=None, *, days=30) -> str:
    return api_token_create(
        actor=user,
        membership_id=(membership or user.primary_membership).pk,
        name="Nightly export",
        expires_at=timezone.now() + timedelta(days=days),
        two_factor_verified=True,
    ).key


def bearer(key: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


@pytest.fixture
def officer_and_clinician(region):
    """The officer also holds a clinician's role at the clinic (a dual-role employee)."""
    user = region.officer
    clinical = Membership.objects.create(
        user=user, owning_agency=region.clinic, role=Role.CLINICIAN
    )
    user.__dict__.pop("_memberships", None)
    return user, user.primary_membership, clinical


def test_the_key_is_returned_once_and_only_its_hash_is_stored(region):
    key = new_key(region.clinician)
    token = ApiToken.objects.get()
    secret = key.split("_", 2)[2]
    assert key.startswith(f"tdm_{token.key_id}_")
    assert len(token.key_hash) == 64 and secret not in token.key_hash
    assert secret not in str(ApiToken.objects.values().get())


def test_a_token_reads_the_api_as_its_membership(region, client):
    key = new_key(region.clinician)
    response = client.get(f"/api/encounters/{region.encounter.pk}", **bearer(key))
    assert response.status_code == 200
    assert response.json()["clinical_notes"] == "Calm after talking."


def test_an_officer_token_of_a_dual_role_user_never_reads_clinical_data(
    region, client, officer_and_clinician
):
    user, officer, clinical = officer_and_clinician
    as_officer = client.get(
        f"/api/encounters/{region.encounter.pk}", **bearer(new_key(user, officer))
    ).json()
    as_clinician = client.get(
        f"/api/encounters/{region.encounter.pk}", **bearer(new_key(user, clinical))
    ).json()
    assert "clinical_notes" not in as_officer
    assert as_officer["police_narrative"] == "Officer stood by."
    assert as_clinician["clinical_notes"] == "Calm after talking."
    assert "police_narrative" not in as_clinician


def test_a_clinical_read_through_a_token_is_audited_under_the_tokens_role(
    region, client, officer_and_clinician
):
    user, _, clinical = officer_and_clinician
    client.get(f"/api/encounters/{region.encounter.pk}", **bearer(new_key(user, clinical)))
    event = AuditEvent.objects.get(action="read")
    assert (event.actor, event.actor_role, event.owning_agency) == (
        user,
        Role.CLINICIAN,
        region.clinic,
    )


def test_an_expired_token_is_refused_with_401_and_says_so(region, client):
    key = new_key(region.clinician)
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    response = client.get("/api/encounters", **bearer(key))
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_token_stops_working_at_once(region, client):
    key = new_key(region.clinician)
    assert client.get("/api/encounters", **bearer(key)).status_code == 200
    api_token_revoke(actor=region.clinician, token_id=ApiToken.objects.get().pk)
    response = client.get("/api/encounters", **bearer(key))
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]


@pytest.mark.parametrize(
    "header, message",
    [
        ("Bearer tdm_0123456789ab_wrong-secret", "Unknown API token"),
        ("Bearer abc", "Not a Tandem API token"),
        ("Bearer tdm_ x", "Malformed Authorization header"),
        ("Bearer tdm_onlyid", "Not a Tandem API token"),
    ],
)
def test_a_bad_token_is_refused_with_a_clear_401(region, client, header, message):
    new_key(region.clinician)
    response = client.get("/api/encounters", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert message in response.json()["detail"]


def test_a_token_with_the_right_id_and_a_wrong_secret_is_refused(region, client):
    key = new_key(region.clinician)
    response = client.get("/api/encounters", **bearer(key[:-4] + "AAAA"))
    assert response.status_code == 401


def test_an_api_request_without_credentials_is_asked_for_a_token(region, client):
    response = client.get("/api/encounters")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_a_token_does_not_open_the_pages(region, client):
    response = client.get("/encounters/", **bearer(new_key(region.clinician)))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_use_is_recorded_on_the_token(region, client):
    key = new_key(region.clinician)
    client.get("/api/encounters", **bearer(key))
    assert ApiToken.objects.get().last_used_at is not None


@pytest.mark.parametrize(
    "days, field",
    [(400, "expires_at"), (-1, "expires_at")],
)
def test_expiry_must_be_in_the_future_and_within_a_year(region, days, field):
    with pytest.raises(ValidationError) as exc:
        new_key(region.clinician, days=days)
    assert field in exc.value.message_dict
    assert not ApiToken.objects.exists()


def test_no_one_makes_a_token_for_someone_elses_membership(region):
    with pytest.raises(ValidationError) as exc:
        new_key(region.officer, region.clinician.primary_membership)
    assert "membership" in exc.value.message_dict


def test_a_token_for_a_two_factor_role_needs_a_session_that_passed_the_second_factor(region):
    with pytest.raises(ValidationError) as exc:
        api_token_create(
            actor=region.clinician,
            membership_id=region.clinician.primary_membership.pk,
            name="x",
            expires_at=timezone.now() + timedelta(days=30),
            two_factor_verified=False,
        )
    assert "second factor" in exc.value.message_dict["membership"][0]


def test_an_officer_without_a_second_factor_may_make_a_token(region):
    made = api_token_create(
        actor=region.officer,
        membership_id=region.officer.primary_membership.pk,
        name="x",
        expires_at=timezone.now() + timedelta(days=30),
        two_factor_verified=False,
    )
    assert made.token.membership.role == Role.OFFICER


def test_anyone_who_enrolled_a_second_factor_needs_it_to_make_a_token(region):
    from tests.conftest import otp_device_for

    otp_device_for(region.officer)
    with pytest.raises(ValidationError):
        api_token_create(
            actor=region.officer,
            membership_id=region.officer.primary_membership.pk,
            name="x",
            expires_at=timezone.now() + timedelta(days=30),
            two_factor_verified=False,
        )


def test_creating_and_revoking_are_audited_without_the_secret(region):
    key = new_key(region.clinician)
    api_token_revoke(actor=region.clinician, token_id=ApiToken.objects.get().pk)
    events = list(AuditEvent.objects.filter(action__startswith="api_token").order_by("seq"))
    assert [e.action for e in events] == ["api_token_create", "api_token_revoke"]
    assert all(e.owning_agency == region.clinic for e in events)
    assert all(key.split("_", 2)[2] not in e.reason for e in events)


# The page


def test_the_page_creates_a_token_and_shows_its_key_once(region, client):
    client.force_login(region.clinician)
    response = client.post(
        "/accounts/tokens/",
        {
            "membership": region.clinician.primary_membership.pk,
            "name": "Referral sync",
            "expires_at": (timezone.localdate() + timedelta(days=30)).isoformat(),
        },
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    token = ApiToken.objects.get()
    key = response.context["new"].key
    assert key in response.content.decode()
    assert client.get("/api/encounters", **bearer(key)).status_code == 200
    listing = client.get("/accounts/tokens/").content.decode()
    assert "Referral sync" in listing and token.key_id in listing
    assert key not in listing


def test_the_page_names_each_problem_with_the_form(region, client):
    client.force_login(region.clinician)
    response = client.post(
        "/accounts/tokens/", {"membership": "x", "name": " ", "expires_at": "31/12/2030"}
    )
    assert response.status_code == 400
    assert set(response.context["errors"]) == {"membership", "name", "expires_at"}
    assert not ApiToken.objects.exists()


def test_the_page_revokes_a_token(region, client):
    new_key(region.clinician)
    client.force_login(region.clinician)
    token = ApiToken.objects.get()
    response = client.post(f"/accounts/tokens/{token.pk}/revoke", follow=True)
    assert "revoked" in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_no_one_sees_or_revokes_anothers_tokens(region, client):
    new_key(region.clinician)
    token = ApiToken.objects.get()
    client.force_login(region.navigator)
    assert "Nightly export" not in client.get("/accounts/tokens/").content.decode()
    assert client.post(f"/accounts/tokens/{token.pk}/revoke").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_the_page_needs_a_login(client):
    assert client.get("/accounts/tokens/")["Location"].startswith("/accounts/login/")
