"""Users and their memberships: a person acts for an agency in a role."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone

from tandem.accounts.roles import ROLE_PERMISSIONS, Perm, Role
from tandem.core.models import Record


class User(AbstractUser):
    """A staff member. What they may do comes from their memberships, not from flags."""

    certifications = models.JSONField(
        default=list, blank=True, help_text="Certifications held, for example ['CIT']."
    )

    def memberships_cached(self) -> list["Membership"]:
        if not hasattr(self, "_memberships"):
            self._memberships = list(self.memberships.select_related("owning_agency"))
        return self._memberships

    def roles(self) -> set[str]:
        return {m.role for m in self.memberships_cached()}

    def agency_ids(self) -> set[int]:
        return {m.owning_agency_id for m in self.memberships_cached()}

    def has_perm_in(self, perm: Perm) -> bool:
        return any(perm in ROLE_PERMISSIONS[m.role] for m in self.memberships_cached())

    @property
    def primary_membership(self) -> "Membership | None":
        memberships = self.memberships_cached()
        return memberships[0] if memberships else None


class Membership(Record):
    """The owning agency is the agency the user acts for."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=24, choices=Role.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "owning_agency", "role"], name="membership_once"
            )
        ]
        ordering = ["id"]

    @property
    def agency(self):
        return self.owning_agency

    def __str__(self) -> str:
        return f"{self.get_role_display()}, {self.owning_agency}"


class ApiToken(Record):
    """A key for the API that acts as one membership: one agency, one role.

    The owning agency is the membership's agency. Only a SHA-256 hash of the secret is
    kept (`tandem.accounts.tokens` makes and checks keys); the secret is shown once.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    membership = models.ForeignKey(
        Membership,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        help_text="The agency and role the token acts as, and nothing more.",
    )
    name = models.CharField(
        max_length=100, help_text="What the token is for, in the owner's words."
    )
    key_id = models.CharField(
        max_length=16, unique=True, help_text="The public part of the key, used to find it."
    )
    key_hash = models.CharField(max_length=64, help_text="SHA-256 of the secret part, in hex.")
    expires_at = models.DateTimeField(help_text="Required; at most a year after creation.")
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.membership})"

    @property
    def state(self) -> str:
        """The token list shows each token as active, expired or revoked."""
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if self.expires_at <= timezone.now() else "active"


class SignInPolicy(Record):
    """The program file's `two_factor:` section as loaded: who signs in with a second factor.

    One row per program; the owning agency is the regional administrator. Without a row,
    or with `two_factor_for_all` off, only the roles in `roles.TWO_FACTOR_ROLES` must.
    """

    two_factor_for_all = models.BooleanField(
        default=False,
        help_text="Every role signs in with a second factor, not only the privileged ones.",
    )

    class Meta:
        verbose_name_plural = "sign-in policies"
        constraints = [
            models.UniqueConstraint(fields=["owning_agency"], name="sign_in_policy_once")
        ]


class EnrolmentCode(Record):
    """A one-time code an administrator gives a person to set up their second factor.

    Where a second factor is required, a password alone does not enrol a device: whoever
    held the stolen password of an account not yet enrolled (or just reset) could
    otherwise enrol their own phone. The person gets the code from an administrator in
    person or by phone (`tandem otp-enrolment-code`, `tandem otp-reset`). Only a hash is
    kept; it works once, for `ENROLMENT_CODE_HOURS`, and a few wrong tries void it.
    The owning agency is the person's.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="enrolment_codes")
    code_hash = models.CharField(max_length=64, help_text="SHA-256 of the code, in hex.")
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    failures = models.PositiveSmallIntegerField(
        default=0, help_text="Wrong codes entered; at the limit the code no longer works."
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"enrolment code of {self.user}"
