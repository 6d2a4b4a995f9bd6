"""Reads of crisis plans, through the privacy gate.

Rows come from `privacy.policy` (the provider's staff, and members of a team assigned to
a call about the person). On top of that, anyone who may not read the plan's clinical
part (every police role, other providers without consent) sees approved plans only:
a draft's safety facts are not yet vouched for by a supervisor.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.http import Http404
from django.utils import timezone

from tandem.plans.models import IN_PROGRESS, CrisisPlan, PlanStatus
from tandem.privacy import selectors as gate
from tandem.privacy.policy import actor_for

# Plans whose review falls due within this many days are listed as due.
REVIEW_WINDOW_DAYS = 30


def _for_actor(actor, plans):
    """Approved plans only, except at a provider where the actor is clinical staff."""
    rows = gate.visible(actor, plans)
    mine = actor_for(actor).clinical_agencies
    return rows.filter(status=PlanStatus.APPROVED) | rows.filter(owning_agency__in=mine)


def plan_get(*, actor, plan_id: int) -> CrisisPlan:
    """One plan, redacted for the actor (and audited when clinical text is disclosed)."""
    plan = (
        _for_actor(actor, CrisisPlan.objects.all())
        .select_related("person", "author", "approved_by", "owning_agency")
        .filter(pk=plan_id)
        .first()
    )
    if plan is None:
        raise Http404("No such plan.")
    return gate.disclose(actor, plan, reason="crisis plan")


def plans_of_person(*, actor, person_id: int) -> list[CrisisPlan]:
    """Every version the actor may see, newest first, as summaries (no clinical text)."""
    rows = _for_actor(actor, CrisisPlan.objects.filter(person_id=person_id)).select_related(
        "owning_agency"
    )
    return gate.summaries(actor, rows.order_by("-version"), limit=None)


def safety_for_call(*, actor, call) -> CrisisPlan | None:
    """The approved plan of the call's subject, with its safety part only (officers are
    shown this when assigned); None when there is none the actor may see."""
    if call.subject_id is None:
        return None
    rows = CrisisPlan.objects.filter(person_id=call.subject_id, status=PlanStatus.APPROVED)
    found = gate.summaries(actor, rows.order_by("-approved_at"), limit=1)
    return found[0] if found else None


@dataclass(frozen=True)
class PlanStatusInfo:
    plan_id: int
    status: str
    label: str
    review_overdue: bool


def plan_status_for(*, actor, person_ids: list[int]) -> dict[int, PlanStatusInfo]:
    """Person id -> the status of their current plan, in one query (for lists).

    An approved plan wins over one in progress; people without a plan are left out.
    """
    rows = (
        _for_actor(actor, CrisisPlan.objects.filter(person_id__in=person_ids))
        .filter(status__in=(PlanStatus.APPROVED, *IN_PROGRESS))
        .values_list("pk", "person_id", "status", "review_due")
    )
    today = timezone.localdate()
    labels = dict(PlanStatus.choices)
    result: dict[int, PlanStatusInfo] = {}
    for pk, person_id, status, review_due in rows:
        known = result.get(person_id)
        if known is not None and known.status == PlanStatus.APPROVED:
            continue
        overdue = status == PlanStatus.APPROVED and review_due is not None and review_due < today
        result[person_id] = PlanStatusInfo(pk, status, labels[status], overdue)
    return result


def plans_in_progress(*, actor) -> dict[str, list[CrisisPlan]]:
    """The actor's provider's plans being written, and those waiting for a decision."""
    mine = actor_for(actor).clinical_agencies
    rows = (
        CrisisPlan.objects.filter(owning_agency__in=mine, status__in=IN_PROGRESS)
        .select_related("person", "author")
        .order_by("updated_at")
    )
    plans = gate.summaries(actor, rows, limit=None)
    return {
        "waiting": [p for p in plans if p.status == PlanStatus.SUBMITTED],
        "drafts": [p for p in plans if p.status != PlanStatus.SUBMITTED],
    }


def reviews_due(
    *, actor, today: date | None = None, within_days: int = REVIEW_WINDOW_DAYS
) -> list[CrisisPlan]:
    """Approved plans of the actor's providers due for review soon or overdue, oldest
    due first; each carries `overdue`."""
    today = today or timezone.localdate()
    mine = actor_for(actor).clinical_agencies
    rows = (
        CrisisPlan.objects.filter(
            owning_agency__in=mine,
            status=PlanStatus.APPROVED,
            review_due__lte=today + timedelta(days=within_days),
        )
        .select_related("person", "author")
        .order_by("review_due", "pk")
    )
    plans = gate.summaries(actor, rows, limit=None)
    for plan in plans:
        plan.overdue = plan.review_due < today
    return plans
