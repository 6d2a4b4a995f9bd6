"""Reads of follow-up work, through the privacy gate.

Follow-up rows are health information in themselves: `privacy.policy` shows them only to
the treating provider's clinical staff, so officers never see a row, not even a count.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Max, Q
from django.http import Http404
from django.utils import timezone

from tandem.agencies.models import TeamMember
from tandem.followups.models import FollowUp, FollowUpAttempt, FollowUpStatus, Notification
from tandem.privacy import selectors as gate

SCOPES = ("mine", "team", "agency")
OVERDUE, TODAY, UPCOMING = "overdue", "today", "upcoming"
# The queue shows this many upcoming tasks; due and overdue work is always shown in full.
UPCOMING_LIMIT = 100


def classify(due_at: datetime, now: datetime) -> str:
    """overdue (past its due time), today (due later today, local time) or upcoming."""
    if due_at < now:
        return OVERDUE
    end_of_today = timezone.localtime(now).replace(
        hour=0, minute=0, second=0, microsecond=0
    ) + timedelta(days=1)
    return TODAY if due_at < end_of_today else UPCOMING


@dataclass
class Queue:
    scope: str
    overdue: list[FollowUp] = field(default_factory=list)
    today: list[FollowUp] = field(default_factory=list)
    upcoming: list[FollowUp] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)  # open tasks per scope


def _open_tasks(actor, scope: str):
    rows = FollowUp.objects.filter(status=FollowUpStatus.OPEN)
    if scope == "mine":
        rows = rows.filter(assigned_to=actor)
    elif scope == "team":
        teammates = TeamMember.objects.filter(team__members__user=actor).values("user_id")
        rows = rows.filter(Q(assigned_to=actor) | Q(assigned_to__in=teammates))
    return rows


def queue(*, actor, scope: str = "mine", now: datetime | None = None) -> Queue:
    """The actor's open tasks in `scope`, split into overdue, due today and upcoming."""
    if scope not in SCOPES:
        raise ValueError(f"scope: expected one of {', '.join(SCOPES)}; got {scope!r}")
    now = now or timezone.now()
    result = Queue(scope=scope)
    result.counts = {s: gate.visible(actor, _open_tasks(actor, s)).count() for s in SCOPES}
    end_of_today = timezone.localtime(now).replace(
        hour=0, minute=0, second=0, microsecond=0
    ) + timedelta(days=1)
    rows = (
        _open_tasks(actor, scope)
        .select_related("person", "assigned_to")
        .annotate(n_attempts=Count("attempts"), last_attempt=Max("attempts__at"))
        .order_by("due_at", "id")
    )
    due = gate.summaries(actor, rows.filter(due_at__lt=end_of_today), limit=None)
    upcoming = gate.summaries(actor, rows.filter(due_at__gte=end_of_today), limit=UPCOMING_LIMIT)
    for task in due + upcoming:
        task.urgency = classify(task.due_at, now)
        getattr(result, task.urgency).append(task)
    return result


def queue_row(*, actor, followup_id: int, now: datetime | None = None) -> FollowUp:
    """One task as a queue row (404 alike when missing or not allowed)."""
    rows = (
        FollowUp.objects.filter(pk=followup_id)
        .select_related("person", "assigned_to")
        .annotate(n_attempts=Count("attempts"), last_attempt=Max("attempts__at"))
    )
    found = gate.summaries(actor, rows, limit=1)
    if not found:
        raise Http404("No such follow-up.")
    task = found[0]
    task.urgency = classify(task.due_at, now or timezone.now())
    return task


def followup_get(*, actor, followup_id: int) -> FollowUp:
    """One task with its notes (audited when notes are disclosed)."""
    task = gate.get_visible(
        actor,
        FollowUp.objects.select_related("person", "assigned_to", "encounter", "referral"),
        followup_id,
    )
    task.urgency = classify(task.due_at, timezone.now())
    return task


def attempts_of(*, actor, task: FollowUp) -> list[FollowUpAttempt]:
    rows = FollowUpAttempt.objects.filter(followup_id=task.pk).select_related("by")
    return gate.disclose_all(actor, list(gate.visible(actor, rows)))


def notifications_unread(user) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notifications_list(*, actor, limit: int = 50) -> list[Notification]:
    return list(Notification.objects.filter(recipient=actor)[:limit])
