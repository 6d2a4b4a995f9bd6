"""What happened when a team met the person: observations, disposition, diversion."""

from django.db import models

from tandem.core.models import SensitiveRecord
from tandem.encounters import instruments
from tandem.privacy.segments import CJI, CLINICAL, PART2, PSYCHOTHERAPY, SAFETY, segment


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


class EncounterStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"


class Behavior(models.TextChoices):
    """What responders observed, after Seattle PD's crisis template."""

    DISORGANIZED_SPEECH = "disorganized_speech", "Disorganized speech"
    HALLUCINATIONS = "hallucinations", "Hallucinations"
    DELUSIONS = "delusions", "Delusions"
    OUT_OF_TOUCH = "out_of_touch", "Out of touch with reality"
    SUICIDAL = "suicidal", "Suicidal threat or attempt"
    HOPELESS_DEPRESSED = "hopeless_depressed", "Hopeless / depressed"
    MANIA = "mania", "Mania"
    BELLIGERENT = "belligerent", "Belligerent / uncooperative"
    THREATENS_VIOLENCE = "threatens_violence", "Threatens violence"
    DISORIENTED = "disoriented", "Disoriented / confused"
    FRIGHTENED = "frightened", "Unusual fright / scared"
    NEGLECT_SELF_CARE = "neglect_self_care", "Neglect of self-care"
    INTOXICATED = "intoxicated", "Appears intoxicated"
    EXCITED_DELIRIUM = "excited_delirium", "Extreme agitation (medical emergency signs)"


class WeaponKind(models.TextChoices):
    KNIFE = "knife", "Knife or blade"
    FIREARM = "firearm", "Firearm"
    OTHER = "other", "Other weapon"


class ResponseAction(models.TextChoices):
    """Interventions any responder may record (and any who sees the encounter may read)."""

    DE_ESCALATION = "de_escalation", "De-escalation"
    FAMILY_SUPPORT = "family_support", "Family support"
    TRANSPORT = "transport", "Transport"


class ClinicalIntervention(models.TextChoices):
    """Interventions that are themselves health information: clinical staff only."""

    SAFETY_PLANNING = "safety_planning", "Safety planning"
    COUNSELING = "counseling", "Counseling"
    MEDICATION_CHECK = "medication_check", "Medication check"


class PresentRole(models.TextChoices):
    OFFICER = "officer", "Officer"
    CLINICIAN = "clinician", "Clinician"
    PEER = "peer", "Peer specialist"
    EMS = "ems", "EMS"
    FAMILY = "family", "Family member"
    FRIEND = "friend", "Friend or neighbour"
    CAREGIVER = "caregiver", "Caregiver / case manager"
    OTHER = "other", "Other"


