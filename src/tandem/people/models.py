"""People in crisis and the identifiers each agency knows them by."""

from django.conf import settings
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


class PersonKey(Record):
    """A blocking key for matching at intake: people who share a key are candidates.

    Keys are derived data (a sound-alike family name with the date of birth, a canonical
    given name, a phone number ...): `people.services` writes them with the person and
    `tandem index-people` rebuilds them in bulk. `people.matching_keys` says how each
    kind is computed. The owning agency is the person's.
    """

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="keys")
    kind = models.CharField(max_length=4, help_text="Which key, for example fd, gd, ph.")
    value = models.CharField(max_length=120)

    class Meta:
        indexes = [models.Index(fields=["kind", "value"], name="person_key_lookup")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"


class LinkStatus(models.TextChoices):
    AUTO = "auto", "Linked automatically"
    REVIEW = "review", "Waiting for review"
    CONFIRMED = "confirmed", "Confirmed by a reviewer"
    REJECTED = "rejected", "Rejected by a reviewer"


class LinkageRun(Record):
    """One batch linkage over every agency's person records."""

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    records = models.PositiveIntegerField(default=0)
    auto_links = models.PositiveIntegerField(default=0)
    review_links = models.PositiveIntegerField(default=0)
    link_threshold = models.FloatField()
    review_threshold = models.FloatField()
    backend = models.CharField(max_length=16, default="duckdb")


class PersonLink(Record):
    """Two person records judged to be one person. Records are never merged: each stays
    with its agency, and undoing a link is a reviewer's rejection, kept for later runs.

    `person_a` has the lower id. The owning agency is the regional administrator.
    """

    person_a = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    person_b = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    probability = models.FloatField(help_text="Match probability from the last run.")
    status = models.CharField(max_length=12, choices=LinkStatus.choices)
    reason = models.CharField(
        max_length=120, blank=True, help_text="Why the run left the pair to a reviewer."
    )
    run = models.ForeignKey(
        LinkageRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="links"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person_a", "person_b"], name="person_link_once"),
            models.CheckConstraint(
                condition=models.Q(person_a__lt=models.F("person_b")), name="person_link_ordered"
            ),
        ]
        indexes = [models.Index(fields=["status", "probability"])]

    @property
    def differences(self) -> set[str]:
        """Which identifying fields the two records write differently."""
        a, b = self.person_a, self.person_b
        fields = {
            "name": (a.given_name.casefold(), a.family_name.casefold()),
            "date_of_birth": a.date_of_birth,
            "sex": a.sex,
            "address": a.address.casefold(),
        }
        other = {
            "name": (b.given_name.casefold(), b.family_name.casefold()),
            "date_of_birth": b.date_of_birth,
            "sex": b.sex,
            "address": b.address.casefold(),
        }
        return {
            name for name, value in fields.items() if value and other[name] and value != other[name]
        }

    @property
    def pair(self) -> tuple[Person, Person]:
        return (self.person_a, self.person_b)
