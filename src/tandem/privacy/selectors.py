"""Reads through the privacy gate. Every app's selectors end here."""

from django.db import models
from django.http import Http404

from tandem.privacy import policy
from tandem.privacy.segments import HEALTH_SEGMENTS, SAFETY, segmented_fields
from tandem.privacy.services import audit_record


def visible(actor, queryset: models.QuerySet) -> models.QuerySet:
    """Rows the actor may see, as a queryset for counting and further filtering."""
    return policy.scope(actor, queryset)


def summaries(
    actor, queryset: models.QuerySet, *, limit: int | None = 100, offset: int = 0
) -> list:
    """Visible rows for lists: `safety` fields kept (anyone who sees a row may read
    them); every other segmented field blanked and never loaded."""
    hidden = [n for n, s in segmented_fields(queryset.model).items() if s != SAFETY]
    rows = visible(actor, queryset).defer(*hidden)
    rows = rows[offset : offset + limit] if limit is not None else rows[offset:]
    return [policy.strip(row, keep=SAFETY) for row in rows]


def disclose(actor, record, *, reason: str = ""):
    """Redact a record for the actor and audit any health data it still carries."""
    disclosed = policy.redact(actor, record)
    if disclosed & HEALTH_SEGMENTS:
        audit_record(
            actor=actor,
            action="read",
            obj=record,
            person_id=policy.person_id_of(record),
            segments=disclosed & HEALTH_SEGMENTS,
            reason=reason or "treatment",
        )
    return record


def get_visible(actor, queryset: models.QuerySet, pk, *, reason: str = ""):
    """One record, redacted; 404 when missing and when not allowed, alike."""
    record = visible(actor, queryset).filter(pk=pk).first()
    if record is None:
        raise Http404("No such record.")
    return disclose(actor, record, reason=reason)


def disclose_all(actor, records, *, reason: str = "") -> list:
    return [disclose(actor, r, reason=reason) for r in records]


def audit_events(*, actor, limit: int = 100, offset: int = 0) -> list:
    """Audit events of the agencies the actor is privacy officer for."""
    from tandem.accounts.roles import Role
    from tandem.privacy.models import AuditEvent

    agencies = [
        m.owning_agency_id for m in actor.memberships_cached() if m.role == Role.PRIVACY_OFFICER
    ]
    rows = (
        AuditEvent.objects.filter(owning_agency__in=agencies)
        .select_related("actor", "owning_agency")
        .order_by("-at", "-id")
    )
    return list(rows[offset : offset + limit])
