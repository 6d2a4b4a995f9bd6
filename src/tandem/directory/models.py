"""The service directory, after Open Referral HSDS 3.0.

One table per HSDS object Tandem supports: organization (with its identifiers), service,
location (with addresses), service_at_location, schedule, phone, taxonomy, taxonomy_term
and attribute (the link that tags a service with a term). Field names are HSDS's; the
HSDS `id` (a UUID) is `hsds_id`, because Django's `id` is the row's own key, and import
is idempotent on it. `directory.hsds` maps to and from HSDS JSON.

Nothing here is health information: the directory is public. A *referral* to a service
is, and lives in `referrals`.

`Service` predates the HSDS tables: `organization_name`, `address`, `phone` and `hours`
stay as one-line summaries (the import fills them from the HSDS objects) so pages and
the synthetic history can show a service without joins; `eligibility` is HSDS's
`eligibility_description`; `category` is the Tandem need (a term of the Tandem
taxonomy, see `hsds.TANDEM_NEEDS`) and `part2_program` is the Tandem flag term.
"""

import uuid

from django.db import models

from tandem.core.models import Record


class ServiceCategory(models.TextChoices):
    CRISIS_STABILIZATION = "crisis_stabilization", "Crisis stabilization"
    DETOX = "detox", "Detox / withdrawal management"
    OUTPATIENT_MH = "outpatient_mh", "Outpatient mental health"
    PEER_SUPPORT = "peer_support", "Peer support"
    HOUSING = "housing", "Housing"
    VETERANS = "veterans", "Veterans"
    YOUTH = "youth", "Youth"
    SUD_TREATMENT = "sud_treatment", "Substance-use treatment"


class ServiceStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    INACTIVE = "inactive", "Inactive"
    DEFUNCT = "defunct", "Defunct"
    TEMPORARILY_CLOSED = "temporarily closed", "Temporarily closed"


class LocationType(models.TextChoices):
    PHYSICAL = "physical", "Physical"
    POSTAL = "postal", "Postal"
    VIRTUAL = "virtual", "Virtual"


def _hsds_id():
    return models.UUIDField(default=uuid.uuid4, unique=True, help_text="HSDS `id`.")


class Organization(Record):
    """HSDS organization: who provides services."""

    hsds_id = _hsds_id()
    name = models.CharField(max_length=200)
    alternate_name = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    email = models.CharField(max_length=200, blank=True)
    website = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OrganizationIdentifier(Record):
    """HSDS organization_identifier. Scheme `tandem-agency` names the Tandem agency (by
    code) that is this organization and owns its directory entries."""

    hsds_id = _hsds_id()
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="identifiers"
    )
    identifier_scheme = models.CharField(max_length=100, blank=True)
    identifier_type = models.CharField(max_length=100)
    identifier = models.CharField(max_length=200)


class Service(Record):
    """A service offered by an organisation; the owning agency maintains the entry."""

    hsds_id = _hsds_id()
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="services"
    )
    name = models.CharField(max_length=200)
    alternate_name = models.CharField(max_length=200, blank=True)
    organization_name = models.CharField(
        max_length=200, help_text="The organization's name, kept with the service for lists."
    )
    description = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    email = models.CharField(max_length=200, blank=True)
    category = models.CharField(
        max_length=32,
        choices=ServiceCategory.choices,
        blank=True,
        help_text="The Tandem need the service meets (a Tandem taxonomy term).",
    )
    status = models.CharField(max_length=24, choices=ServiceStatus.choices, default="active")
    application_process = models.TextField(blank=True)
    fees_description = models.TextField(blank=True)
    address = models.CharField(max_length=300, blank=True, help_text="One-line summary.")
    phone = models.CharField(max_length=32, blank=True, help_text="Main number, for lists.")
    hours = models.CharField(max_length=200, blank=True, help_text="One-line summary.")
    minimum_age = models.PositiveSmallIntegerField(null=True, blank=True)
    maximum_age = models.PositiveSmallIntegerField(null=True, blank=True)
    eligibility = models.TextField(blank=True, help_text="HSDS `eligibility_description`.")
    part2_program = models.BooleanField(
        default=False, help_text="Referrals here disclose substance-use treatment (Part 2)."
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Location(Record):
    """HSDS location: where services are delivered (or a virtual location)."""

    hsds_id = _hsds_id()
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="locations"
    )
    location_type = models.CharField(max_length=16, choices=LocationType.choices)
    name = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    transportation = models.TextField(blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name or str(self.hsds_id)


class Address(Record):
    """HSDS address of a location."""

    hsds_id = _hsds_id()
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="addresses")
    address_1 = models.CharField(max_length=200)
    address_2 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100)
    state_province = models.CharField(max_length=100)
    postal_code = models.CharField(max_length=20)
    country = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2.")
    address_type = models.CharField(max_length=16, choices=LocationType.choices)

    def __str__(self) -> str:
        return f"{self.address_1}, {self.city}"


