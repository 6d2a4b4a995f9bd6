"""Writes of the metrics app: the program's unit costs, loaded with the program file."""

from tandem.agencies.models import Agency
from tandem.metrics.costs import UnitCostsSpec
from tandem.metrics.models import UnitCosts


def unit_costs_set(*, administrator: Agency, spec: UnitCostsSpec, actor=None) -> str:
    """Store the program's unit costs; returns created, updated or unchanged.

    Called by `agencies.services.program_apply` inside its transaction, which writes the
    audit event for the whole program load.
    """
    values = spec.model_dump(mode="json")
    actor_id = getattr(actor, "pk", None)
    row = UnitCosts.objects.filter(owning_agency=administrator).first()
    if row is None:
        UnitCosts.objects.create(
            owning_agency=administrator,
            values=values,
            created_by_id=actor_id,
            updated_by_id=actor_id,
        )
        return "created"
    if row.values == values:
        return "unchanged"
    row.values = values
    row.updated_by_id = actor_id
    row.save()
    return "updated"
