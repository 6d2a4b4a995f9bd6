"""Writes of crisis plans: draft, edit, submit, approve or return, revise. All audited.

Who may do what:
- clinicians, navigators and supervisors of a behavioral-health provider write plans for
  people they may see; the provider owns the plan;
- a supervisor of that provider approves or returns a submitted plan, never their own;
- approving a version supersedes the provider's previous approved version.
"""

from __future__ import annotations

import calendar
import re
from datetime import date

from django.db import transaction
from django.http import Http404
from django.utils import timezone

from tandem.accounts.roles import Role
from tandem.core.models import service_write
from tandem.people.models import Person
from tandem.plans.models import (
    CLINICAL_FIELDS,
    EDITABLE,
    SAFETY_FIELDS,
    CrisisPlan,
    PlanStatus,
)
from tandem.privacy.policy import actor_for
from tandem.privacy.selectors import visible
from tandem.privacy.services import audit_record

CONTENT_FIELDS = CLINICAL_FIELDS + SAFETY_FIELDS
REVIEW_MONTHS = 6
MAX_CONTACTS = 8
_PHONE = re.compile(r"^\+?[0-9 ().-]{7,20}$")


class PlanError(ValueError):
    """A change the plan's state or the actor's role does not allow; `field` names the
    form field at fault ('' for the plan as a whole)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day (31 Aug + 6 -> 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def clean_contacts(contacts: list[dict]) -> list[dict]:
    """Who-to-call rows, blanks dropped; raises PlanError naming the row and field."""
    cleaned = []
    for index, row in enumerate(contacts, start=1):
        name = str(row.get("name", "")).strip()
        relationship = str(row.get("relationship", "")).strip()
        phone = str(row.get("phone", "")).strip()
        if not (name or relationship or phone):
            continue
        if not name:
            raise PlanError(f"contact-{index}-name", f"contact {index}: a name is required")
        if not _PHONE.match(phone):
            raise PlanError(
                f"contact-{index}-phone",
                f"contact {index}: expected a phone number of 7-20 digits "
                f"(spaces, +, -, brackets allowed); got {phone[:30]!r}",
            )
        cleaned.append({"name": name[:100], "relationship": relationship[:60], "phone": phone})
    if len(cleaned) > MAX_CONTACTS:
        raise PlanError("contacts", f"at most {MAX_CONTACTS} contacts; got {len(cleaned)}")
    return cleaned


def _writer_agency(actor, agency_id: int | None = None) -> int:
    """The provider the actor writes plans for: one where they are clinical staff."""
    agencies = sorted(actor_for(actor).clinical_agencies)
    if agency_id is None and agencies:
        return agencies[0]
    if agency_id is None or agency_id not in agencies:
        raise PlanError("", "only clinical staff of a behavioral-health provider write plans")
    return agency_id


def _is_supervisor(actor, agency_id: int) -> bool:
    return (
        any(
            m.owning_agency_id == agency_id and m.role == Role.SUPERVISOR
            for m in actor.memberships_cached()
        )
        and agency_id in actor_for(actor).clinical_agencies
    )


def _plan_for_update(actor, plan_id: int) -> CrisisPlan:
    """The plan, locked, when the actor is clinical staff of its provider; else 404."""
    plan = CrisisPlan.objects.select_for_update().filter(pk=plan_id).first()
    if plan is None or plan.owning_agency_id not in actor_for(actor).clinical_agencies:
        raise Http404("No such plan.")
    return plan


def _content(fields: dict) -> dict:
    if unknown := set(fields) - set(CONTENT_FIELDS):
        raise TypeError(f"unknown plan fields: {', '.join(sorted(unknown))}")
    values = {k: (v.strip() if isinstance(v, str) else v) for k, v in fields.items()}
    if "contacts" in values:
        values["contacts"] = clean_contacts(values["contacts"] or [])
    return values


def _audit(actor, plan: CrisisPlan, action: str, reason: str = "", clinical: bool = True):
    audit_record(
        actor=actor,
        action=action,
        obj=plan,
        person_id=plan.person_id,
        segments={"clinical", "safety"} if clinical else {"safety"},
        reason=reason,
        agency_id=plan.owning_agency_id,
    )


@transaction.atomic
def plan_create(
    *, actor, person_id: int, owning_agency_id: int | None = None, **fields
) -> CrisisPlan:
    """Start a draft for a person. With an approved plan already, the draft is its next
    version and starts as a copy of it (a six-monthly review edits that copy)."""
    agency_id = _writer_agency(actor, owning_agency_id)
    if not visible(actor, Person.objects.filter(pk=person_id)).exists():
        raise Http404("No such person.")
    plans = CrisisPlan.objects.select_for_update().filter(
        person_id=person_id, owning_agency_id=agency_id
    )
    if plans.filter(status__in=(*EDITABLE, PlanStatus.SUBMITTED)).exists():
        raise PlanError("", "this person already has a plan in progress; continue that one")
    current = plans.filter(status=PlanStatus.APPROVED).first()
    last = plans.order_by("-version").first()
    values = {name: getattr(current, name) for name in CONTENT_FIELDS} if current else {}
    values.update(_content(fields))
    with service_write():
        plan = CrisisPlan(
            owning_agency_id=agency_id,
            person_id=person_id,
            version=(last.version + 1) if last else 1,
            author=actor,
            created_by=actor,
            updated_by=actor,
            **values,
        )
        plan.full_clean()
        plan.save()
        _audit(actor, plan, "create", f"draft version {plan.version}")
    return plan


@transaction.atomic
def plan_update(*, actor, plan_id: int, **fields) -> CrisisPlan:
    plan = _plan_for_update(actor, plan_id)
    if plan.status not in EDITABLE:
        raise PlanError("", f"a plan {plan.get_status_display().lower()} cannot be changed")
    values = _content(fields)
    changed = sorted(k for k, v in values.items() if getattr(plan, k) != v)
    if not changed:
        return plan
    with service_write():
        for name in changed:
            setattr(plan, name, values[name])
        plan.updated_by = actor
        plan.full_clean()
        plan.save()
        _audit(actor, plan, "update", f"changed {', '.join(changed)}")
    return plan


@transaction.atomic
def plan_submit(*, actor, plan_id: int) -> CrisisPlan:
    """Send a draft for a supervisor's approval; it needs the core of a plan first."""
    plan = _plan_for_update(actor, plan_id)
    if plan.status not in EDITABLE:
        raise PlanError("", f"a plan {plan.get_status_display().lower()} cannot be submitted")
    if not plan.baseline_behavior.strip():
        raise PlanError("baseline_behavior", "describe the person's baseline before submitting")
    if not (plan.approach_advice.strip() or plan.what_helps.strip()):
        raise PlanError("approach_advice", "say how to approach the person before submitting")
    with service_write():
        plan.status = PlanStatus.SUBMITTED
        plan.submitted_at = timezone.now()
        plan.updated_by = actor
        plan.save()
        _audit(actor, plan, "submit", clinical=False)
    return plan


