"""Follow-up tasks for navigators and clinicians after a crisis contact."""

from django.conf import settings
from django.db import models

from tandem.core.models import SensitiveRecord
from tandem.privacy.segments import CLINICAL, segment


class FollowUpKind(models.TextChoices):
    POST_CRISIS = "post_crisis", "Post-crisis check-in"
    REFERRAL_CHECK = "referral_check", "Referral check"
    MEDICATION_CHECK = "medication_check", "Medication check"
    OUTREACH = "outreach", "Outreach"


class FollowUpStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Completed"
    CLOSED = "closed", "Closed without contact"


class FollowUp(SensitiveRecord):
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    encounter = models.ForeignKey(
        "encounters.Encounter",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="followups",
    )
    referral = models.ForeignKey(
        "referrals.Referral",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="followups",
    )
    kind = models.CharField(max_length=20, choices=FollowUpKind.choices)
    due_at = models.DateTimeField(db_index=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(max_length=12, choices=FollowUpStatus.choices, default="open")
    completed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=200, blank=True)
    notes = segment(models.TextField(blank=True), CLINICAL)

    class Meta:
        ordering = ["due_at"]
