"""Writes of the accounts app: sign-in, second factors, roles and passwords, each audited."""

import hashlib
import hmac
import math
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from tandem.accounts.models import EnrolmentCode, Membership, SignInPolicy, User
from tandem.accounts.otp import DEVICE_NAME, TwoFactorSpec
from tandem.accounts.roles import Perm, Role
from tandem.agencies.models import Agency, AgencyKind
from tandem.privacy.services import audit_record


def login_record(*, actor: User) -> None:
    if actor.primary_membership is not None:
        audit_record(actor=actor, action="login")


def login_failure_record(*, username: str, action: str = "login_failed") -> None:
    """A failed sign-in is filed under the account's agency, or the administrator's."""
    user = User.objects.filter(username=username[:150]).first()
    _account_audit(actor=None, user=user, action=action, reason=f"username {username[:100]!r}")


def lockout_record(*, username: str) -> None:
    """Sign-in refused because the account is locked on this device."""
    login_failure_record(username=username, action="login_locked")


def _account_audit(*, actor: User | None, user: User | None, action: str, reason: str) -> None:
    """An event about an account, filed under its agency (or the administrator's, for an
    account with no membership or an unknown username)."""
    agency_id = _account_agency_id(user) if user else _account_agency_id_admin()
    if agency_id is None:
        return
    audit_record(actor=actor, action=action, agency_id=agency_id, reason=reason)


# Two-factor sign-in ----------------------------------------------------------------


@dataclass(frozen=True)
class CodeCheck:
    accepted: bool
    # When refused because of earlier wrong codes: seconds until the next try counts.
    wait_seconds: int = 0


def two_factor_enrolment_start(*, actor: User) -> TOTPDevice:
    """The device the actor is enrolling: the same key until confirmed, so reloading the
    page does not undo a QR code already scanned. Confirmed devices are not touched."""
    device = TOTPDevice.objects.filter(user=actor, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=actor, name=DEVICE_NAME, confirmed=False)


def two_factor_check(*, actor: User, device: TOTPDevice, code: str) -> CodeCheck:
    """Check a code from the actor's device; the first good code confirms a new device.

    Audited as 2fa_verified, 2fa_enrolled or 2fa_failed (never with the code). Wrong codes
    have their own throttle, django-otp's: after n wrong codes in a row the device
    refuses every code for 2^(n-1) seconds. It is kept on the device, so signing in
    again with the password does not reset it.
    """
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=actor)
        allowed, refusal = device.verify_is_allowed()
        if not allowed:
            wait = (refusal or {}).get("locked_until", timezone.now()) - timezone.now()
            seconds = max(1, math.ceil(wait.total_seconds()))
            _account_audit(
                actor=actor,
                user=actor,
                action="2fa_failed",
                reason=f"refused: {device.throttling_failure_count} wrong codes in a row",
            )
            return CodeCheck(accepted=False, wait_seconds=seconds)
        if not device.verify_token(code):
            _account_audit(actor=actor, user=actor, action="2fa_failed", reason="wrong code")
            return CodeCheck(accepted=False)
        action = "2fa_verified" if device.confirmed else "2fa_enrolled"
        if not device.confirmed:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
        _account_audit(actor=actor, user=actor, action=action, reason=device.name)
        return CodeCheck(accepted=True)


# An enrolment code: ten letters and digits that cannot be misread (no 0/O, 1/I/L),
# 50 bits; typed as two groups of five.
ENROLMENT_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
ENROLMENT_CODE_LENGTH = 10
ENROLMENT_CODE_HOURS = 72
ENROLMENT_CODE_TRIES = 5


def _code_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def enrolment_code_normal(text: str) -> str:
    """A typed code as stored: capitals, without the spaces and dashes people add."""
    return "".join(c for c in text.upper() if c.isalnum())


def enrolment_code_issue(*, actor: User | None, user: User) -> str:
    """A new one-time enrolment code for `user` (returned once, never stored); any code
    they had and did not use stops working. Audited as 2fa_code_issued."""
    code = "".join(secrets.choice(ENROLMENT_ALPHABET) for _ in range(ENROLMENT_CODE_LENGTH))
    agency_id = _account_agency_id(user)
    with transaction.atomic():
        EnrolmentCode.objects.filter(user=user, used_at__isnull=True).delete()
        EnrolmentCode.objects.create(
            owning_agency_id=agency_id,
            user=user,
            code_hash=_code_hash(code),
            expires_at=timezone.now() + timedelta(hours=ENROLMENT_CODE_HOURS),
            created_by=actor,
            updated_by=actor,
        )
        _account_audit(
            actor=actor,
            user=user,
            action="2fa_code_issued",
            reason=f"{user.username}: valid {ENROLMENT_CODE_HOURS} hours",
        )
    return f"{code[:5]}-{code[5:]}"


