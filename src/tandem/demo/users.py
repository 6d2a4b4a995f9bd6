"""Demo logins: one user per role, placed in the demo region's agencies.

Passwords are random, made once per database and kept in var/demo-logins.json (mode
0600, outside git), so a demo never ships a known default credential. Logins whose role
signs in with a second factor get an authenticator device whose key is derived from the
username (`accounts.otp.demo_key`); `tandem otp-code USERNAME` prints its current code.
"""

import json
import secrets
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import F

from tandem.accounts import otp
from tandem.accounts.models import User
from tandem.accounts.roles import Role
from tandem.accounts.services import membership_grant, two_factor_device_set
from tandem.agencies.models import (
    Agency,
    AgencyKind,
    Jurisdiction,
    ProgramModel,
    Team,
    TeamMember,
)

LOGINS_FILE = "demo-logins.json"


def _largest_police_agency() -> Agency | None:
    """The police department of the most populous jurisdiction."""
    city = (
        Jurisdiction.objects.filter(owning_agency__kind=AgencyKind.POLICE)
        .select_related("owning_agency")
        .order_by(F("population").desc(nulls_last=True), "code")
        .first()
    )
    return city.owning_agency if city else None


def _placements() -> list[tuple[str, Role, Agency | None, Team | None, str | None]]:
    """(username, role, agency, team, team role) for every demo user.

    The officer and the clinician share the ride-along team of the largest city, so
    each sees that team's calls from their own side of the privacy gate.
    """
    police = _largest_police_agency()
    team = _ride_along_team(police)
    provider = (
        team.clinical_agency
        if team and team.clinical_agency
        else Agency.objects.filter(kind=AgencyKind.BEHAVIORAL_HEALTH).order_by("code").first()
    )
    psap = Agency.objects.filter(kind=AgencyKind.PSAP).order_by("code").first()
    admin = Agency.objects.filter(kind=AgencyKind.REGIONAL_ADMIN).order_by("code").first()
    # The substance-use (Part 2) program, whose navigator receives referrals: the other
    # side of the demo's data-sharing agreement.
    recovery = (
        Agency.objects.filter(kind=AgencyKind.BEHAVIORAL_HEALTH, part2_program=True)
        .exclude(pk=getattr(provider, "pk", None))
        .order_by("code")
        .first()
    )
    return [
        ("dispatcher", Role.DISPATCHER, psap, None, None),
        ("officer", Role.OFFICER, police, team, "officer"),
        ("clinician", Role.CLINICIAN, provider, team, "clinician"),
        ("navigator", Role.NAVIGATOR, provider, None, None),
        ("supervisor", Role.SUPERVISOR, provider, None, None),
        ("sergeant", Role.SUPERVISOR, police, None, None),
        ("analyst", Role.ANALYST, admin, None, None),
        ("regional", Role.REGIONAL_ADMIN, admin, None, None),
        ("privacy", Role.PRIVACY_OFFICER, provider, None, None),
        ("sysadmin", Role.SYSTEM_ADMIN, admin, None, None),
        *([("recovery", Role.NAVIGATOR, recovery, None, None)] if recovery else []),
    ]


def _ride_along_team(police: Agency | None) -> Team | None:
    return (
        Team.objects.filter(owning_agency=police, program_model=ProgramModel.RIDE_ALONG)
        .order_by("code")
        .first()
    )


def _certify(user: User, certification: str) -> None:
    """Demo team members hold the certification their team requires (for example CIT)."""
    if certification and certification not in user.certifications:
        user.certifications = [*user.certifications, certification]
        user.save(update_fields=["certifications"])


@transaction.atomic
def demo_users_ensure() -> list[dict]:
    """Create the demo users that are missing; return every login with its password."""
    path = Path(settings.VAR_DIR) / LOGINS_FILE
    known = json.loads(path.read_text()) if path.exists() else {}
    logins = []
    for username, role, agency, team, team_role in _placements():
        if agency is None:
            raise RuntimeError(f"the demo region has no agency for the {role.label} login")
        user = User.objects.filter(username=username).first()
        if user is None or username not in known:
            password = f"{username}-{secrets.token_urlsafe(9)}"
            user = user or User(username=username, first_name=username.title(), last_name="Demo")
            user.set_password(password)
            user.save()
            known[username] = password
        membership_grant(actor=None, user=user, agency=agency, role=role)
        two_factor = otp.two_factor_required(user)
        if two_factor:
            two_factor_device_set(actor=None, user=user, key=otp.demo_key(username))
        if team is not None:
            _certify(user, team.requires_certification)
            TeamMember.objects.get_or_create(
                team=team,
                user=user,
                defaults={"owning_agency": team.owning_agency, "role": team_role},
            )
        logins.append(
            {
                "username": username,
                "password": known[username],
                "role": role.label,
                "agency": agency.name,
                "two_factor": two_factor,
            }
        )
    path.write_text(json.dumps(known, indent=1))
    path.chmod(0o600)
    return logins
