"""Crisis response plans for people with repeated crisis contacts.

Modelled on Code for America's crisisresponse (Seattle's RideAlong): a plan says how the
person usually is and how they are in crisis, what sets them off, what helps and what to
avoid (clinical), and what a responder must know on arrival: safety concerns, how to
approach, who to call (safety). A clinician drafts it, submits it, and a supervisor of
the provider approves it; it is reviewed every six months by approving a new version,
which supersedes the old.

Officers assigned to a call about the person see the `safety` fields of the approved
plan, never the clinical ones and never a draft.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from tandem.core.models import SensitiveRecord
from tandem.privacy.segments import CLINICAL, SAFETY, segment


class PlanStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted for approval"
    RETURNED = "returned", "Returned for changes"
    APPROVED = "approved", "Approved"
    SUPERSEDED = "superseded", "Superseded"


# Statuses in which the author may still change the plan.
EDITABLE = (PlanStatus.DRAFT, PlanStatus.RETURNED)
# A person has at most one plan in progress per provider.
IN_PROGRESS = (PlanStatus.DRAFT, PlanStatus.SUBMITTED, PlanStatus.RETURNED)

CLINICAL_FIELDS = (
    "background",
    "baseline_behavior",
    "elevated_behavior",
    "triggers",
    "what_helps",
    "what_to_avoid",
)
SAFETY_FIELDS = (
    "safety_concerns",
    "weapons_access",
    "violence_history",
    "approach_advice",
    "contacts",
)


class CrisisPlan(SensitiveRecord):
    """One version of a person's plan. The owning agency is the provider that wrote it."""

    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="crisis_plans"
    )
    version = models.PositiveIntegerField(default=1)
    status = models.CharField(max_length=12, choices=PlanStatus.choices, default="draft")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    review_due = models.DateField(
        null=True, blank=True, db_index=True, help_text="Six months after approval."
    )
    superseded_at = models.DateTimeField(null=True, blank=True)

    background = segment(
        models.TextField(blank=True, help_text="History that explains the plan."), CLINICAL
    )
    baseline_behavior = segment(
        models.TextField(blank=True, help_text="How the person usually is."), CLINICAL
    )
    elevated_behavior = segment(
        models.TextField(blank=True, help_text="How the person is in crisis."), CLINICAL
    )
    triggers = segment(models.TextField(blank=True, help_text="What sets off a crisis."), CLINICAL)
    what_helps = segment(models.TextField(blank=True), CLINICAL)
    what_to_avoid = segment(models.TextField(blank=True), CLINICAL)
    review_comment = segment(
        models.TextField(blank=True, help_text="The supervisor's comment when returned."),
        CLINICAL,
    )

    safety_concerns = segment(
        models.TextField(blank=True, help_text="Hazards for responders."), SAFETY
    )
    weapons_access = segment(
        models.TextField(blank=True, help_text="Access to weapons, as responders need to know."),
        SAFETY,
    )
    violence_history = segment(
        models.TextField(blank=True, help_text="Violence relevant to responders' safety."),
        SAFETY,
    )
    approach_advice = segment(
        models.TextField(blank=True, help_text="How to approach and talk to the person."),
        SAFETY,
    )
    contacts = segment(
        models.JSONField(
            default=list,
            blank=True,
            help_text="Who to call: [{name, relationship, phone}].",
        ),
        SAFETY,
    )

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "owning_agency"],
                condition=Q(status__in=["draft", "submitted", "returned"]),
                name="one_plan_in_progress",
            ),
            models.UniqueConstraint(
                fields=["person", "owning_agency"],
                condition=Q(status="approved"),
                name="one_approved_plan",
            ),
            models.UniqueConstraint(
                fields=["person", "owning_agency", "version"], name="plan_version_once"
            ),
        ]

    def __str__(self) -> str:
        return f"Crisis plan v{self.version} ({self.get_status_display()})"

    @property
    def has_safety(self) -> bool:
        return any(getattr(self, name) for name in SAFETY_FIELDS)
