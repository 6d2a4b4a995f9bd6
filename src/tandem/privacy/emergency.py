"""Break-the-glass: opening a person's records in an emergency, for a limited time.

A clinician or clinical supervisor states the legal basis, the nature of the emergency
and why the records are needed; for `EMERGENCY_MINUTES` they may then read the records
of that person (and of every record linked to them) as the treating provider's staff
would, within what the basis allows. Each opening is audited with its basis, notifies
the privacy officers of the recipient's agency and of the agencies whose records were
opened, and waits in the privacy officer's review queue until reviewed.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from tandem.accounts.roles import Role
from tandem.agencies.models import Agency, AgencyKind
from tandem.privacy.models import EmergencyAccess, EmergencyBasis
from tandem.privacy.segments import CLINICAL, PART2
from tandem.privacy.services import audit_record

EMERGENCY_MINUTES = 60
OPENERS = {Role.CLINICIAN, Role.SUPERVISOR}
SEGMENTS_BY_BASIS = {
    EmergencyBasis.MEDICAL_EMERGENCY: frozenset({CLINICAL, PART2}),
    EmergencyBasis.SERIOUS_THREAT: frozenset({CLINICAL}),
}


def _opener_membership(user):
    """The user's membership as a clinician or clinical supervisor of a provider, if any."""
    return next(
        (
            m
            for m in user.memberships_cached()
            if m.role in OPENERS and m.owning_agency.kind == AgencyKind.BEHAVIORAL_HEALTH
        ),
        None,
    )


def may_open(user) -> bool:
    """Clinicians and clinical supervisors of a behavioral-health provider."""
    return _opener_membership(user) is not None


def _privacy_officer_agencies(user) -> set[int]:
    """Agencies for which the user reviews privacy (holds VIEW_AUDIT there)."""
    from tandem.accounts.roles import ROLE_PERMISSIONS, Perm

    return {
        m.owning_agency_id
        for m in user.memberships_cached()
        if Perm.VIEW_AUDIT in ROLE_PERMISSIONS[m.role]
    }


@transaction.atomic
def emergency_access_open(
    *, actor, person_id: int, legal_basis: str, nature_of_emergency: str, reason: str
) -> EmergencyAccess:
    from tandem.people.models import Person
    from tandem.people.selectors import linked_ids
    from tandem.privacy.selectors import visible

    membership = _opener_membership(actor)
    if membership is None:
        raise PermissionDenied("Only clinicians and clinical supervisors may open records.")
    if not visible(actor, Person.objects.filter(pk=person_id)).exists():
        raise PermissionDenied("Emergency access starts from a person you can see.")
    problems = {}
    if legal_basis not in EmergencyBasis.values:
        problems["legal_basis"] = "Choose the legal basis for this access."
    if len(nature_of_emergency.strip()) < 10:
        problems["nature_of_emergency"] = "Describe the emergency (at least 10 characters)."
    if len(reason.strip()) < 10:
        problems["reason"] = "Say why you need these records now (at least 10 characters)."
    if problems:
        raise ValidationError(problems)
    holders = (
        Agency.objects.filter(pk__in=_holding_agencies(linked_ids(person_id)))
        .exclude(pk=membership.owning_agency_id)
        .order_by("name")
    )
    now = timezone.now()
    access = EmergencyAccess.objects.create(
        owning_agency_id=membership.owning_agency_id,
        created_by=actor,
        updated_by=actor,
        recipient=actor,
        recipient_affiliation=membership.owning_agency.name,
        person_id=person_id,
        legal_basis=legal_basis,
        nature_of_emergency=nature_of_emergency.strip(),
        reason=reason.strip(),
        disclosed_by="; ".join(a.name for a in holders)[:300] or membership.owning_agency.name,
        started_at=now,
        expires_at=now + timedelta(minutes=EMERGENCY_MINUTES),
    )
    access.disclosing_agencies.set(holders)
    actor.__dict__.pop("_emergency_people", None)  # the policy's per-request view of it
    audit_record(
        actor=actor,
        action="emergency_access",
        obj=access,
        person_id=person_id,
        segments=SEGMENTS_BY_BASIS[legal_basis],
        reason=f"{nature_of_emergency.strip()} — {reason.strip()}",
        legal_basis=EmergencyBasis(legal_basis).label,
    )
    _notify_privacy_officers(
        access, [membership.owning_agency_id, *holders.values_list("pk", flat=True)]
    )
    return access


def _holding_agencies(person_ids: set[int]) -> set[int]:
    from tandem.encounters.models import Encounter
    from tandem.people.models import Person

    owners = set(
        Person.objects.filter(pk__in=person_ids).values_list("owning_agency_id", flat=True)
    )
    owners |= set(
        Encounter._base_manager.filter(person_id__in=person_ids).values_list(
            "owning_agency_id", flat=True
        )
    )
    return owners


def _notify_privacy_officers(access: EmergencyAccess, agency_ids) -> None:
    """Tell each affected agency's privacy officers; no health detail in the message."""
    from tandem.privacy.notify import privacy_officers_notify

    at = timezone.localtime(access.started_at)
    privacy_officers_notify(
        agency_ids=set(agency_ids),
        subject="Emergency access to review",
        body=(
            f"{access.recipient.get_full_name() or access.recipient.get_username()} "
            f"({access.recipient_affiliation}) opened records of person {access.person_id} "
            f"under {access.get_legal_basis_display()} at {at:%Y-%m-%d %H:%M}. "
            "Review it in Tandem: Privacy > Emergency access."
        ),
    )


def active_person_ids(user) -> dict[int, frozenset[str]]:
    """Person id -> segments opened, for the user's unexpired emergency accesses.

    Kept on the user object for the request, as the policy asks many times per page.
    """
    cached = getattr(user, "_emergency_people", None)
    if cached is not None:
        return cached
    from tandem.people.selectors import linked_ids

    opened: dict[int, frozenset[str]] = {}
    if user.is_authenticated and may_open(user):
        accesses = EmergencyAccess.objects.filter(recipient=user, expires_at__gt=timezone.now())
        for access in accesses:
            segments = SEGMENTS_BY_BASIS[access.legal_basis]
            for pid in linked_ids(access.person_id):
                opened[pid] = opened.get(pid, frozenset()) | segments
    user._emergency_people = opened
    return opened


@transaction.atomic
def emergency_access_review(*, actor, access_id: int, note: str) -> EmergencyAccess:
    if not review_queue(actor=actor).filter(pk=access_id).exists():
        raise PermissionDenied("Only a privacy officer of an agency concerned reviews it.")
    access = EmergencyAccess.objects.select_for_update().get(pk=access_id)
    if access.reviewed_at is not None:
        raise ValidationError({"note": "This access was already reviewed."})
    if len(note.strip()) < 5:
        raise ValidationError({"note": "Write what the review found (at least 5 characters)."})
    access.reviewed_by, access.reviewed_at = actor, timezone.now()
    access.review_note, access.updated_by = note.strip(), actor
    access.save()
    audit_record(
        actor=actor,
        action="emergency_access_review",
        obj=access,
        person_id=access.person_id,
        reason=note.strip()[:300],
    )
    return access


def review_queue(*, actor):
    """Emergency accesses a privacy officer answers for: by or from their agencies."""
    from django.db.models import Q

    agencies = _privacy_officer_agencies(actor)
    return (
        EmergencyAccess.objects.filter(
            Q(owning_agency__in=agencies) | Q(disclosing_agencies__in=agencies)
        )
        .select_related("recipient", "reviewed_by")
        .distinct()
        .order_by("reviewed_at", "-started_at")
    )
