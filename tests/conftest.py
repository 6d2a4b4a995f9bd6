"""Shared fixtures: a small region and one persona per role.

The region: police department `pd` serving `city`, behavioral-health provider `clinic`,
a second police department `other_pd`, a 911 center and a regional administrator. A
ride-along team pairs an officer of `pd` with a clinician of `clinic`.
"""

import functools
import os
from datetime import time, timedelta

import pytest
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from tandem.accounts import otp
from tandem.accounts.models import Membership, User
from tandem.accounts.roles import TWO_FACTOR_ROLES, Role
from tandem.agencies.models import Agency, AgencyKind, Jurisdiction, Shift, Team, TeamMember
from tandem.core.models import service_write
from tandem.dispatch.models import Assignment, Call
from tandem.encounters.models import Encounter
from tandem.people.models import Person

PASSWORD = "correct-horse-battery-staple"


def pytest_report_header(config):
    lines = []
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        lines.append("database: PostgreSQL (DATABASE_URL)")
    else:
        lines.append(
            "database: SQLite. PostgreSQL-only tests skip; to run the suite on PostgreSQL set "
            "DATABASE_URL=postgres://postgres@127.0.0.1:5432/tandem (as .ci/run does)"
        )
    return lines


def requires_postgres():
    return pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: set DATABASE_URL=postgres://postgres@127.0.0.1:5432/tandem",
    )


class Region:
    """Handles to the fixture region's records."""


def _agency(code, kind, owner=None, **extra):
    return Agency.objects.create(
        code=code, name=code.replace("-", " ").title(), kind=kind, owning_agency=owner, **extra
    )


@functools.cache
def password_hash() -> str:
    """PASSWORD hashed once with the production hasher (Argon2), shared by every persona:
    hashing it for each of the dozen personas of every test would dominate the run."""
    return make_password(PASSWORD)


def _user(username, agency, role):
    """A persona; one whose role signs in with a second factor has enrolled a device."""
    user = User.objects.create(
        username=username, password=password_hash(), first_name=username.title()
    )
    Membership.objects.create(user=user, owning_agency=agency, role=role)
    if role in TWO_FACTOR_ROLES:
        otp_device_for(user)
    return user


def otp_device_for(user: User) -> TOTPDevice:
    """The persona's confirmed authenticator device, enrolled if it has none."""
    return otp.device_of(user) or TOTPDevice.objects.create(
        user=user, name=otp.DEVICE_NAME, confirmed=True
    )


def otp_code(user: User | str) -> str:
    """A code the persona's device accepts now (django_otp.oath.totp over its key)."""
    if isinstance(user, str):
        user = User.objects.get(username=user)
    return otp.code_for(otp_device_for(user))


def sign_in(client, username: str, password: str = PASSWORD):
    """Sign in through the forms, as a person does: the password, then the code if asked.
    Returns the last response."""
    response = client.post("/accounts/login/", {"username": username, "password": password})
    user = User.objects.filter(username=username).first()
    if response.status_code == 302 and user and otp.device_of(user):
        response = client.post("/accounts/two-factor/", {"code": otp_code(user)})
    return response


@pytest.fixture(autouse=True)
def own_var_dir(settings, tmp_path):
    """What the app keeps under VAR_DIR (imported history, metrics snapshots, uploads)
    in a folder of the test's own, never the checkout's var/, where a demo lives."""
    settings.VAR_DIR = tmp_path


@pytest.fixture(autouse=True)
def force_login_passes_the_second_factor(monkeypatch):
    """`client.force_login` makes a session that has also passed the second factor, as if
    the persona had entered its code, so view tests need not sign in twice.

    Only the test client's shortcut is changed, and only in tests: the sign-in form and
    the code step run unchanged (tests/accounts/test_two_factor.py signs in through them
    and shows that a password alone reaches nothing).
    """
    force_login = Client.force_login

    def force_login_verified(self, user, backend=None):
        force_login(self, user, backend)
        user = User.objects.get(pk=user.pk)  # not the caller's object: memberships get cached
        if otp.second_factor_due(user):
            session = self.session
            session[DEVICE_ID_SESSION_KEY] = otp_device_for(user).persistent_id
            session.save()

    monkeypatch.setattr(Client, "force_login", force_login_verified)


