"""Reads of referrals, through the privacy gate.

The referring provider sees the referrals it made; the receiving provider (the agency
owning the service) sees those made to its services; police roles see none
(`privacy.policy.scope`). The reason and the status notes are clinical: from the other
end they are shown only under the person's consent, like any clinical field.
"""

from django.db.models import QuerySet

from tandem.accounts.roles import Perm
from tandem.privacy import policy
from tandem.privacy import selectors as gate
from tandem.referrals.models import OPEN_STATUSES, Referral, ReferralEvent

# Who makes referrals and records their progress: clinicians, navigators, supervisors
# (scope and the services then keep it to the clinical staff of either end).
REFER_PERMISSION = Perm.WORK_FOLLOWUPS

_RELATED = ("service__owning_agency", "service__organization", "person", "owning_agency")


def _rows(
    *, actor, direction: str = "", status: str = "", encounter_id: int | None = None
) -> QuerySet:
    rows = Referral.objects.select_related(*_RELATED)
    agencies = policy.actor_for(actor).clinical_agencies
    if direction == "incoming":
        rows = rows.filter(service__owning_agency__in=agencies)
    elif direction == "outgoing":
        rows = rows.filter(owning_agency__in=agencies)
    if status == "open":
        rows = rows.filter(status__in=OPEN_STATUSES)
    elif status:
        rows = rows.filter(status=status)
    if encounter_id is not None:
        rows = rows.filter(encounter_id=encounter_id)
    return rows


def referral_list(
    *,
    actor,
    direction: str = "",
    status: str = "",
    encounter_id: int | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[Referral]:
    """Referrals for lists (clinical fields blanked). `direction`: "incoming" (to the
    actor's agencies' services), "outgoing" (made by them) or "" (both); `status`: a
    status, "open" (not final) or "" (all)."""
    rows = _rows(actor=actor, direction=direction, status=status, encounter_id=encounter_id)
    return gate.summaries(actor, rows, limit=limit, offset=offset)


def referral_get(*, actor, referral_id: int) -> Referral:
    return gate.get_visible(actor, Referral.objects.select_related(*_RELATED), referral_id)


def referral_events(*, actor, referral: Referral) -> list[ReferralEvent]:
    """The status history, oldest first, each note through the gate."""
    rows = ReferralEvent.objects.filter(referral_id=referral.pk).select_related(
        "by", "owning_agency", "referral"
    )
    return gate.disclose_all(actor, list(gate.visible(actor, rows)))


def can_update(*, actor, referral: Referral) -> bool:
    """Clinical staff of either end may record a status change."""
    agencies = policy.actor_for(actor).clinical_agencies
    return bool(agencies & {referral.owning_agency_id, referral.service.owning_agency_id})


def is_clinical_staff(actor) -> bool:
    """Referral pages exist only for clinical staff of a behavioral-health agency (a
    police supervisor holds the same role name, and must not even see an empty list)."""
    return bool(policy.actor_for(actor).clinical_agencies)


def can_refer_from(*, actor, encounter) -> bool:
    """Only the treating provider's clinical staff refer from an encounter."""
    return encounter.owning_agency_id in policy.actor_for(actor).clinical_agencies
