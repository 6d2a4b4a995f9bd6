"""Every API operation, fuzzed from the OpenAPI schema with an officer's stolen token.

schemathesis reads the schema the app serves (/api/schema) and, for each operation,
sends the schema's examples, boundary and invalid values (its coverage phase) and a few
random requests, with canaries planted in every clinical and Part 2 field. The path
ids are the canary rows themselves, so each request aims at real health data.

Two police tokens are tried: one of an officer of another agency (a stolen low-privilege
token: it should reach almost nothing) and one of the officer on the team sent to the
call (reaching deeper into each endpoint). Neither may ever receive a canary, and no
request may end in a server error: bad input gets a 400 naming the field.
"""

from datetime import timedelta

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, settings

from tandem.accounts.tokens import api_token_create
from tandem.wsgi import application
from tests.privacy.test_canary import CANARY, canary_region, sample_ids  # noqa: F401

schema = schemathesis.openapi.from_wsgi("/api/schema", application)


def officer_key(user) -> str:
    return api_token_create(
        actor=user,
        membership_id=user.primary_membership.pk,
        name="stolen",
        expires_at=timezone.now() + timedelta(days=1),
        two_factor_verified=False,
    ).key


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """Requests go straight to the WSGI application, whose request signals close a
    connection found inside a transaction: the test's own, on PostgreSQL. Django's test
    client unhooks them in the same way for each request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(params=["other_officer", "officer"])
def police_token(request, canary_region):  # noqa: F811
    return officer_key(getattr(canary_region, request.param))


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=8,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_request_errors_or_leaks_health_data(case, canary_region, police_token):  # noqa: F811
    ids = sample_ids(canary_region)
    case.path_parameters = {name: ids[name] for name in case.path_parameters or {}}
    response = case.call(headers={"Authorization": f"Bearer {police_token}"})
    where = f"{case.method} {case.formatted_path}"
    assert response.status_code < 500, f"{where}: {response.status_code}"
    assert response.status_code != 401, f"{where}: the token was refused"
    assert CANARY not in response.text, f"{where} returned clinical/part2 data"


@pytest.mark.django_db
def test_an_offset_beyond_any_database_integer_is_a_400_naming_the_field(canary_region):  # noqa: F811
    """Found by the fuzzer: 2**63 overflowed SQLite's integer and answered 500."""
    key = officer_key(canary_region.officer)
    response = Client().get(
        "/api/encounters?offset=9223372036854775808", HTTP_AUTHORIZATION=f"Bearer {key}"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["path"] == "$.offset"
