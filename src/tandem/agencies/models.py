"""Agencies, the places they serve, and the teams (units) they field."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from tandem.core.models import Record


class AgencyKind(models.TextChoices):
    POLICE = "police", "Police department"
    BEHAVIORAL_HEALTH = "behavioral_health", "Behavioral-health provider"
    EMS = "ems", "Emergency medical services"
    FIRE = "fire", "Fire department"
    PSAP = "psap", "911 center"
    HOSPITAL = "hospital", "Hospital"
    JAIL = "jail", "Jail"
    REGIONAL_ADMIN = "regional_admin", "Regional administrator"


class Agency(models.Model):
    """A partner organisation. Agencies are the owners of every other record."""

    code = models.SlugField(max_length=40, unique=True, help_text="Short stable identifier.")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=32, choices=AgencyKind.choices)
    ori = models.CharField(
        max_length=9, blank=True, help_text="FBI Originating Agency Identifier (police)."
    )
    part2_program = models.BooleanField(
        default=False,
        help_text="Holds itself out as providing substance-use treatment (42 CFR Part 2).",
    )
    owning_agency = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Administrator that registered the agency; blank for the administrator.",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name_plural = "agencies"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_police(self) -> bool:
        return self.kind == AgencyKind.POLICE


class JurisdictionKind(models.TextChoices):
    CITY = "city", "City"
    TOWN = "town", "Town"
    COUNTY = "county", "County (unincorporated)"


class Jurisdiction(Record):
    """A city or town; its police agency is the owning agency."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=JurisdictionKind.choices)
    population = models.PositiveIntegerField(null=True, blank=True)
    latitude = models.FloatField(help_text="Centroid latitude (WGS 84).")
    longitude = models.FloatField(help_text="Centroid longitude (WGS 84).")
    radius_km = models.FloatField(default=5.0, help_text="Approximate radius for addresses.")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ProgramModel(models.TextChoices):
    RIDE_ALONG = "ride_along", "Embedded ride-along (officer and clinician together)"
    ON_CALL = "on_call", "On-call clinician (requested by an officer on scene)"
    CLINICIAN_ONLY = "clinician_only", "Clinician-only team"
    NAVIGATOR = "navigator", "Navigator / follow-up"
    FLOATER = "floater", "Floater clinician for several jurisdictions"
    TELEHEALTH = "telehealth", "Tele-behavioral-health (remote clinician)"


PROGRAM_SHORT = {
    ProgramModel.RIDE_ALONG: "Ride-along",
    ProgramModel.ON_CALL: "On-call clinician",
    ProgramModel.CLINICIAN_ONLY: "Clinician-only",
    ProgramModel.NAVIGATOR: "Navigator",
    ProgramModel.FLOATER: "Floater",
    ProgramModel.TELEHEALTH: "Tele-health",
}


class UnitStatus(models.TextChoices):
    AVAILABLE = "available", "Available"
    ASSIGNED = "assigned", "Assigned"
    EN_ROUTE = "en_route", "En route"
    ON_SCENE = "on_scene", "On scene"
    TRANSPORTING = "transporting", "Transporting"
    OUT_OF_SERVICE = "out_of_service", "Out of service"


# Statuses in which a team is committed to a call.
BUSY_STATUSES = frozenset(
    {UnitStatus.ASSIGNED, UnitStatus.EN_ROUTE, UnitStatus.ON_SCENE, UnitStatus.TRANSPORTING}
)


class Team(Record):
    """A unit that can be dispatched: a car, a clinician, a navigator pair."""

    code = models.SlugField(max_length=40, unique=True)
    call_sign = models.CharField(max_length=40)
    name = models.CharField(max_length=200)
    program_model = models.CharField(max_length=24, choices=ProgramModel.choices)
    clinical_agency = models.ForeignKey(
        Agency,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Behavioral-health provider employing the team's clinicians; it owns "
        "the clinical record of the team's encounters.",
    )
    coverage = models.ManyToManyField(Jurisdiction, related_name="teams", blank=True)
    status = models.CharField(
        max_length=20,
        choices=UnitStatus.choices,
        default=UnitStatus.AVAILABLE,
        help_text="Unit status set by dispatch; whether the team is on duty comes from its shifts.",
    )
    status_since = models.DateTimeField(default=timezone.now)
    base_latitude = models.FloatField(null=True, blank=True)
    base_longitude = models.FloatField(null=True, blank=True)
    requires_certification = models.CharField(
        max_length=80,
        blank=True,
        help_text="Certification every member must hold (for example CIT), if any.",
    )

    class Meta:
        ordering = ["call_sign"]

    def __str__(self) -> str:
        return f"{self.call_sign} ({self.name})"

    @property
    def program_short(self) -> str:
        return PROGRAM_SHORT[self.program_model]


class TeamRole(models.TextChoices):
    OFFICER = "officer", "Officer"
    CLINICIAN = "clinician", "Clinician"
    NAVIGATOR = "navigator", "Navigator"
    PEER = "peer", "Peer specialist"
    EMT = "emt", "EMT / paramedic"


class TeamMember(Record):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="team_memberships"
    )
    role = models.CharField(max_length=16, choices=TeamRole.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "user"], name="team_member_once")]


class ScheduleKind(models.TextChoices):
    STAFFED = "staffed", "Staffed (dispatchable)"
    ON_CALL = "on_call", "On call (reachable by phone, responds on request)"


class Shift(Record):
    """A weekly block when a team is staffed or on call. end < start wraps past midnight."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="shifts")
    weekday = models.PositiveSmallIntegerField(help_text="0 = Monday ... 6 = Sunday.")
    start = models.TimeField()
    end = models.TimeField(help_text="Equal to start means 24 hours.")
    kind = models.CharField(max_length=16, choices=ScheduleKind.choices, default="staffed")
    on_call_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Clinician carrying the phone for an on-call block.",
    )

    class Meta:
        ordering = ["team", "weekday", "start"]


class CodeList(models.TextChoices):
    CALL_TYPE = "call_type", "Local call type"
    DISPOSITION = "disposition", "Encounter disposition"


class Code(Record):
    """A program's local code, mapped to the standard value Tandem reports on."""

    list = models.CharField(max_length=24, choices=CodeList.choices)
    code = models.CharField(max_length=80)
    label = models.CharField(max_length=200)
    standard = models.CharField(
        max_length=40,
        blank=True,
        help_text="Standard value: an APCO incident type for call types, a disposition code.",
    )
    behavioral_health = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["owning_agency", "list", "code"], name="code_unique_per_list"
            )
        ]
        ordering = ["list", "code"]
