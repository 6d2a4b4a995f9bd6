"""Services people are referred to (shaped after Open Referral HSDS)."""

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


class Service(Record):
    """A service offered by an organisation; the owning agency maintains the entry."""

    name = models.CharField(max_length=200)
    organization_name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    category = models.CharField(max_length=32, choices=ServiceCategory.choices)
    status = models.CharField(max_length=24, default="active")
    address = models.CharField(max_length=300, blank=True)
    phone = models.CharField(max_length=32, blank=True)
    hours = models.CharField(max_length=200, blank=True)
    minimum_age = models.PositiveSmallIntegerField(null=True, blank=True)
    maximum_age = models.PositiveSmallIntegerField(null=True, blank=True)
    eligibility = models.TextField(blank=True)
    part2_program = models.BooleanField(
        default=False, help_text="Referrals here disclose substance-use treatment (Part 2)."
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
