"""Program settings the metrics read: the unit costs and counterfactual assumptions."""

from django.db import models

from tandem.core.models import Record


class UnitCosts(Record):
    """The program file's `unit_costs:` section as loaded (`metrics.costs.UnitCostsSpec`).

    One row per program; the owning agency is the regional administrator.
    """

    values = models.JSONField(
        default=dict, help_text="Unit costs and assumptions, each low / expected / high."
    )

    class Meta:
        verbose_name_plural = "unit costs"
        constraints = [
            models.UniqueConstraint(fields=["owning_agency"], name="unit_costs_once_per_program")
        ]