class ServiceAtLocation(Record):
    """HSDS service_at_location: a service delivered at a location."""

    hsds_id = _hsds_id()
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="at_locations")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="services_here")
    description = models.TextField(blank=True)


class Schedule(Record):
    """HSDS schedule, the iCal-like subset `directory.hours` evaluates.

    `opens_at`/`closes_at` are wall-clock times in the program's time zone. A schedule
    whose closing time is not after its opening time runs past midnight; equal times
    (or 00:00 to 23:59) mean open all day on each of `byday`.
    """

    hsds_id = _hsds_id()
    service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.CASCADE, related_name="schedules"
    )
    location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.CASCADE, related_name="schedules"
    )
    service_at_location = models.ForeignKey(
        ServiceAtLocation,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="schedules",
    )
    freq = models.CharField(max_length=8, blank=True, help_text="WEEKLY or MONTHLY.")
    byday = models.CharField(max_length=40, blank=True, help_text="For example MO,TU,WE.")
    opens_at = models.TimeField(null=True, blank=True)
    closes_at = models.TimeField(null=True, blank=True)
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)
    description = models.TextField(blank=True)
    notes = models.TextField(blank=True)


class Phone(Record):
    """HSDS phone of a service or a location."""

    hsds_id = _hsds_id()
    service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.CASCADE, related_name="phones"
    )
    location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.CASCADE, related_name="phones"
    )
    number = models.CharField(max_length=40)
    extension = models.PositiveIntegerField(null=True, blank=True)
    type = models.CharField(max_length=20, blank=True, help_text="text, voice, fax, ...")
    description = models.TextField(blank=True)


class Taxonomy(Record):
    """HSDS taxonomy: a vocabulary of terms (Tandem's needs, 211 LA, ...)."""

    hsds_id = _hsds_id()
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    uri = models.CharField(max_length=300, blank=True)
    version = models.CharField(max_length=40, blank=True)

    class Meta:
        verbose_name_plural = "taxonomies"

    def __str__(self) -> str:
        return self.name


class TaxonomyTerm(Record):
    """HSDS taxonomy_term."""

    hsds_id = _hsds_id()
    taxonomy = models.ForeignKey(
        Taxonomy, null=True, blank=True, on_delete=models.PROTECT, related_name="terms"
    )
    code = models.CharField(max_length=100, blank=True, db_index=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    language = models.CharField(max_length=8, blank=True)
    term_uri = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Attribute(Record):
    """HSDS attribute: tags a service with a taxonomy term (`link_entity` "service")."""

    hsds_id = _hsds_id()
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="attributes")
    taxonomy_term = models.ForeignKey(
        TaxonomyTerm, on_delete=models.PROTECT, related_name="attributes"
    )
    link_type = models.CharField(max_length=100, blank=True)
    value = models.CharField(max_length=300, blank=True)
