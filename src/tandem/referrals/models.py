"""Referrals from an encounter to a service, tracked until the loop closes.

Closed loop: a referral is `sent`; the receiving provider `accepted` it (an appointment
is booked) and the person `attended` the first appointment, or the loop closes another
way. Allowed changes (`TRANSITIONS`):

    sent            -> accepted | declined | unable_to_reach
    accepted        -> attended | no_show | declined | unable_to_reach
    no_show         -> accepted                (a new appointment is booked)
    unable_to_reach -> accepted | declined     (reached after all)
    attended, declined: final

`declined` covers the person declining and the provider declining (the note says which).
Every change is a `ReferralEvent` (from, to, when, by whom, note), written with the
referral by `referrals.services.referral_status_set`.

Privacy: a referral is health information in itself (a referral to a detox program
discloses substance use): the rows are visible only to the clinical staff of the
referring provider (the owning agency) and of the agency that owns the receiving
service; police roles never see them. A referral to a service whose `part2_program` is
set identifies a person as applying for substance-use treatment at a Part 2 program, so
its status updates from that program are 42 CFR Part 2 information: they are audited
with the `part2` segment and pages show the section 2.32 notice with them.
"""

from django.conf import settings
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


S = ReferralStatus
TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.SENT: (S.ACCEPTED, S.DECLINED, S.UNABLE_TO_REACH),
    S.ACCEPTED: (S.ATTENDED, S.NO_SHOW, S.DECLINED, S.UNABLE_TO_REACH),
    S.NO_SHOW: (S.ACCEPTED,),
    S.UNABLE_TO_REACH: (S.ACCEPTED, S.DECLINED),
    S.ATTENDED: (),
    S.DECLINED: (),
}
OPEN_STATUSES = tuple(s for s, nexts in TRANSITIONS.items() if nexts)


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

    @property
    def next_statuses(self) -> tuple[str, ...]:
        return TRANSITIONS.get(self.status, ())

    def next_status_choices(self) -> list[tuple[str, str]]:
        return [(s, ReferralStatus(s).label) for s in self.next_statuses]


class ReferralEvent(SensitiveRecord):
    """One status change of a referral. The owning agency is the agency the actor acted
    for (the referring or the receiving provider); the note is clinical."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(
        max_length=20, choices=ReferralStatus.choices, blank=True, help_text="Blank when sent."
    )
    to_status = models.CharField(max_length=20, choices=ReferralStatus.choices)
    at = models.DateTimeField(db_index=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = segment(models.TextField(blank=True), CLINICAL)

    class Meta:
        ordering = ["at", "id"]

    @property
    def person_id(self) -> int:
        """The referral's person: consent to share the note is the person's."""
        return self.referral.person_id
