"""Follow-up rules as program configuration: validated by line, loaded, replaced."""

from pathlib import Path

import pytest

from tandem.agencies.program import ProgramInvalid, program_parse
from tandem.agencies.services import program_load
from tandem.followups.models import FollowUpRule

DEMO = Path(__file__).resolve().parents[2] / "src" / "tandem" / "demo" / "region.yaml"
HEAD = """\
program: {name: Test}
agencies:
  - {code: admin, name: Admin, kind: regional_admin}
  - {code: clinic, name: Clinic, kind: behavioral_health}
  - {code: pd, name: PD, kind: police}
"""


def test_the_demo_program_declares_the_issue_rules():
    rules = {r.code: r for r in program_parse(DEMO.read_text()).followup_rules}
    assert rules["referral-72h"].due_within_hours == 72
    assert rules["screening-72h"].risk == ["moderate", "high"]
    assert rules["medication-daily"].repeat == "daily_until_stabilised"


def test_every_bad_rule_is_reported_with_its_line():
    text = HEAD + (
        "followup_rules:\n"
        "  - {code: a, when: referral, kind: post_crisis, due_within_hours: 72}\n"  # line 7
        "  - {code: b, when: screening, kind: post_crisis, due_within_hours: 72}\n"  # line 8
        "  - {code: c, when: disposition, dispositions: [jail], kind: outreach,"
        " due_within_hours: 0}\n"  # line 9
        "  - {code: d, when: referral_created, kind: outreach, due_within_hours: 1,"
        " provider: pd, repeat: weekly}\n"  # line 10
        "  - {code: a, when: referral_created, kind: outreach, due_within_hours: 1}\n"  # line 11
    )
    with pytest.raises(ProgramInvalid) as error:
        program_parse(text, filename="p.yaml")
    lines = "\n".join(error.value.lines())
    assert "p.yaml:7: followup_rules[0].when: expected one of referral_created" in lines
    assert "p.yaml:8: followup_rules[1]: expected risk: a list of low, moderate, high" in lines
    assert "p.yaml:9: followup_rules[2].dispositions[0]: expected one of" in lines
    assert "p.yaml:9: followup_rules[2].due_within_hours: expected greater than 0" in lines
    assert "p.yaml:10: followup_rules[3].repeat: expected daily_until_stabilised" in lines
    assert "p.yaml:10: followup_rules[3].provider: expected a behavioral_health code" in lines
    assert "p.yaml:11: followup_rules[4].code: duplicate code 'a'; first at line 7" in lines


@pytest.mark.django_db
def test_loading_makes_the_rules_exactly_the_files():
    first = HEAD + (
        "followup_rules:\n"
        "  - {code: a, when: referral_created, kind: referral_check, due_within_hours: 72}\n"
        "  - {code: b, when: screening, risk: [high], kind: post_crisis, due_within_hours: 24,"
        " provider: clinic}\n"
    )
    summary = program_load(text=first)
    assert "follow-up rules: 2 (2 created, 0 updated, 0 unchanged)" in "\n".join(summary.lines())
    rule = FollowUpRule.objects.get(code="b")
    assert rule.risk_levels == ["high"] and rule.provider.code == "clinic"
    second = HEAD + (
        "followup_rules:\n"
        "  - {code: a, when: referral_created, kind: referral_check, due_within_hours: 48}\n"
    )
    summary = program_load(text=second)
    assert "1 updated" in "\n".join(summary.lines()) and "1 deleted" in "\n".join(summary.lines())
    assert list(FollowUpRule.objects.values_list("code", "due_within_hours")) == [("a", 48)]