class Encounter(SensitiveRecord):
    """One contact with a person.

    The owning agency is the treating provider (the team's clinical agency) when a
    clinician took part, otherwise the team's own agency.

    Segments: police narrative and charges are `cji`; hazards are `safety`; the
    clinician's assessment is `clinical`; substance-use treatment detail is `part2`;
    psychotherapy notes are `psychotherapy`.
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
    psychotherapy_notes = segment(
        models.TextField(
            blank=True,
            default="",
            db_default="",
            help_text="The clinician's psychotherapy notes (HIPAA 164.501), kept apart from "
            "the assessment: read only by clinicians of the treating provider.",
        ),
        PSYCHOTHERAPY,
    )
    status = models.CharField(
        max_length=16,
        choices=EncounterStatus.choices,
        default=EncounterStatus.SUBMITTED,
        db_default=EncounterStatus.SUBMITTED,
        help_text="Draft while the form is being filled in on scene; metrics count submitted.",
    )
    client_token = models.UUIDField(
        null=True,
        blank=True,
        unique=True,
        help_text="Set by the form that made the encounter, so a form sent twice (a retry "
        "after a dropped connection) saves once.",
    )
    subject_entry = models.JSONField(
        default=dict,
        blank=True,
        help_text="Name and details of the subject typed into a draft before a person "
        "record is chosen or made; emptied on submission.",
    )
    people_present = segment(
        models.JSONField(
            default=list, blank=True, help_text='Who was there: [{"role": ..., "name": ...}].'
        ),
        SAFETY,
    )
    behaviors = segment(
        models.JSONField(
            default=list,
            blank=True,
            help_text="Observed behaviors (codes of `Behavior`, after Seattle PD's crisis "
            "template): what any responder needs to approach the person safely.",
        ),
        SAFETY,
    )
    weapon_kinds = segment(
        models.JSONField(default=list, blank=True, help_text="Codes of `WeaponKind`."), SAFETY
    )
    response_actions = segment(
        models.JSONField(
            default=list, blank=True, help_text="De-escalation, family support, transport."
        ),
        SAFETY,
    )
    clinical_interventions = segment(
        models.JSONField(
            default=list,
            blank=True,
            help_text="Safety planning, counseling, medication check (codes of "
            "`ClinicalIntervention`).",
        ),
        CLINICAL,
    )
    minutes_on_scene = models.PositiveIntegerField(
        null=True, blank=True, help_text="Explicit time on scene; else ended_at - started_at."
    )
    arrestable_offence = segment(
        models.BooleanField(
            default=False,
            db_default=False,
            help_text="The officer judged that an arrest was a lawful option.",
        ),
        CJI,
    )
    ed_otherwise = models.BooleanField(
        default=False,
        db_default=False,
        help_text="A responder judged the person would have gone to an emergency department "
        "without this response.",
    )
    diverted_from_jail = models.BooleanField(
        default=False,
        db_default=False,
        help_text="Derived at every save; rule in docs/metrics.md.",
    )
    diverted_from_hospital = models.BooleanField(
        default=False,
        db_default=False,
        help_text="Derived at every save; rule in docs/metrics.md.",
    )

    class Meta:
        ordering = ["-started_at"]

    @property
    def time_on_scene(self) -> int | None:
        """Minutes on scene: as entered, else from the start and end times."""
        if self.minutes_on_scene is not None:
            return self.minutes_on_scene
        if self.started_at and self.ended_at and self.ended_at >= self.started_at:
            return int((self.ended_at - self.started_at).total_seconds() // 60)
        return None

    @property
    def is_draft(self) -> bool:
        return self.status == EncounterStatus.DRAFT


class Instrument(models.TextChoices):
    CSSRS = instruments.CSSRS, instruments.LABELS[instruments.CSSRS]
    CTRS = instruments.CTRS, instruments.LABELS[instruments.CTRS]


class Screening(SensitiveRecord):
    """One screening instrument given during an encounter; one per instrument.

    The owning agency is the encounter's (the treating provider). Which instrument was
    used, its answers and its result are `clinical` (a suicide screener discloses a
    concern); that a screening was done and whether it calls for emergency care are
    operational, so the officers on scene are told.
    """

    encounter = models.ForeignKey(Encounter, on_delete=models.CASCADE, related_name="screenings")
    instrument = segment(models.CharField(max_length=24, choices=Instrument.choices), CLINICAL)
    answers = segment(
        models.JSONField(default=dict, blank=True, help_text="Item key: answer."), CLINICAL
    )
    result = segment(
        models.CharField(
            max_length=24,
            blank=True,
            help_text="Risk level (C-SSRS) or hospitalisation/community (CTRS); blank "
            "while incomplete.",
        ),
        CLINICAL,
    )
    complete = models.BooleanField(default=False)
    needs_emergency_care = models.BooleanField(
        default=False, help_text="The result calls for emergency care; visible to officers."
    )
    screened_at = models.DateTimeField()

    class Meta:
        ordering = ["screened_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["encounter", "instrument"], name="one_screening_per_instrument"
            )
        ]

    @property
    def person_id(self) -> int | None:  # for the privacy policy's consent check
        return self.encounter.person_id

    @property
    def total(self) -> int | None:
        return instruments.total_of(self.instrument, self.answers)

    @property
    def answer_rows(self) -> list[tuple[str, str]]:
        return instruments.answer_rows(self.instrument, self.answers)

    @property
    def result_label(self) -> str:
        return instruments.RESULT_LABELS.get(self.result, self.result)
