"""What happened when a team met the person: observations, disposition, diversion."""

from django.db import models

from tandem.core.models import SensitiveRecord
from tandem.privacy.segments import CJI, CLINICAL, PART2, SAFETY, segment


class Disposition(models.TextChoices):
    RESOLVED_ON_SCENE = "resolved_on_scene", "Resolved on scene"
    TRANSPORT_CRISIS_CENTER = "transport_crisis_center", "Voluntary transport to crisis center"
    TRANSPORT_ED = "transport_ed", "Voluntary transport to emergency department"
    TRANSPORT_DETOX = "transport_detox", "Voluntary transport to detox / sobering"
    TRANSPORT_CLINIC = "transport_clinic", "Voluntary transport to walk-in clinic"
    INVOLUNTARY_HOLD = "involuntary_hold", "Involuntary hold"
    ARREST = "arrest", "Arrest with charges"
    CITATION = "citation", "Citation"
    REFERRAL_ONLY = "referral_only", "Referral only"
    DECLINED = "declined", "Declined services"
    UNABLE_TO_LOCATE = "unable_to_locate", "Unable to locate"
    CANCELLED = "cancelled", "Cancelled"


class Modality(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    PHONE = "phone", "Phone"
    VIDEO = "video", "Tablet video"


class RiskLevel(models.TextChoices):
    LOW = "low", "Low"
    MODERATE = "moderate", "Moderate"
    HIGH = "high", "High"


class Encounter(SensitiveRecord):
    """One contact with a person.

    The owning agency is the treating provider (the team's clinical agency) when a
    clinician took part, otherwise the team's own agency.

    Segments: police narrative and charges are `cji`; hazards are `safety`; the
    clinician's assessment is `clinical`; substance-use treatment detail is `part2`.
    """

    call = models.ForeignKey(
        "dispatch.Call",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="encounters",
    )
    assignment = models.ForeignKey(
        "dispatch.Assignment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="encounters",
    )
    person = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="encounters",
    )
    started_at = models.DateTimeField(db_index=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    modality = models.CharField(max_length=16, choices=Modality.choices, default="in_person")
    clinician_assessed = models.BooleanField(
        default=False, help_text="A clinician assessed the person on site (or by video)."
    )
    disposition = models.CharField(max_length=32, choices=Disposition.choices, blank=True)
    local_disposition = models.CharField(
        max_length=80, blank=True, help_text="Program's own code, mapped to `disposition`."
    )
    transport_destination = models.CharField(max_length=200, blank=True)
    needs_emergency_care = models.BooleanField(
        default=False, help_text="Screening indicates emergency care; visible to officers."
    )
    weapons_present = segment(models.BooleanField(default=False), SAFETY)
    safety_notes = segment(
        models.TextField(blank=True, help_text="Hazards for responders."), SAFETY
    )
    force_used = segment(models.BooleanField(default=False), CJI)
    injuries = segment(models.BooleanField(default=False), CJI)
    charges = segment(models.TextField(blank=True, help_text="Charges, if arrested."), CJI)
    police_narrative = segment(models.TextField(blank=True), CJI)
    risk_level = segment(
        models.CharField(max_length=16, choices=RiskLevel.choices, blank=True), CLINICAL
    )
    presenting_problem = segment(models.TextField(blank=True), CLINICAL)
    clinical_notes = segment(models.TextField(blank=True), CLINICAL)
    diagnosis_impression = segment(
        models.CharField(max_length=200, blank=True, help_text="Working impression."), CLINICAL
    )
    substance_use_notes = segment(
        models.TextField(blank=True, help_text="Substance-use treatment information."), PART2
    )

    class Meta:
        ordering = ["-started_at"]
