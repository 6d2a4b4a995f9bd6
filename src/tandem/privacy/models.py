"""Consent to disclose, data-sharing agreements, emergency access and the audit trail."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from tandem.core.models import Record, SensitiveRecord
from tandem.privacy.segments import CLINICAL, PART2, segment


class ConsentPurpose(models.TextChoices):
    TREATMENT = "treatment", "Treatment and coordination of my care"
    TPO = "tpo", "Treatment, payment and health care operations (TPO)"
    PATIENT_REQUEST = "patient_request", "At my request"


class SignerRole(models.TextChoices):
    PERSON = "person", "The person the records are about"
    REPRESENTATIVE = "representative", "Someone authorized to sign for them"


class SignatureMethod(models.TextChoices):
    DRAWN = "drawn", "Drawn on the tablet"
    TYPED = "typed", "Typed name"


class RevocationMethod(models.TextChoices):
    WRITING = "writing", "In writing (a letter, a form or an e-mail)"
    SPOKEN = "spoken", "Told to staff, who recorded it"
    EXPIRY_EVENT = "expiry_event", "The event that ends the consent happened"


class ConsentStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    EXPIRED = "expired", "Expired"
    REVOKED = "revoked", "Revoked"


class Consent(SensitiveRecord):
    """A person's written consent to disclose, with every element of 42 CFR 2.31 (2024).

    The owning agency is the program that may make the disclosure. The statements the
    person was shown (revocation, refusal, and for TPO consents redisclosure and
    fundraising) are stored as shown, so the record proves what was signed. The policy
    reads `revoked_at` and `expires_at` on every request: a revocation or an expiry takes
    effect at once. Changes only through `privacy.consent`.
    """

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="consents")
    discloser_description = models.CharField(
        max_length=300, blank=True, help_text="Who may make the disclosure, as written on the form."
    )
    recipients = models.ManyToManyField(
        "agencies.Agency",
        blank=True,
        related_name="+",
        help_text="The named recipients the access policy honours.",
    )
    recipient_description = models.CharField(
        max_length=300, help_text="Recipients by name or class, as written on the form."
    )
    information_description = segment(
        models.TextField(
            help_text="Specific, meaningful description of the information to be disclosed."
        ),
        CLINICAL,
    )
    includes_part2 = models.BooleanField(
        default=False, help_text="Covers substance-use-disorder (42 CFR Part 2) information."
    )
    part2_description = segment(
        models.TextField(
            blank=True, help_text="The substance-use-disorder information covered, described."
        ),
        PART2,
    )
    purpose_kind = models.CharField(
        max_length=16, choices=ConsentPurpose.choices, default=ConsentPurpose.TREATMENT
    )
    purpose = models.CharField(max_length=300)
    revocation_statement = models.TextField(
        help_text="The right to revoke, how to revoke, and the reliance exception."
    )
    refusal_statement = models.TextField(
        blank=True, help_text="That treatment does not depend on signing, as shown."
    )
    tpo_redisclosure_statement = models.TextField(
        blank=True,
        help_text="TPO consents: recipients under HIPAA may redisclose, never for proceedings "
        "against the person.",
    )
    fundraising_statement = models.TextField(
        blank=True, help_text="TPO consents: the right to opt out of fundraising."
    )
    expires_at = models.DateTimeField(null=True, blank=True)
    expiry_event = models.CharField(
        max_length=200, blank=True, help_text="The event that ends the consent, if no date."
    )
    signed_by = models.CharField(
        max_length=200, help_text="Name of the signer (the person or an authorized person)."
    )
    signer_role = models.CharField(
        max_length=16, choices=SignerRole.choices, default=SignerRole.PERSON
    )
    signer_authority = models.CharField(
        max_length=200, blank=True, help_text="A representative's authority, e.g. guardian."
    )
    signature_method = models.CharField(
        max_length=8, choices=SignatureMethod.choices, default=SignatureMethod.DRAWN
    )
    signature_svg = models.TextField(
        blank=True,
        help_text="The drawn signature as SVG path data in a 1000 x 300 box; blank when "
        "signed by typed name.",
    )
    witnessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The staff member who saw the person sign.",
    )
    signed_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The staff member who recorded the revocation.",
    )
    revocation_method = models.CharField(
        max_length=16, choices=RevocationMethod.choices, blank=True, help_text="How it reached us."
    )
    revocation_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-signed_at"]

    def __str__(self) -> str:
        return f"consent {self.pk} of person {self.person_id}"

    def status_at(self, at) -> str:
        if self.revoked_at is not None and self.revoked_at <= at:
            return (
                ConsentStatus.EXPIRED
                if self.revocation_method == RevocationMethod.EXPIRY_EVENT
                else ConsentStatus.REVOKED
            )
        if self.expires_at is not None and self.expires_at <= at:
            return ConsentStatus.EXPIRED
        return ConsentStatus.ACTIVE

    @property
    def status(self) -> str:
        return self.status_at(timezone.now())


class AgreementDirection(models.TextChoices):
    ONE_WAY = "one_way", "One way: the disclosing agency to the receiving agency"
    BOTH_WAYS = "both_ways", "Both ways"


class DataSharingAgreement(SensitiveRecord):
    """Two agencies' signed agreement to share segments of their records (an MOU, a QSOA).

    The access policy opens another agency's `clinical` or `part2` data to a provider
    only when an agreement in force covers that segment in that direction AND the
    person's consent names the provider (`policy.agreement_segments`). The owning agency
    is the disclosing agency. Changes only through `privacy.agreements`.
    """

    disclosing_agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="+"
    )
    receiving_agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="+"
    )
    direction = models.CharField(
        max_length=16, choices=AgreementDirection.choices, default=AgreementDirection.ONE_WAY
    )
    segments = models.JSONField(
        default=list, help_text="Segments covered: clinical, part2, safety."
    )
    purpose = models.CharField(max_length=300)
    starts_on = models.DateField()
    ends_on = models.DateField(
        null=True, blank=True, help_text="Last day in force; blank until ended."
    )
    document_reference = models.CharField(
        max_length=300, help_text="Where the signed agreement is kept (number, file, link)."
    )
    ended_at = models.DateTimeField(null=True, blank=True, help_text="Ended before its term.")
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    end_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-starts_on", "-id"]

    def __str__(self) -> str:
        return f"agreement {self.pk}: {self.disclosing_agency_id} to {self.receiving_agency_id}"

    def in_force_at(self, at) -> bool:
        return self.status_at(at) == "in_force"

    def status_at(self, at) -> str:
        """in_force, ended (before its term), expired (its term ran out) or future."""
        day = timezone.localdate(at)
        if self.ended_at is not None and self.ended_at <= at:
            return "ended"
        if self.ends_on is not None and self.ends_on < day:
            return "expired"
        if day < self.starts_on:
            return "future"
        return "in_force"


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
        return self.expires_at > timezone.now()
