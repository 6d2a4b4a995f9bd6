"""Users and their memberships: a person acts for an agency in a role."""

from django.contrib.auth.models import AbstractUser
from django.db import models

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
