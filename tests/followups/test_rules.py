"""The rules engine on its own: events in, tasks out; no database."""

from datetime import UTC, datetime, timedelta

import pytest

from tandem.followups import rules

AT = datetime(2025, 3, 1, 14, 0, tzinfo=UTC)
RULES = [
    rules.Rule("referral-72h", rules.REFERRAL_CREATED, "referral_check", 72),
    rules.Rule(
        "screening-72h",
        rules.SCREENING,
        "post_crisis",
        72,
        risk_levels=frozenset({"moderate", "high"}),
    ),
    rules.Rule(
        "medication-daily",
        rules.DISPOSITION,
        "medication_check",
        24,
        dispositions=frozenset({"transport_crisis_center"}),
        repeat=rules.DAILY_UNTIL_STABILISED,
    ),
]


def event(kind, **extra):
    return rules.Event(kind=kind, at=AT, agency_id=1, person_id=9, encounter_id=5, **extra)


def test_a_referral_makes_a_referral_check_due_72_hours_later():
    tasks = rules.tasks_for_event(RULES, event(rules.REFERRAL_CREATED, referral_id=3))
    assert [(t.kind, t.due_at, t.referral_id) for t in tasks] == [
        ("referral_check", AT + timedelta(hours=72), 3)
    ]


@pytest.mark.parametrize("risk", ["moderate", "high"])
def test_a_moderate_or_high_screening_makes_a_check_in_within_72_hours(risk):
    tasks = rules.tasks_for_event(RULES, event(rules.SCREENING, risk_level=risk))
    assert [(t.rule_code, t.due_at) for t in tasks] == [("screening-72h", AT + timedelta(hours=72))]


def test_a_low_screening_makes_no_task():
    assert rules.tasks_for_event(RULES, event(rules.SCREENING, risk_level="low")) == []


def test_a_crisis_centre_disposition_starts_daily_medication_checks():
    (task,) = rules.tasks_for_event(
        RULES, event(rules.DISPOSITION, disposition="transport_crisis_center")
    )
    assert task.kind == "medication_check"
    assert task.repeat == rules.DAILY_UNTIL_STABILISED
    assert task.due_at == AT + timedelta(hours=24)


def test_other_dispositions_make_no_medication_check():
    assert rules.tasks_for_event(RULES, event(rules.DISPOSITION, disposition="arrest")) == []


def test_a_rule_for_one_provider_ignores_another_providers_events():
    only_two = [rules.Rule("r", rules.REFERRAL_CREATED, "referral_check", 72, provider_id=2)]
    assert rules.tasks_for_event(only_two, event(rules.REFERRAL_CREATED)) == []


def test_two_rules_of_one_kind_make_one_task_the_sooner_due():
    both = [
        rules.Rule("slow", rules.REFERRAL_CREATED, "referral_check", 72),
        rules.Rule("fast", rules.REFERRAL_CREATED, "referral_check", 24),
    ]
    (task,) = rules.tasks_for_event(both, event(rules.REFERRAL_CREATED))
    assert task.rule_code == "fast"


def test_an_unknown_event_kind_is_refused():
    with pytest.raises(ValueError, match="event kind"):
        event("phone_call")


def test_a_daily_repeat_falls_due_a_day_after_the_later_of_completion_and_due_time():
    due = AT
    assert rules.next_due(rules.DAILY_UNTIL_STABILISED, AT + timedelta(hours=3), due) == (
        AT + timedelta(days=1, hours=3)
    )
    assert rules.next_due(rules.DAILY_UNTIL_STABILISED, AT - timedelta(hours=3), due) == (
        AT + timedelta(days=1)
    )
    assert rules.next_due("", AT, due) is None
