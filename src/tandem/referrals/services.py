"""Writes of referrals. Each runs in one transaction with its status event and audit.

`referral_create` makes a referral from an encounter (the treating provider's clinical
staff only); `referral_status_set` moves it along `models.TRANSITIONS`, by the clinical
staff of either end (usually the receiving provider).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.http import Http404
from django.utils import timezone

from tandem.core.models import service_write
from tandem.directory.models import Service, ServiceStatus
from tandem.encounters.models import Encounter
from tandem.followups.services import followups_for_referral
from tandem.privacy import policy
from tandem.privacy.segments import CLINICAL, PART2
from tandem.privacy.services import audit_record
from tandem.referrals.models import TRANSITIONS, Referral, ReferralEvent, ReferralStatus


class ReferralError(ValueError):
    """A referral change that is not allowed; `field` names the input at fault."""

    def __init__(self, message: str, *, field: str = ""):
        super().__init__(message)
        self.field = field


def _segments(service: Service) -> set[str]:
    """A referral discloses health information; to a Part 2 program, Part 2 information."""
    segments = {str(CLINICAL)}
    if service.part2_program:
        segments.add(str(PART2))
    return segments


@transaction.atomic
def referral_create(
    *, actor, encounter_id: int, service_id: int, reason: str = "", at: dt.datetime | None = None
) -> Referral:
    """Refer the encounter's person to a directory service (status `sent`)."""
    actor_agencies = policy.actor_for(actor).clinical_agencies
    encounter = (
        Encounter.objects.select_related("person")
        .filter(pk=encounter_id, owning_agency__in=actor_agencies)
        .first()
    )
    if encounter is None:  # missing, or not this actor's treating provider: alike
        raise Http404("No such encounter.")
    if encounter.person_id is None:
        raise ReferralError(
            "This encounter has no person recorded; record who was seen before referring.",
            field="encounter",
        )
    service = Service.objects.filter(pk=service_id).first()
    if service is None:
        raise ReferralError("No such service in the directory.", field="service")
    if service.status != ServiceStatus.ACTIVE:
        raise ReferralError(
            f"{service.name} is {service.get_status_display().lower()}; choose an active service.",
            field="service",
        )
    now = at or timezone.now()
    with service_write():
        referral = Referral(
            owning_agency_id=encounter.owning_agency_id,
            encounter=encounter,
            person_id=encounter.person_id,
            service=service,
            status=ReferralStatus.SENT,
            sent_at=now,
            status_changed_at=now,
            reason=reason.strip(),
            created_by=actor,
            updated_by=actor,
        )
        referral.full_clean()
        referral.save()
        ReferralEvent.objects.create(
            owning_agency_id=encounter.owning_agency_id,
            referral=referral,
            from_status="",
            to_status=ReferralStatus.SENT,
            at=now,
            by=actor,
            created_by=actor,
            updated_by=actor,
        )
        audit_record(
            actor=actor,
            action="create",
            obj=referral,
            person_id=referral.person_id,
            segments=_segments(service),
            reason=f"referral to service {service.pk}",
            agency_id=encounter.owning_agency_id,
        )
    followups_for_referral(actor=actor, referral=referral)  # the program's follow-up rules
    return referral


def _acting_agency(actor, referral: Referral) -> int | None:
    """The end of the referral the actor works for, receiving end first."""
    agencies = policy.actor_for(actor).clinical_agencies
    for agency_id in (referral.service.owning_agency_id, referral.owning_agency_id):
        if agency_id in agencies:
            return agency_id
    return None


def transition_error(current: str, new: str) -> str | None:
    """Why `current` cannot become `new`, or None if it can."""
    allowed = TRANSITIONS.get(current, ())
    if new in allowed:
        return None
    if new not in ReferralStatus.values:
        return f"{new!r} is not a referral status; expected one of {', '.join(allowed)}."
    was, wanted = ReferralStatus(current).label, ReferralStatus(new).label
    if not allowed:
        return f"The referral is {was.lower()}, which is final; it cannot become {wanted}."
    labels = [ReferralStatus(s).label for s in allowed]
    choices = " or ".join([", ".join(labels[:-1]), labels[-1]] if len(labels) > 1 else labels)
    return f"A referral that is {was.lower()} can become {choices}, not {wanted}."


@transaction.atomic
def referral_status_set(
    *,
    actor,
    referral_id: int,
    status: str,
    note: str = "",
    expected: str | None = None,
    at: dt.datetime | None = None,
) -> Referral:
    """Move a referral to `status`, recording who, when and why.

    `expected` is the status the actor saw: if someone else changed it meanwhile the
    change is refused rather than applied on top.
    """
    referral = (
        Referral.objects.select_for_update()
        .select_related("service")
        .filter(pk__in=policy.scope(actor, Referral.objects.all()).values("pk"))
        .filter(pk=referral_id)
        .first()
    )
    agency_id = _acting_agency(actor, referral) if referral is not None else None
    if referral is None or agency_id is None:
        raise Http404("No such referral.")
    if expected is not None and expected != referral.status:
        raise ReferralError(
            "Someone changed this referral meanwhile: it is now "
            f"{referral.get_status_display().lower()}. Check it and try again.",
            field="status",
        )
    if problem := transition_error(referral.status, status):
        raise ReferralError(problem, field="status")
    now = at or timezone.now()
    with service_write():
        ReferralEvent.objects.create(
            owning_agency_id=agency_id,
            referral=referral,
            from_status=referral.status,
            to_status=status,
            at=now,
            by=actor,
            note=note.strip(),
            created_by=actor,
            updated_by=actor,
        )
        referral.status = status
        referral.status_changed_at = now
        referral.updated_by = actor
        referral.save()
        audit_record(
            actor=actor,
            action="update",
            obj=referral,
            person_id=referral.person_id,
            segments=_segments(referral.service),
            reason=f"referral status {status}",
            agency_id=agency_id,
        )
    return referral