@pytest.fixture
def region(db):
    r = Region()
    r.admin = _agency("regional-council", AgencyKind.REGIONAL_ADMIN)
    r.pd = _agency("lakeview-pd", AgencyKind.POLICE, r.admin)
    r.other_pd = _agency("hillside-pd", AgencyKind.POLICE, r.admin)
    r.clinic = _agency("harbor-clinic", AgencyKind.BEHAVIORAL_HEALTH, r.admin, part2_program=True)
    r.psap = _agency("county-911", AgencyKind.PSAP, r.admin)
    r.city = Jurisdiction.objects.create(
        owning_agency=r.pd,
        code="lakeview",
        name="Lakeview",
        kind="city",
        latitude=39.0,
        longitude=-94.3,
    )
    r.team = Team.objects.create(
        owning_agency=r.pd,
        code="lv-ride",
        call_sign="LV-1",
        name="Lakeview ride-along",
        program_model="ride_along",
    )
    r.team.coverage.add(r.city)

    r.officer = _user("officer", r.pd, Role.OFFICER)
    r.dispatcher = _user("dispatcher", r.psap, Role.DISPATCHER)
    r.police_dispatcher = _user("pd_dispatcher", r.pd, Role.DISPATCHER)
    r.police_supervisor = _user("sergeant", r.pd, Role.SUPERVISOR)
    r.police_analyst = _user("pd_analyst", r.pd, Role.ANALYST)
    r.other_officer = _user("other_officer", r.other_pd, Role.OFFICER)
    r.clinician = _user("clinician", r.clinic, Role.CLINICIAN)
    r.navigator = _user("navigator", r.clinic, Role.NAVIGATOR)
    r.analyst = _user("analyst", r.admin, Role.ANALYST)
    r.regional_admin = _user("regional", r.admin, Role.REGIONAL_ADMIN)
    r.privacy_officer = _user("privacy", r.clinic, Role.PRIVACY_OFFICER)
    r.sysadmin = _user("sysadmin", r.admin, Role.SYSTEM_ADMIN)
    TeamMember.objects.create(owning_agency=r.pd, team=r.team, user=r.officer, role="officer")
    TeamMember.objects.create(owning_agency=r.pd, team=r.team, user=r.clinician, role="clinician")

    now = timezone.now()
    r.person = Person.objects.create(owning_agency=r.pd, given_name="Dana", family_name="Reyes")
    r.call = Call.objects.create(
        owning_agency=r.pd,
        number="C-1",
        source="911",
        received_at=now - timedelta(hours=2),
        call_type="EDP",
        apco_code="EDP",
        jurisdiction=r.city,
        narrative="Caller reports ...",
        behavioral_health=True,
        subject=r.person,
        status="closed",
    )
    r.assignment = Assignment.objects.create(
        owning_agency=r.pd,
        call=r.call,
        team=r.team,
        mode="co_responder",
        assigned_at=now - timedelta(hours=2),
        cleared_at=now - timedelta(hours=1),
    )
    with service_write():
        r.encounter = Encounter.objects.create(
            owning_agency=r.clinic,
            call=r.call,
            assignment=r.assignment,
            person=r.person,
            started_at=now - timedelta(hours=2),
            clinician_assessed=True,
            disposition="resolved_on_scene",
            clinical_notes="Calm after talking.",
            police_narrative="Officer stood by.",
            safety_notes="Dog in the yard.",
        )
    return r


def on_duty_always(team: Team) -> None:
    for day in range(7):
        Shift.objects.create(
            owning_agency=team.owning_agency, team=team, weekday=day, start=time(0), end=time(0)
        )


@pytest.fixture
def dispatch_region(region):
    region.team.base_latitude, region.team.base_longitude = 39.0, -94.3
    region.team.clinical_agency = region.clinic
    region.team.save()
    on_duty_always(region.team)
    region.town = Jurisdiction.objects.create(
        owning_agency=region.other_pd,
        code="hillside",
        name="Hillside",
        kind="town",
        latitude=39.2,
        longitude=-94.1,
    )
    region.crisis_team = Team.objects.create(
        owning_agency=region.clinic,
        code="mct",
        call_sign="MCT-1",
        name="Mobile crisis",
        program_model="clinician_only",
        base_latitude=39.05,
        base_longitude=-94.35,
    )
    region.crisis_team.coverage.add(region.city)
    on_duty_always(region.crisis_team)
    TeamMember.objects.create(
        owning_agency=region.clinic,
        team=region.crisis_team,
        user=region.navigator,
        role="clinician",
    )
    region.floater = Team.objects.create(
        owning_agency=region.clinic,
        code="float",
        call_sign="FL-1",
        name="Towns floater",
        program_model="floater",
        base_latitude=39.3,
        base_longitude=-94.0,
    )
    region.floater.coverage.add(region.town)
    on_duty_always(region.floater)
    return region


POLICE_PERSONAS = [
    "officer",
    "dispatcher",
    "police_dispatcher",
    "police_supervisor",
    "police_analyst",
    "other_officer",
]
