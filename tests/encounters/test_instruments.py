"""The screening instruments' published logic: every branch and every boundary."""

import itertools

import pytest

from tandem.encounters import instruments as ins
from tandem.encounters.instruments import CSSRS, CTRS, InstrumentInvalid

NO_TO_ALL = {"q1": False, "q2": False, "q6": False}


def cssrs(**answers):
    return {**NO_TO_ALL, **answers}


def keys(problems):
    return [key for key, _ in problems]


def test_the_screener_has_six_items_and_the_three_month_question():
    assert [i.number for i in ins.CSSRS_ITEMS] == ["1", "2", "3", "4", "5", "6", "6b"]


def test_no_to_every_asked_item_is_complete_and_low_risk():
    assert ins.cssrs_check(NO_TO_ALL) == []
    assert ins.cssrs_score(NO_TO_ALL) == ins.Result("low", None, False)


def test_yes_to_items_one_or_two_alone_is_low_risk():
    assert ins.cssrs_risk(cssrs(q1=True)) == ins.LOW
    answers = cssrs(q1=True, q2=True, q3=False, q4=False, q5=False)
    assert ins.cssrs_score(answers).result == ins.LOW


def test_a_no_to_item_two_skips_three_to_five():
    problems = ins.cssrs_check(cssrs(q3=True, q5=False))
    assert keys(problems) == ["q3", "q5"]
    assert 'item 3: is skipped when item 2 is "no"' in problems[0][1]


def test_a_yes_to_item_two_asks_three_to_five():
    problems = ins.cssrs_check(cssrs(q2=True, q3=False))
    assert keys(problems) == ["q4", "q5"]
    assert 'asked because item 2 is "yes"' in problems[0][1]


def test_items_one_two_and_six_are_always_asked():
    assert keys(ins.cssrs_check({})) == ["q1", "q2", "q6"]


def test_an_incomplete_draft_is_not_a_problem_but_a_wrong_branch_still_is():
    assert ins.cssrs_check({"q1": True}, complete=False) == []
    assert keys(ins.cssrs_check({"q2": False, "q4": True}, complete=False)) == ["q4"]


def test_item_six_yes_asks_when_and_no_refuses_when():
    assert keys(ins.cssrs_check(cssrs(q6=True))) == ["q6_recent"]
    assert keys(ins.cssrs_check(cssrs(q6_recent=True))) == ["q6_recent"]


def test_answers_must_be_yes_or_no_and_items_known():
    problems = ins.cssrs_check({**NO_TO_ALL, "q1": "maybe", "q9": True})
    assert keys(problems) == ["q9", "q1"]
    assert "expected yes or no, got 'maybe'" in problems[1][1]


@pytest.mark.parametrize(
    ("answers", "risk"),
    [
        (cssrs(q2=True, q3=True, q4=False, q5=False), ins.MODERATE),
        (cssrs(q2=True, q3=False, q4=True, q5=False), ins.HIGH),
        (cssrs(q2=True, q3=False, q4=False, q5=True), ins.HIGH),
        (cssrs(q6=True, q6_recent=True), ins.HIGH),
        (cssrs(q6=True, q6_recent=False), ins.MODERATE),
        (cssrs(q2=True, q3=True, q4=False, q5=False, q6=True, q6_recent=True), ins.HIGH),
    ],
)
def test_columbia_triage_takes_the_highest_rule_that_fires(answers, risk):
    result = ins.cssrs_score(answers)
    assert result.result == risk
    assert result.needs_emergency_care == (risk == ins.HIGH)


def test_scoring_incomplete_answers_raises_naming_each_item():
    with pytest.raises(InstrumentInvalid) as error:
        ins.score(CSSRS, {"q1": True})
    assert keys(error.value.problems) == ["q2", "q6"]


def ctrs(d=5, s=5, c=5):
    return {"dangerousness": d, "support_system": s, "cooperation": c}


@pytest.mark.parametrize(
    ("answers", "total", "hospital"),
    [
        (ctrs(1, 1, 1), 3, True),
        (ctrs(3, 3, 3), 9, True),
        (ctrs(3, 3, 4), 10, False),
        (ctrs(5, 5, 5), 15, False),
    ],
)
def test_a_ctrs_total_of_nine_or_less_suggests_hospitalisation(answers, total, hospital):
    result = ins.ctrs_score(answers)
    assert result.total == total
    assert result.needs_emergency_care is hospital
    assert result.result == (ins.HOSPITALISATION if hospital else ins.COMMUNITY)


@pytest.mark.parametrize("value", [0, 6, -1, 2.5, "3", True])
def test_each_ctrs_subscale_is_a_whole_number_from_one_to_five(value):
    problems = ins.ctrs_check(ctrs(d=value))
    assert keys(problems) == ["dangerousness"]
    assert problems[0][1].startswith("Dangerousness: expected")


def test_ctrs_names_missing_and_unknown_subscales():
    problems = ins.ctrs_check({"dangerousness": 2, "mood": 3})
    assert keys(problems) == ["mood", "support_system", "cooperation"]
    assert ins.ctrs_check({"dangerousness": 2}, complete=False) == []


def test_an_unknown_instrument_or_non_object_answers_is_refused():
    assert keys(ins.check("phq9", {})) == ["instrument"]
    assert keys(ins.check(CTRS, [1, 2, 3])) == ["answers"]


def test_the_total_is_shown_only_for_complete_ctrs_answers():
    assert ins.total_of(CTRS, ctrs(2, 3, 4)) == 9
    assert ins.total_of(CTRS, {"dangerousness": 2}) is None
    assert ins.total_of(CSSRS, NO_TO_ALL) is None
    assert ins.total_of(CTRS, "") is None  # withheld by the privacy gate


def _every_cssrs_pattern():
    """Every complete, correctly branched set of screener answers (54 in all)."""
    yes_no = (True, False)
    for q1, q2, q6 in itertools.product(yes_no, repeat=3):
        middles = itertools.product(yes_no, repeat=3) if q2 else [None]
        for middle in middles:
            for recent in yes_no if q6 else [None]:
                answers = {"q1": q1, "q2": q2, "q6": q6}
                if middle is not None:
                    answers |= dict(zip(("q3", "q4", "q5"), middle, strict=True))
                if recent is not None:
                    answers["q6_recent"] = recent
                yield answers


def _columbia(answers) -> str:
    """The published triage, written independently of the module under test."""
    behavior = answers["q6"]
    if answers.get("q4") or answers.get("q5") or (behavior and answers["q6_recent"]):
        return ins.HIGH
    if answers.get("q3") or behavior:
        return ins.MODERATE
    return ins.LOW


def test_every_cssrs_answer_pattern_gets_columbias_risk_level():
    patterns = list(_every_cssrs_pattern())
    assert len(patterns) == 54
    for answers in patterns:
        assert ins.cssrs_check(answers) == [], answers
        result = ins.score(CSSRS, answers)
        assert result.result == _columbia(answers), answers
        assert result.needs_emergency_care == (result.result == ins.HIGH)


def test_every_ctrs_score_pattern_is_summed_and_judged():
    for d, s, c in itertools.product(range(1, 6), repeat=3):
        result = ins.score(CTRS, ctrs(d, s, c))
        assert result.total == d + s + c
        assert result.needs_emergency_care is (d + s + c <= 9)