def enrolment_code_redeem(*, actor: User, code: str) -> str:
    """Check the enrolment code the actor typed; '' when it is good (it is used up),
    else why not. Wrong codes count against the code and are audited."""
    typed = enrolment_code_normal(code)
    with transaction.atomic():
        row = (
            EnrolmentCode.objects.select_for_update()
            .filter(user=actor, used_at__isnull=True)
            .order_by("-created_at", "-pk")
            .first()
        )
        if row is None or row.expires_at <= timezone.now() or row.failures >= ENROLMENT_CODE_TRIES:
            _account_audit(
                actor=actor, user=actor, action="2fa_code_refused", reason="no code in force"
            )
            return (
                "There is no enrolment code in force for your account. Ask your "
                "administrator for a new one."
            )
        if not hmac.compare_digest(row.code_hash, _code_hash(typed)):
            row.failures += 1
            row.save(update_fields=["failures", "updated_at"])
            _account_audit(
                actor=actor,
                user=actor,
                action="2fa_code_refused",
                reason=f"wrong code ({row.failures} of {ENROLMENT_CODE_TRIES})",
            )
            left = ENROLMENT_CODE_TRIES - row.failures
            if left == 0:
                return (
                    "That code does not match, and the code no longer works after "
                    f"{ENROLMENT_CODE_TRIES} wrong tries. Ask your administrator for a new one."
                )
            return (
                "That code does not match. Type the ten letters and digits your "
                f"administrator gave you ({left} {'try' if left == 1 else 'tries'} left)."
            )
        row.used_at = timezone.now()
        row.save(update_fields=["used_at", "updated_at"])
        _account_audit(actor=actor, user=actor, action="2fa_code_used", reason=actor.username)
    return ""


def _account_agency_id(user: User) -> int | None:
    """The agency an account's records are filed under: its own, else the administrator's."""
    membership = user.primary_membership
    return membership.owning_agency_id if membership else _account_agency_id_admin()


def _account_agency_id_admin() -> int | None:
    administrators = Agency.objects.filter(kind=AgencyKind.REGIONAL_ADMIN)
    return administrators.values_list("pk", flat=True).first()


def two_factor_reset(*, actor: User | None, user: User) -> int:
    """Remove every device of `user` (lost phone): their next sign-in enrols a new one.

    Only an administrator does this (`tandem otp-reset`); a person cannot remove their own
    second factor. Sessions the old device verified stop counting as verified.
    """
    with transaction.atomic():
        removed, _ = TOTPDevice.objects.filter(user=user).delete()
        _account_audit(
            actor=actor, user=user, action="2fa_reset", reason=f"{user.username}: {removed} removed"
        )
    return removed


def two_factor_device_set(*, actor: User | None, user: User, key: str) -> TOTPDevice:
    """Give `user` one confirmed device with `key` (the demo's derived keys)."""
    device = device_with_key(user, key)
    if device is not None:
        return device
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, key=key, confirmed=True)
        _account_audit(actor=actor, user=user, action="2fa_enrolled", reason=f"{user.username}")
    return device


def device_with_key(user: User, key: str) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True, key=key).first()


def sign_in_policy_set(*, administrator: Agency, spec: TwoFactorSpec, actor=None) -> str:
    """Store the program's `two_factor:` section; returns created, updated or unchanged.

    Called by `agencies.services.program_apply` inside its transaction, which writes the
    audit event for the whole program load.
    """
    actor_id = getattr(actor, "pk", None)
    row = SignInPolicy.objects.filter(owning_agency=administrator).first()
    if row is None:
        SignInPolicy.objects.create(
            owning_agency=administrator,
            two_factor_for_all=spec.required_for_all,
            created_by_id=actor_id,
            updated_by_id=actor_id,
        )
        return "created"
    if row.two_factor_for_all == spec.required_for_all:
        return "unchanged"
    row.two_factor_for_all = spec.required_for_all
    row.updated_by_id = actor_id
    row.save()
    return "updated"


# Roles and passwords ---------------------------------------------------------------


def _may_manage_accounts(actor: User | None) -> None:
    """The command line (no actor) or an administrator of the program."""
    if actor is not None and not actor.has_perm_in(Perm.MANAGE_PROGRAM):
        raise PermissionDenied("managing accounts needs the manage_program permission")


def membership_grant(
    *, actor: User | None, user: User, agency: Agency, role: str
) -> tuple[Membership, bool]:
    """Give `user` `role` in `agency`, audited as membership_granted; a role already held
    is returned unchanged (created is False) and not audited again."""
    _may_manage_accounts(actor)
    if role not in Role.values:
        raise ValueError(f"expected a role, one of {', '.join(Role.values)}; got {role!r}")
    with transaction.atomic():
        membership, created = Membership.objects.get_or_create(
            user=user,
            owning_agency=agency,
            role=role,
            defaults={"created_by": actor, "updated_by": actor},
        )
        if created:
            audit_record(
                actor=actor,
                action="membership_granted",
                obj=membership,
                agency_id=agency.pk,
                reason=f"{user.username}: {membership.get_role_display()}",
            )
    return membership, created


def membership_revoke(*, actor: User | None, membership: Membership) -> None:
    """Take a role away, audited as membership_revoked (with the membership's id)."""
    _may_manage_accounts(actor)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="membership_revoked",
            obj=membership,
            agency_id=membership.owning_agency_id,
            reason=f"{membership.user.username}: {membership.get_role_display()}",
        )
        membership.delete()


def password_set(*, actor: User | None, user: User, password: str) -> None:
    """Set a password after Django's validators (length, similarity, the common-password
    list); raises ValidationError listing every reason it was refused."""
    if actor is not None and actor.pk != user.pk:
        _may_manage_accounts(actor)
    validate_password(password, user)
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        _account_audit(actor=actor, user=user, action="password_set", reason=user.username)
