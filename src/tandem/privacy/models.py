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

    The owning agency is the agency the actor was acting for. Events form a hash chain:
    each one's `hash` covers its own fields and the previous event's hash, so an edited,
    inserted or deleted row breaks the chain (`tandem audit-verify`, `privacy.chain`).
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
    record_agency = models.ForeignKey(
        "agencies.Agency",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The agency whose record it is; differs from the owning agency when "
        "one agency's record reaches another's staff (a disclosure).",
    )
    segments = models.CharField(max_length=80, blank=True, help_text="Segments touched.")
    reason = models.CharField(max_length=300, blank=True)
    legal_basis = models.CharField(max_length=120, blank=True)
    seq = models.PositiveBigIntegerField(unique=True, help_text="Position in the hash chain.")
    prev_hash = models.CharField(max_length=64, help_text="The previous event's hash.")
    hash = models.CharField(max_length=64, help_text="SHA-256 over this event and prev_hash.")

    class Meta:
        ordering = ["-at"]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("audit events are append-only")


class AuditChainHead(models.Model):
    """The newest event of the audit chain: one row, locked by every writer.

    Holding the head in its own row serialises appends (each takes its row lock) and
    lets verification notice events removed from the end of the chain.
    """

    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"audit chain at event {self.seq}"


class EmergencyBasis(models.TextChoices):
    MEDICAL_EMERGENCY = "medical_emergency", "Medical emergency (42 CFR 2.51)"
    SERIOUS_THREAT = "serious_threat", "Serious and imminent threat (HIPAA 45 CFR 164.512(j))"


class EmergencyAccess(Record):
    """Break-the-glass: a clinician opened a person's records they could not otherwise read.

    Holds what 42 CFR 2.51(c) asks to be documented: who received the information and
    their affiliation, who disclosed it, when, and the nature of the emergency. Access
    lasts until `expires_at`; the privacy officer reviews every one. A medical emergency
    opens `clinical` and `part2`; a serious and imminent threat (HIPAA) opens `clinical`
    only, as Part 2 has no such exception. The owning agency is the recipient's.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="emergency_accesses"
    )
    recipient_affiliation = models.CharField(
        max_length=200, help_text="The recipient's agency, as it was named at the time."
    )
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    legal_basis = models.CharField(max_length=24, choices=EmergencyBasis.choices)
    nature_of_emergency = models.TextField()
    reason = models.TextField(help_text="Why the records are needed now.")
    disclosed_by = models.CharField(
        max_length=300, help_text="The programs whose records were opened."
    )
    disclosing_agencies = models.ManyToManyField(
        "agencies.Agency", blank=True, related_name="+", help_text="Whose records were opened."
    )
    started_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"emergency access {self.pk} to person {self.person_id}"

    @property
    def active(self) -> bool:
        from django.utils import timezone

        return self.expires_at > timezone.now()
