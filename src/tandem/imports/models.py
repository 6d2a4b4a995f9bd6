"""Imports of CAD, crisis-team and jail exports: one run per file, its report and
rejected rows, and the jail bookings an import stores.

Neither `ImportRun` nor `RejectedRow` holds health data. A run's report counts
problems and names row numbers, field names, codes and timestamps; it never quotes a
narrative or any clinical column. A rejected row keeps only the raw values of the
fields in `profile.LISTABLE_FIELDS` (times, codes, priority; for bookings, the booking's
times and charge level), never the narrative, the address, a clinical value or a column
the profile does not map.
"""

from django.db import models

from tandem.core.models import Record, SensitiveRecord
from tandem.privacy.segments import CJI, CLINICAL, segment


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class ImportRun(Record):
    """One file imported (or checked, for a dry run) with one profile.

    The owning agency is the agency the person who started it acted for (for the
    command line without `--user`, the profile's agency); `target_agency` owns the calls.
    """

    source = models.CharField(max_length=40, help_text="The profile's source name.")
    profile = models.CharField(max_length=200, help_text="Profile name or file.")
    profile_label = models.CharField(max_length=200, blank=True)
    kind = models.CharField(
        max_length=16, blank=True, help_text="cad, crisis_team or jail_bookings."
    )
    filename = models.CharField(max_length=255)
    target_agency = models.ForeignKey(
        "agencies.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=16, choices=RunStatus.choices, default="queued")
    dry_run = models.BooleanField(default=False, help_text="Checked and reported, nothing written.")
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    rows_read = models.PositiveIntegerField(default=0)
    rows_created = models.PositiveIntegerField(default=0)
    rows_updated = models.PositiveIntegerField(default=0)
    rows_rejected = models.PositiveIntegerField(default=0)
    rows_flagged = models.PositiveIntegerField(
        default=0, help_text="Imported rows with at least one warning."
    )
    bh_calls = models.PositiveIntegerField(default=0)
    report = models.JSONField(
        default=dict, blank=True, help_text="Data-quality report per source and month."
    )
    error = models.TextField(blank=True, help_text="Why the file as a whole was not imported.")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.source}: {self.filename}"

    @property
    def rows_imported(self) -> int:
        return self.rows_created + self.rows_updated

    @property
    def finished(self) -> bool:
        return self.status in (RunStatus.DONE, RunStatus.FAILED)


class RejectedRow(Record):
    """A row of the file that was not imported, with every reason."""

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="rejected_rows")
    row = models.PositiveIntegerField(help_text="Row number as a spreadsheet shows it.")
    reasons = models.JSONField(default=list)
    values = models.JSONField(
        default=dict, blank=True, help_text="Raw times and codes of the row (no free text)."
    )

    class Meta:
        ordering = ["run", "row"]
        indexes = [models.Index(fields=["run", "row"])]


class ChargeLevel(models.TextChoices):
    FELONY = "felony", "Felony"
    MISDEMEANOR = "misdemeanor", "Misdemeanor"
    VIOLATION = "violation", "Violation or infraction"
    OTHER = "other", "Hold, warrant or other"


class SmiScreen(models.TextChoices):
    POSITIVE = "positive", "Screened positive"
    NEGATIVE = "negative", "Screened negative"


class SmiAssessment(models.TextChoices):
    SMI = "smi", "Serious mental illness"
    NOT_SMI = "not_smi", "No serious mental illness"


class JailBooking(SensitiveRecord):
    """One booking into jail, from the jail's export: what Stepping Up's four key
    measures count (people with serious mental illness booked, their length of stay,
    connection to treatment and return to jail).

    The owning agency is the jail (the sheriff's office). The person is known by a
    pseudonym of the jail's own number for them (`person_key`), and linked to a program
    person when the jail's number is one of that person's identifiers (system `jms`).
    A person has serious mental illness when the clinical assessment at booking says so
    (`smi_assessment`), the screening having led to it; both are clinical data, and so
    is the date the person was connected to treatment. The import writes these rows
    inside `service_write()`; nothing else changes them.
    """

    source_key = models.CharField(
        max_length=200,
        unique=True,
        help_text="import:<source>:<booking number>; importing again updates the booking.",
    )
    booking_number = models.CharField(max_length=40, help_text="The jail's booking number.")
    person_key = models.CharField(
        max_length=64,
        db_index=True,
        help_text="Pseudonym of the jail's number for the person (keyed hash): the same "
        "person has the same key in every import, and the number itself is not kept.",
    )
    person = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The program person whose identifiers hold the jail's number (system jms).",
    )
    booked_at = models.DateTimeField(db_index=True)
    released_at = models.DateTimeField(
        null=True, blank=True, help_text="Empty while held, or when the export's date was "
        "before the booking (a warning says so)."
    )  # fmt: skip
    jurisdiction = models.ForeignKey(
        "agencies.Jurisdiction",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Where the arrest was made, if the export says.",
    )
    charge_level = segment(
        models.CharField(
            max_length=16, choices=ChargeLevel.choices, blank=True, help_text="Most serious charge."
        ),
        CJI,
    )
    smi_screen = segment(
        models.CharField(
            max_length=16,
            choices=SmiScreen.choices,
            blank=True,
            help_text="Mental-health screening at booking; empty when not screened.",
        ),
        CLINICAL,
    )
    smi_assessment = segment(
        models.CharField(
            max_length=16,
            choices=SmiAssessment.choices,
            blank=True,
            help_text="Clinical assessment after the screening; empty when not assessed.",
        ),
        CLINICAL,
    )
    treatment_connected_on = segment(
        models.DateField(
            null=True,
            blank=True,
            help_text="When the person was connected to treatment (as the jail records it).",
        ),
        CLINICAL,
    )
    prior_booking = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The same person's booking before this one, for return to jail.",
    )
    run = models.ForeignKey(
        ImportRun,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        help_text="The import that wrote the booking last.",
    )
    row = models.PositiveIntegerField(default=0, help_text="Row of the file imported last.")
    warnings = models.JSONField(
        default=list, blank=True, help_text="Data-quality warnings of the row (no values)."
    )

    class Meta:
        ordering = ["-booked_at"]
        indexes = [models.Index(fields=["owning_agency", "person_key", "booked_at"])]

    def __str__(self) -> str:
        return f"booking {self.booking_number}"

    @property
    def smi(self) -> bool:
        return self.smi_assessment == SmiAssessment.SMI
