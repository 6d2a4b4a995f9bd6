"""Referrals from an encounter to a service, tracked until the loop closes."""

from django.db import models

from tandem.core.models import SensitiveRecord
from tandem.privacy.segments import CLINICAL, segment


class ReferralStatus(models.TextChoices):
    SENT = "sent", "Sent"
    ACCEPTED = "accepted", "Accepted"
    ATTENDED = "attended", "First appointment attended"
    DECLINED = "declined", "Declined"
    NO_SHOW = "no_show", "No-show"
    UNABLE_TO_REACH = "unable_to_reach", "Unable to reach"


class Referral(SensitiveRecord):
    encounter = models.ForeignKey(
        "encounters.Encounter",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referrals",
    )
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    service = models.ForeignKey(
        "directory.Service", on_delete=models.PROTECT, related_name="referrals"
    )
    status = models.CharField(max_length=20, choices=ReferralStatus.choices, default="sent")
    sent_at = models.DateTimeField()
    status_changed_at = models.DateTimeField()
    reason = segment(models.TextField(blank=True, help_text="Clinical reason."), CLINICAL)

    class Meta:
        ordering = ["-sent_at"]
