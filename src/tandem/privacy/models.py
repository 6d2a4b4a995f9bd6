"""Consent to disclose, and the append-only audit trail."""

from django.conf import settings
from django.db import models

from tandem.core.models import Record, SensitiveRecord


class Consent(SensitiveRecord):
    """A person's written consent to disclose (the elements of 42 CFR 2.31).

    The owning agency is the agency that may make the disclosure.
    """

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="consents")
    recipients = models.ManyToManyField("agencies.Agency", blank=True, related_name="+")
    recipient_description = models.CharField(
        max_length=300, help_text="Recipients by name or class, as written on the form."
    )
    information_description = models.TextField(
        help_text="Specific description of the information, including any SUD information."
    )
    includes_part2 = models.BooleanField(default=False)
    purpose = models.CharField(max_length=300)
    revocation_statement = models.TextField(
        help_text="The right to revoke, how to revoke, and the reliance exception."
    )
    expires_at = models.DateTimeField(null=True, blank=True)
    expiry_event = models.CharField(max_length=200, blank=True)
    signed_by = models.CharField(max_length=200, help_text="Patient or authorised person.")
    signed_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-signed_at"]


class AuditEvent(Record):
    """Who did what to which record, when, why. Rows are only ever added.

    The owning agency is the agency the actor was acting for.
    """

    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_role = models.CharField(max_length=24, blank=True)
    action = models.CharField(max_length=40, help_text="read, create, update, login ...")
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=40, blank=True)
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    segments = models.CharField(max_length=80, blank=True, help_text="Segments touched.")
    reason = models.CharField(max_length=300, blank=True)
    legal_basis = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["-at"]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("audit events are append-only")
