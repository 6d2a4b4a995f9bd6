"""Calls for service and the teams assigned to them."""

from django.conf import settings
from django.db import models

from tandem.core.models import Record
from tandem.privacy.segments import CJI, segment


class CallSource(models.TextChoices):
    E911 = "911", "911"
    L988 = "988", "988 transfer"
    OFFICER_REQUEST = "officer_request", "Officer request"
    SELF_INITIATED = "self_initiated", "Self-initiated by a team"
    CAD_FEED = "cad_feed", "CAD feed"


class CallStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ASSIGNED = "assigned", "Assigned"
    CLOSED = "closed", "Closed"


class ResponseMode(models.TextChoices):
    CLINICIAN_ONLY = "clinician_only", "Clinician-only team"
    CO_RESPONDER = "co_responder", "Co-responder team"
    CLINICIAN_CALLOUT = "clinician_callout", "Police with clinician call-out"
    POLICE_EMS = "police_ems", "Police / EMS only"
    PHONE_988 = "phone_988", "988 phone response"
    NAVIGATOR = "navigator", "Navigator follow-up only"


class Call(Record):
    """A call for service. The owning agency is the police agency of its jurisdiction."""

    number = models.CharField(max_length=32, unique=True, help_text="CAD incident number.")
    source = models.CharField(max_length=16, choices=CallSource.choices)
    received_at = models.DateTimeField(db_index=True)
    call_type = models.CharField(max_length=80, help_text="Local call type as taken.")
    apco_code = models.CharField(
        max_length=16, blank=True, help_text="APCO ANS 2.103.1 common incident type."
    )
    final_call_type = models.CharField(
        max_length=80, blank=True, help_text="Call type after recoding, if it changed."
    )
    priority = models.PositiveSmallIntegerField(default=3, help_text="1 = most urgent.")
    location_text = models.CharField(max_length=300, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    jurisdiction = models.ForeignKey(
        "agencies.Jurisdiction",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="calls",
    )
    narrative = segment(models.TextField(blank=True, help_text="Call-taker's narrative."), CJI)
    behavioral_health = models.BooleanField(
        default=False, help_text="Behavioral-health nexus (mental health or substance use)."
    )
    subject = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="calls"
    )
    status = models.CharField(max_length=16, choices=CallStatus.choices, default="pending")

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return self.number


class Assignment(Record):
    """A team sent to a call, with the times of each status change."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="assignments")
    team = models.ForeignKey("agencies.Team", on_delete=models.PROTECT, related_name="+")
    mode = models.CharField(max_length=24, choices=ResponseMode.choices)
    assigned_at = models.DateTimeField()
    en_route_at = models.DateTimeField(null=True, blank=True)
    on_scene_at = models.DateTimeField(null=True, blank=True)
    cleared_at = models.DateTimeField(null=True, blank=True)
    officer_returned_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the officer returned to patrol, leaving the clinician on scene.",
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["assigned_at"]
