"""Data-sharing agreements between agencies: recording, ending and listing them.

An agreement is half of what lets one provider's clinical staff read another's
`clinical` or `part2` data; the person's consent is the other half (`policy.
shared_segments`). The regional administrator and the system administrator keep them
(Perm.MANAGE_PROGRAM); every change is audited.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from tandem.accounts.roles import Perm
from tandem.agencies.models import Agency, AgencyKind
from tandem.core.models import service_write
from tandem.privacy.models import AgreementDirection, DataSharingAgreement
from tandem.privacy.policy import POLICE_KINDS
from tandem.privacy.segments import CLINICAL, PART2, SAFETY
from tandem.privacy.services import audit_record

# What an agreement may cover. `safety` already reaches everyone sent to a call; an
# agreement may still record it. Psychotherapy notes and police records never cross.
AGREEMENT_SEGMENTS = {
    CLINICAL: "Clinical (mental-health assessments, notes, diagnoses)",
    PART2: "Part 2 (substance-use treatment information, 42 CFR part 2)",
    SAFETY: "Safety (what responders need to be safe)",
}
HEALTH = {CLINICAL, PART2}


def agreement_list() -> QuerySet:
    return DataSharingAgreement.objects.select_related(
        "disclosing_agency", "receiving_agency", "ended_by"
    ).order_by("-starts_on", "-id")


def agreement_get(agreement_id: int) -> DataSharingAgreement:
    found = agreement_list().filter(pk=agreement_id).first()
    if found is None:
        raise Http404("No such agreement.")
    return found


def _check_manager(actor) -> None:
    if not actor.has_perm_in(Perm.MANAGE_PROGRAM):
        raise PermissionDenied("Only program administrators keep data-sharing agreements.")


@transaction.atomic
def agreement_create(
    *,
    actor,
    disclosing_agency_id: int | str | None,
    receiving_agency_id: int | str | None,
    direction: str,
    segments: list[str],
    purpose: str,
    starts_on: dt.date | str | None,
    document_reference: str,
    ends_on: dt.date | str | None = None,
) -> DataSharingAgreement:
    _check_manager(actor)
    problems: dict[str, str] = {}
    disclosing = _agency(disclosing_agency_id, "disclosing_agency", problems)
    receiving = _agency(receiving_agency_id, "receiving_agency", problems)
    if disclosing and receiving and disclosing.pk == receiving.pk:
        problems["receiving_agency"] = "Choose an agency other than the disclosing agency."
    if direction not in AgreementDirection.values:
        problems["direction"] = "Choose whether the agreement works one way or both ways."
    covered = sorted(set(segments))
    if not covered:
        problems["segments"] = "Choose at least one kind of information the agreement covers."
    elif set(covered) - set(AGREEMENT_SEGMENTS):
        problems["segments"] = "Choose from clinical, Part 2 and safety."
    elif HEALTH & set(covered):
        receivers = (
            [receiving] if direction == AgreementDirection.ONE_WAY else [disclosing, receiving]
        )
        police = [a.name for a in receivers if a is not None and a.kind in POLICE_KINDS]
        if police:
            problems["segments"] = (
                f"{' and '.join(police)} may never receive clinical or Part 2 information: "
                "cover safety only."
            )
    if not purpose.strip():
        problems["purpose"] = "Say what the agreement is for."
    if not document_reference.strip():
        problems["document_reference"] = (
            "Say where the signed agreement is kept, for example its number or file."
        )
    start = _day(starts_on, "starts_on", problems, required=True)
    end = _day(ends_on, "ends_on", problems, required=False)
    if start and end and end < start:
        problems["ends_on"] = "The last day must be on or after the first day."
    if problems:
        raise ValidationError(problems)
    with service_write():
        agreement = DataSharingAgreement.objects.create(
            owning_agency=disclosing,
            created_by=actor,
            updated_by=actor,
            disclosing_agency=disclosing,
            receiving_agency=receiving,
            direction=direction,
            segments=covered,
            purpose=purpose.strip()[:300],
            starts_on=start,
            ends_on=end,
            document_reference=document_reference.strip()[:300],
        )
        audit_record(
            actor=actor,
            action="agreement_create",
            obj=agreement,
            segments=covered,
            reason=f"{disclosing.name} to {receiving.name}: {agreement.purpose}"[:300],
            legal_basis="Data-sharing agreement",
        )
    return agreement


@transaction.atomic
def agreement_end(*, actor, agreement_id: int, reason: str) -> DataSharingAgreement:
    """End an agreement now: sharing that rests on it stops on the next request."""
    _check_manager(actor)
    agreement = DataSharingAgreement.objects.select_for_update().filter(pk=agreement_id).first()
    if agreement is None:
        raise Http404("No such agreement.")
    now = timezone.now()
    if agreement.ended_at is not None:
        raise ValidationError({"reason": "This agreement has already been ended."})
    if agreement.ends_on is not None and agreement.ends_on < timezone.localdate(now):
        raise ValidationError({"reason": "This agreement has already run out."})
    if len(reason.strip()) < 5:
        raise ValidationError({"reason": "Say why the agreement ends (at least 5 characters)."})
    agreement.ended_at, agreement.ended_by = now, actor
    agreement.end_reason, agreement.updated_by = reason.strip()[:300], actor
    with service_write():
        agreement.save()
        audit_record(
            actor=actor,
            action="agreement_end",
            obj=agreement,
            segments=agreement.segments,
            reason=agreement.end_reason,
            legal_basis="Data-sharing agreement",
        )
    return agreement


def _agency(value, field: str, problems: dict) -> Agency | None:
    try:
        found = Agency.objects.filter(pk=int(value)).first() if value not in (None, "") else None
    except (TypeError, ValueError):
        found = None
    if found is None:
        problems[field] = "Choose an agency from the list."
    elif found.kind == AgencyKind.REGIONAL_ADMIN:
        problems[field] = "Choose a partner agency, not the regional administrator."
    return found


def _day(value, field: str, problems: dict, *, required: bool) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    text = (value or "").strip()
    if not text:
        if required:
            problems[field] = "Enter the date, for example 2026-01-31."
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        problems[field] = "Enter the date as year-month-day, for example 2026-01-31."
        return None
