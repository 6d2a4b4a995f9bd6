"""The follow-up rules engine: which tasks an event calls for. Pure: no database.

A program's rules (the program file's `followup_rules`) say, for example: within 72 hours
after any referral; within 72 hours after a moderate or high screening; daily medication
checks after a crisis-centre stay until the person is stabilised. `tasks_for_event`
applies them to one event and returns the tasks to create; `followups.services` writes
them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

REFERRAL_CREATED = "referral_created"
SCREENING = "screening"
DISPOSITION = "disposition"
EVENTS = (REFERRAL_CREATED, SCREENING, DISPOSITION)
DAILY_UNTIL_STABILISED = "daily_until_stabilised"
REPEATS = ("", DAILY_UNTIL_STABILISED)
REPEAT_EVERY = {DAILY_UNTIL_STABILISED: timedelta(days=1)}


@dataclass(frozen=True)
class Rule:
    code: str
    event: str
    kind: str
    due_within_hours: int
    risk_levels: frozenset[str] = frozenset()
    dispositions: frozenset[str] = frozenset()
    repeat: str = ""
    provider_id: int | None = None  # None: every provider's events


@dataclass(frozen=True)
class Event:
    """Something that happened to a person at a provider: the input of the rules.

    `agency_id` is the treating provider (the owning agency of the encounter or
    referral); tasks belong to it.
    """

    kind: str
    at: datetime
    agency_id: int
    person_id: int
    encounter_id: int | None = None
    referral_id: int | None = None
    risk_level: str = ""
    disposition: str = ""

    def __post_init__(self) -> None:
        if self.kind not in EVENTS:
            raise ValueError(f"event kind: expected one of {', '.join(EVENTS)}; got {self.kind!r}")


@dataclass(frozen=True)
class TaskSpec:
    rule_code: str
    kind: str
    due_at: datetime
    repeat: str = ""
    encounter_id: int | None = None
    referral_id: int | None = None


def matches(rule: Rule, event: Event) -> bool:
    if rule.event != event.kind:
        return False
    if rule.provider_id is not None and rule.provider_id != event.agency_id:
        return False
    if event.kind == SCREENING:
        return event.risk_level in rule.risk_levels
    if event.kind == DISPOSITION:
        return event.disposition in rule.dispositions
    return True


def tasks_for_event(rules: list[Rule], event: Event) -> list[TaskSpec]:
    """The tasks the rules call for; one per kind (the soonest due wins)."""
    chosen: dict[str, TaskSpec] = {}
    for rule in sorted(rules, key=lambda r: (r.due_within_hours, r.code)):
        if not matches(rule, event) or rule.kind in chosen:
            continue
        chosen[rule.kind] = TaskSpec(
            rule_code=rule.code,
            kind=rule.kind,
            due_at=event.at + timedelta(hours=rule.due_within_hours),
            repeat=rule.repeat,
            encounter_id=event.encounter_id,
            referral_id=event.referral_id,
        )
    return list(chosen.values())


def next_due(repeat: str, completed_at: datetime, due_at: datetime) -> datetime | None:
    """When the successor of a completed repeating task falls due; None for no repeat.

    The next check is a day after the later of completion and the due time, so a task
    done early does not bunch two checks together.
    """
    step = REPEAT_EVERY.get(repeat)
    if step is None:
        return None
    return max(completed_at, due_at) + step
