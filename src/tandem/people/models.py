"""People in crisis and the identifiers each agency knows them by."""

from django.db import models

from tandem.core.models import Record


class Person(Record):
    """One person as recorded by the owning agency. Linking across agencies never merges."""

    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    preferred_name = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    sex = models.CharField(
        max_length=1, blank=True, choices=[("F", "Female"), ("M", "Male"), ("X", "Other")]
    )
    phone = models.CharField(max_length=32, blank=True)
    address = models.CharField(max_length=300, blank=True)
    jurisdiction = models.ForeignKey(
        "agencies.Jurisdiction",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["family_name", "given_name"]
        indexes = [models.Index(fields=["family_name", "given_name"])]

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name}"


class PersonIdentifier(Record):
    """A person's number in one agency's system (RMS, EHR, jail booking)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="identifiers")
    system = models.CharField(max_length=40, help_text="For example rms, ehr, jms.")
    value = models.CharField(max_length=80)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["owning_agency", "system", "value"], name="identifier_unique_per_agency"
            )
        ]
