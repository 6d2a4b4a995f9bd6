"""Calls for service and the teams assigned to them."""

from django.conf import settings
from django.db import models

from tandem.core.models import Record
from tandem.privacy.segments import CJI, SAFETY, segment


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
    incident_id = models.CharField(
        max_length=200,
        unique=True,
        null=True,
        blank=True,
        help_text="Incident identifier from the sending CAD or EIDO document; intake by the "
        "same id updates the call instead of adding one.",
    )
    classified = models.BooleanField(
        default=True,
        db_default=True,
        help_text="False when the call type is not in the triage protocol.",
    )
    triage_answers = models.JSONField(
        null=True, blank=True, help_text="The call-taker's structured answers (true/false/null)."
    )
    risk_level = segment(
        models.CharField(
            max_length=16,
            blank=True,
            db_default="",
            default="",
            help_text="Triage risk: low, moderate or high.",
        ),
        SAFETY,
    )
    recommended_mode = models.CharField(
        max_length=24, choices=ResponseMode.choices, blank=True, db_default="", default=""
    )
    recommendation = models.JSONField(
        null=True,
        blank=True,
        help_text="The triage result: rules fired, fallback mode and the protocol version.",
    )
    protocol_version = models.CharField(max_length=40, blank=True, db_default="", default="")
    recoded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["status", "received_at"])]

    def __str__(self) -> str:
        return self.number


# An assignment's steps in order: (status, label, timestamp field). Transporting may be
# skipped; every other step follows the one before it.
STEPS = (
    ("en_route", "En route", "en_route_at"),
    ("on_scene", "On scene", "on_scene_at"),
    ("transporting", "Transporting", "transporting_at"),
    ("cleared", "Cleared", "cleared_at"),
)


class Assignment(Record):
    """A team sent to a call, with the times of each status change."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="assignments")
    team = models.ForeignKey("agencies.Team", on_delete=models.PROTECT, related_name="+")
    mode = models.CharField(max_length=24, choices=ResponseMode.choices)
    assigned_at = models.DateTimeField()
    en_route_at = models.DateTimeField(null=True, blank=True)
    on_scene_at = models.DateTimeField(null=True, blank=True)
    transporting_at = models.DateTimeField(null=True, blank=True)
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
        constraints = [
            # The database itself refuses a second open assignment for a team.
            models.UniqueConstraint(
                fields=["team"],
                condition=models.Q(cleared_at__isnull=True),
                name="one_open_assignment_per_team",
            )
        ]

    @property
    def is_open(self) -> bool:
        return self.cleared_at is None

    @property
    def stage(self) -> int:
        """Index in STEPS of the last step reached; -1 when only assigned."""
        return max((i for i, step in enumerate(STEPS) if getattr(self, step[2])), default=-1)

    @property
    def next_steps(self) -> list[tuple[str, str]]:
        """(status, label) of the steps that may come next, for action buttons."""
        stage = self.stage
        if stage == len(STEPS) - 1:
            return []
        steps = [(s, label) for s, label, _ in STEPS[stage + 1 :]]
        if stage < 1:  # before arrival: transport cannot come yet; en route may be skipped
            steps = [step for step in steps if step[0] != "transporting"]
        elif self.officer_returned_at is None:
            steps.append(("officer_returned", "Officer back on patrol"))
        return steps


class DispatchEvent(Record):
    """One line of a call's and a unit's timeline: intake, triage, each status change.

    The owning agency is the agency the actor acted for (or the call's, for feeds).
    """

    at = models.DateTimeField(db_index=True)
    call = models.ForeignKey(
        Call, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    team = models.ForeignKey(
        "agencies.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    assignment = models.ForeignKey(
        Assignment, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(max_length=32, help_text="intake, update, triage, assign, status ...")
    detail = models.CharField(max_length=300, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["at", "id"]