@transaction.atomic
def plan_approve(*, actor, plan_id: int) -> CrisisPlan:
    """A supervisor of the provider approves a submitted plan (not one they wrote).

    The provider's previous approved version becomes superseded; the review falls due
    six months from today.
    """
    plan = _plan_for_update(actor, plan_id)
    _check_decider(actor, plan)
    now = timezone.now()
    with service_write():
        for old in CrisisPlan.objects.select_for_update().filter(
            person_id=plan.person_id,
            owning_agency_id=plan.owning_agency_id,
            status=PlanStatus.APPROVED,
        ):
            old.status = PlanStatus.SUPERSEDED
            old.superseded_at = now
            old.updated_by = actor
            old.save()
            _audit(actor, old, "supersede", f"by version {plan.version}", clinical=False)
        plan.status = PlanStatus.APPROVED
        plan.approved_by = actor
        plan.approved_at = now
        plan.review_due = add_months(timezone.localdate(now), REVIEW_MONTHS)
        plan.review_comment = ""
        plan.updated_by = actor
        plan.save()
        _audit(actor, plan, "approve", f"review due {plan.review_due}", clinical=False)
    return plan


@transaction.atomic
def plan_return(*, actor, plan_id: int, comment: str) -> CrisisPlan:
    """A supervisor sends a submitted plan back to its author with a comment."""
    plan = _plan_for_update(actor, plan_id)
    _check_decider(actor, plan)
    if not comment.strip():
        raise PlanError("comment", "say what needs to change when returning a plan")
    with service_write():
        plan.status = PlanStatus.RETURNED
        plan.review_comment = comment.strip()
        plan.updated_by = actor
        plan.save()
        _audit(actor, plan, "return")
    return plan


def _check_decider(actor, plan: CrisisPlan) -> None:
    if plan.status != PlanStatus.SUBMITTED:
        raise PlanError("", f"only a submitted plan can be decided; this one is {plan.status}")
    if not _is_supervisor(actor, plan.owning_agency_id):
        raise PlanError("", "only a supervisor of the provider approves or returns plans")
    if plan.author_id == actor.pk:
        raise PlanError("", "the author of a plan cannot approve or return it")


def can_decide(actor, plan: CrisisPlan) -> bool:
    """For templates: may the actor approve or return this plan now?"""
    return (
        plan.status == PlanStatus.SUBMITTED
        and plan.author_id != actor.pk
        and _is_supervisor(actor, plan.owning_agency_id)
    )


def can_write(actor, plan: CrisisPlan) -> bool:
    return plan.owning_agency_id in actor_for(actor).clinical_agencies


def can_write_plans(actor) -> bool:
    return bool(actor_for(actor).clinical_agencies)
