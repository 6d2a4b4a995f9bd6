"""Writes of the privacy app: the audit trail."""

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from tandem.privacy.chain import seal
from tandem.privacy.models import AuditEvent


def audit_record(
    *,
    actor,
    action: str,
    obj=None,
    person_id: int | None = None,
    segments: Iterable[str] = (),
    reason: str = "",
    legal_basis: str = "",
    agency_id: int | None = None,
) -> AuditEvent:
    """Append one audit event. Call it inside the transaction of the change it records."""
    membership = actor.primary_membership if actor is not None and actor.is_authenticated else None
    owning = agency_id or (membership.owning_agency_id if membership else None)
    if owning is None and obj is not None:
        owning = getattr(obj, "owning_agency_id", None)
    if owning is None:
        raise ValueError("an audit event needs the agency the actor acted for")
    user = actor if actor is not None and actor.is_authenticated else None
    event = AuditEvent(
        at=timezone.now(),
        owning_agency_id=owning,
        created_by=user,
        actor=user,
        actor_role=membership.role if membership else "",
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        person_id=person_id,
        record_agency_id=getattr(obj, "owning_agency_id", None) if obj is not None else None,
        segments=",".join(sorted(segments)),
        reason=reason[:300],
        legal_basis=legal_basis[:120],
    )
    with transaction.atomic():
        seal(event)
        event.save()
    return event
