"""Follow-up tasks for navigators and clinicians after a crisis contact.

A task is created by a program rule (`followups.rules`, configured in the program file's
`followup_rules`) or by hand; navigators work it from the queue, recording contact
attempts until they close it. A repeating task ("daily medication check until
stabilised") creates its successor when completed, until the navigator marks the
person stabilised.
"""

from django.conf import settings
from django.db import models

from tandem.core.models import Record, SensitiveRecord
from tandem.privacy.segments import CLINICAL, segment


class FollowUpKind(models.TextChoices):
    POST_CRISIS = "post_crisis", "Post-crisis check-in"
    REFERRAL_CHECK = "referral_check", "Referral check"
    MEDICATION_CHECK = "medication_check", "Medication check"
    OUTREACH = "outreach", "Outreach"


class FollowUpStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Completed"
    CLOSED = "closed", "Closed"


class Repeat(models.TextChoices):
    NONE = "", "Once"
    DAILY_UNTIL_STABILISED = "daily_until_stabilised", "Daily until stabilised"


class ClosingReason(models.TextChoices):
    ENGAGED = "engaged", "Engaged in services"
    DECLINED = "declined", "Declined"
    UNABLE_TO_REACH = "unable_to_reach", "Unable to reach after repeated attempts"
    MOVED = "moved", "Moved away"
    HOSPITALISED = "hospitalised", "Hospitalised"
    INCARCERATED = "incarcerated", "Incarcerated"
    DECEASED = "deceased", "Deceased"
    OTHER = "other", "Other"


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
    rule_code = models.CharField(
        max_length=40,
        blank=True,
        default="",
        help_text="Code of the program rule that created the task; blank when made by hand.",
    )
    repeat = models.CharField(
        max_length=24, choices=Repeat.choices, blank=True, default=Repeat.NONE
    )
    previous = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The task this one repeats.",
    )
    closing_reason = models.CharField(
        max_length=20, choices=ClosingReason.choices, blank=True, default=""
    )
    stabilised = models.BooleanField(
        default=False, help_text="Completed with the person stabilised: the repeat stops."
    )

    class Meta:
        ordering = ["due_at"]
        indexes = [models.Index(fields=["owning_agency", "status", "due_at"])]


class AttemptMethod(models.TextChoices):
    PHONE = "phone", "Phone"
    VISIT = "visit", "Visit"
    FAMILY = "family_or_caregiver", "Family or caregiver"
    TEXT = "text", "Text message"
    OTHER = "other", "Other"


class AttemptOutcome(models.TextChoices):
    REACHED = "reached", "Reached the person"
    NO_ANSWER = "no_answer", "No answer"
    LEFT_MESSAGE = "left_message", "Left a message"
    REFUSED = "refused", "Refused contact"
    WRONG_NUMBER = "wrong_number", "Wrong number or address"
    NOT_HOME = "not_home", "Not at home"


class FollowUpAttempt(SensitiveRecord):
    """One try to reach the person for a task. The owning agency is the task's."""

    followup = models.ForeignKey(FollowUp, on_delete=models.CASCADE, related_name="attempts")
    method = models.CharField(max_length=24, choices=AttemptMethod.choices)
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(max_length=16, choices=AttemptOutcome.choices)
    notes = segment(models.TextField(blank=True), CLINICAL)

    class Meta:
        ordering = ["at", "id"]


class FollowUpRule(Record):
    """A program rule: which event creates which task, due how soon.

    Loaded from the program file (`followup_rules`); the owning agency is the regional
    administrator. `provider` limits the rule to one behavioral-health provider's
    events; blank means every provider's.
    """

    code = models.SlugField(max_length=40, unique=True)
    provider = models.ForeignKey(
        "agencies.Agency", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    event = models.CharField(max_length=20, help_text="referral_created, screening, disposition")
    risk_levels = models.JSONField(default=list, blank=True)
    dispositions = models.JSONField(default=list, blank=True)
    kind = models.CharField(max_length=20, choices=FollowUpKind.choices)
    due_within_hours = models.PositiveIntegerField()
    repeat = models.CharField(
        max_length=24, choices=Repeat.choices, blank=True, default=Repeat.NONE
    )

    class Meta:
        ordering = ["code"]


class Notification(Record):
    """An in-app message to one user. Text carries no clinical detail: only what is due
    and for whom (initials and record number), so it can show in any page header.

    The owning agency is the agency of the record it is about.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=20, help_text="followup_due, followup_overdue ...")
    text = models.CharField(max_length=200)
    url = models.CharField(max_length=200, blank=True)
    followup = models.ForeignKey(
        FollowUp, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["followup", "recipient", "kind"], name="notification_once_per_task"
            )
        ]
        indexes = [models.Index(fields=["recipient", "read_at"])]
