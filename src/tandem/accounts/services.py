"""Writes of the accounts app: sign-in events go to the audit trail."""

from tandem.accounts.models import User
from tandem.agencies.models import Agency, AgencyKind
from tandem.privacy.services import audit_record


def login_record(*, actor: User) -> None:
    if actor.primary_membership is not None:
        audit_record(actor=actor, action="login")


def login_failure_record(*, username: str, action: str = "login_failed") -> None:
    """A failed sign-in is filed under the account's agency, or the administrator's."""
    user = User.objects.filter(username=username[:150]).first()
    membership = user.primary_membership if user else None
    agency = (
        membership.owning_agency
        if membership
        else (Agency.objects.filter(kind=AgencyKind.REGIONAL_ADMIN).first())
    )
    if agency is None:
        return
    audit_record(
        actor=None,
        action=action,
        agency_id=agency.pk,
        reason=f"username {username[:100]!r}",
    )


def lockout_record(*, username: str) -> None:
    """Sign-in refused because the account is locked on this device."""
    login_failure_record(username=username, action="login_locked")
