"""Imports of CAD and crisis-team exports: one run per file, its report and rejected rows.

Neither model holds health data. A run's report counts problems and names row numbers,
field names, codes and timestamps; it never quotes a narrative or any clinical column.
A rejected row keeps only the raw values of the fields in `profile.LISTABLE_FIELDS`
(times, codes, priority), never the narrative, the address or a column the profile
does not map.
"""

from django.db import models

from tandem.core.models import Record


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
    kind = models.CharField(max_length=16, blank=True, help_text="cad or crisis_team.")
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
