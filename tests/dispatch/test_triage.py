"""Triage protocol: which response a call gets, decided by a versioned YAML file."""

import itertools
import json
import time
from pathlib import Path

import pytest
import yaml

from tandem.agencies.configfile import ConfigInvalid
from tandem.dispatch.models import ResponseMode
from tandem.dispatch.triage import (
    DEMO_PROTOCOL,
    QUESTIONS,
    Recommendation,
    TriageInput,
    default_protocol,
    protocol_parse,
    protocol_read,
    triage,
)
from tandem.dispatch.triage_schema import Answers

REGION = Path(__file__).resolve().parents[2] / "src" / "tandem" / "demo" / "region.yaml"
DANGER = ("weapon", "violence", "medical", "crime")
CLEARED = dict.fromkeys(DANGER, False)
BH_APCO = ("EDP", "SUICTHRT", "SUICIDE", "OD", "INTOX", "WELFARE", "DRUGS", "CITASST")


def run(call_type="EDP", narrative="", source="911", apco_code="", **answers):
    inp = TriageInput(call_type, apco_code, answers, narrative, source)
    return triage(default_protocol(), inp)


def fired(rec: Recommendation) -> list[str]:
    return [r.rule_id for r in rec.rules_fired]


def test_the_demo_protocol_loads_and_is_versioned():
    protocol = default_protocol()
    assert protocol.version == "demo-2025.1"
    assert protocol is default_protocol()  # read once


def test_every_question_can_be_named_in_a_rule():
    assert set(Answers.model_fields) == set(QUESTIONS)


# ---- clinician-only needs every danger answered "no" ---------------------------------


def test_clinician_only_is_recommended_when_all_four_danger_answers_are_no():
    rec = run("EDP", **CLEARED)
    assert rec.mode == ResponseMode.CLINICIAN_ONLY
    assert rec.fallback_mode == ResponseMode.CO_RESPONDER
    assert rec.risk_level == "low"


@pytest.mark.parametrize("question", DANGER)
def test_an_unanswered_danger_question_rules_out_clinician_only(question):
    rec = run("EDP", **{**CLEARED, question: None})
    assert rec.mode == ResponseMode.CO_RESPONDER
    assert ResponseMode.CLINICIAN_ONLY not in (rec.mode, rec.fallback_mode)
    assert "danger-not-ruled-out" in fired(rec)


def test_an_unknown_weapon_answer_means_a_co_responder_team_not_clinician_only():
    rec = run("CHKWEL", violence=False, medical=False, crime=False)
    assert rec.mode == ResponseMode.CO_RESPONDER


@pytest.mark.parametrize("call_type", ["EDP", "CHKWEL", "DRUNK", "SUIC-T", "XYZ"])
def test_a_weapon_never_gets_clinician_only_and_raises_the_risk(call_type):
    rec = run(call_type, narrative="hearing voices", **{**CLEARED, "weapon": True})
    assert rec.behavioral_health
    assert ResponseMode.CLINICIAN_ONLY not in (rec.mode, rec.fallback_mode)
    assert rec.risk_level in ("moderate", "high")
    assert "weapon" in fired(rec)


def test_a_welfare_check_with_no_risk_indicators_gets_a_clinician():
    assert run("WELFARE", **CLEARED).mode == ResponseMode.CLINICIAN_ONLY
    assert run("WELFARE").mode == ResponseMode.CO_RESPONDER


# ---- danger ---------------------------------------------------------------------------


def test_weapon_and_violence_get_police_first_with_a_clinician_called_out():
    rec = run("10-96", weapon=True, violence=True, medical=False, crime=False)
    assert rec.mode == ResponseMode.CLINICIAN_CALLOUT
    assert rec.fallback_mode == ResponseMode.POLICE_EMS
    assert rec.risk_level == "high"


def test_a_crime_in_progress_gets_police_with_a_clinician_called_out():
    rec = run("EDP", **{**CLEARED, "crime": True})
    assert rec.mode == ResponseMode.CLINICIAN_CALLOUT


@pytest.mark.parametrize(("call_type", "medical"), [("OD", None), ("OD", False), ("EDP", True)])
def test_an_overdose_or_medical_emergency_goes_to_ems_and_stays_behavioral_health(
    call_type, medical
):
    rec = run(call_type, **{**CLEARED, "medical": medical})
    assert rec.mode == ResponseMode.POLICE_EMS
    assert rec.behavioral_health
    assert rec.risk_level == "high"
    assert "medical-emergency" in fired(rec)


def test_a_suicide_threat_with_a_weapon_is_high_risk():
    assert run("SUIC-T", **{**CLEARED, "weapon": True}).risk_level == "high"
    assert run("XYZ", narrative="wants to shoot himself, has a gun").risk_level == "high"
    assert run("SUIC-T", **CLEARED).risk_level == "moderate"


def test_a_suicide_attempt_is_high_risk_and_never_clinician_only():
    rec = run("SUIC-A", **CLEARED)
    assert rec.risk_level == "high"
    assert rec.mode == ResponseMode.CO_RESPONDER


def test_the_person_in_crisis_calling_from_an_unknown_place_gets_a_988_counsellor():
    rec = run("EDP", caller_is_person=True, location_known=False, **CLEARED)
    assert rec.mode == ResponseMode.PHONE_988
    assert rec.fallback_mode == ResponseMode.CO_RESPONDER
    assert run("EDP", caller_is_person=True, location_known=True, **CLEARED).mode == (
        ResponseMode.CLINICIAN_ONLY
    )


def test_a_call_transferred_from_988_is_not_sent_back_to_988():
    rec = run("EDP", source="988", caller_is_person=True, location_known=False, **CLEARED)
    assert rec.mode == ResponseMode.CLINICIAN_ONLY
    assert "transferred-from-988" in fired(rec)


# ---- call types -----------------------------------------------------------------------


@pytest.mark.parametrize("code", BH_APCO)
def test_every_apco_behavioral_health_code_flags_the_call(code):
    by_type = run(code)
    by_apco = run("LOCAL-UNLISTED", apco_code=code)
    for rec in (by_type, by_apco):
        assert rec.behavioral_health
        assert rec.classified
        assert rec.apco_code == code


def test_every_local_call_type_of_the_demo_region_is_classified():
    region = yaml.safe_load(REGION.read_text(encoding="utf-8"))
    for entry in region["call_types"]:
        rec = run(str(entry["code"]))
        assert rec.classified, entry["code"]
        if entry.get("behavioral_health"):
            assert rec.behavioral_health, entry["code"]


@pytest.mark.parametrize("call_type", ["THEFT", "ACC", "ALRM", "ASLT", "DOM", "BURGLARY", "DIST"])
def test_police_call_types_go_to_police_or_ems_and_are_not_behavioral_health(call_type):
    rec = run(call_type, **CLEARED)
    assert not rec.behavioral_health
    assert rec.classified
    assert rec.mode == ResponseMode.POLICE_EMS


def test_call_types_are_matched_whatever_their_case():
    assert run("chkwel").category == "welfare"


def test_an_unknown_call_type_is_accepted_as_unclassified():
    rec = run("XYZ", **CLEARED)
    assert not rec.classified
    assert rec.category == "unclassified"
    assert not rec.behavioral_health
    assert rec.mode == ResponseMode.POLICE_EMS


def test_a_narrative_about_suicide_makes_an_unknown_call_type_behavioral_health():
    rec = run("XYZ", narrative="Caller says he wants to kill himself")
    assert not rec.classified
    assert rec.behavioral_health
    assert rec.risk_level == "moderate"
    assert rec.keyword_flags == ("suicide",)
    assert "narrative-suicide" in fired(rec)
    assert rec.mode == ResponseMode.CO_RESPONDER


# ---- keywords -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("narrative", "flag"),
    [
        ("SUICIDAL statements", "suicide"),
        ("history of self-harm", "suicide"),
        ("Hearing   voices since Monday", "mental_health"),
        ("hallucinating", "mental_health"),
        ("friend OD'd earlier", "overdose"),
        ("holding a KNIFE", "weapon"),
        ("has guns in the house", "weapon"),
    ],
)
def test_keywords_match_whole_words_in_any_case(narrative, flag):
    assert flag in run("XYZ", narrative=narrative).keyword_flags


@pytest.mark.parametrize("narrative", ["he is unarmed", "Gosuicidal", "knifed bread"])
def test_keywords_do_not_match_inside_other_words(narrative):
    assert run("XYZ", narrative=narrative).keyword_flags == ()


def test_keywords_cannot_read_negation_so_they_only_make_the_response_more_cautious():
    rec = run("EDP", narrative="no weapons seen", **CLEARED)
    assert rec.keyword_flags == ("weapon",)
    assert rec.mode == ResponseMode.CO_RESPONDER  # not clinician-only, not armed police


# ---- the result -----------------------------------------------------------------------


def test_rules_fired_are_listed_with_ids_and_the_protocol_version_is_on_the_result():
    rec = run("SUIC-T", **{**CLEARED, "weapon": True})
    assert fired(rec) == ["weapon", "suicide-with-weapon", "suicide-threat"]
    assert rec.rules_fired[0].description.startswith("A weapon is present")
    assert "recommend co_responder" in rec.rules_fired[0].effect
    assert rec.protocol_version == "demo-2025.1"
    stored = json.loads(json.dumps(rec.to_dict()))
    assert stored["protocol_version"] == "demo-2025.1"
    assert stored["rules_fired"][0]["rule_id"] == "weapon"
    assert stored["mode"] == "co_responder"


def test_triage_is_deterministic():
    inp = TriageInput("XYZ", "", {"weapon": None}, "hearing voices, has a knife", "911")
    first = triage(default_protocol(), inp)
    again = triage(protocol_read(DEMO_PROTOCOL), inp)
    assert all(triage(default_protocol(), inp) == first for _ in range(20))
    assert again == first


def test_answers_to_unknown_questions_are_refused():
    with pytest.raises(ValueError, match="wepon"):
        run("EDP", wepon=True)


def test_triage_keeps_up_with_many_calls_a_second():
    protocol = default_protocol()
    inp = TriageInput("XYZ", "", CLEARED, "says he wants to kill himself " * 20, "911")
    start = time.perf_counter()
    for _ in range(1000):
        triage(protocol, inp)
    assert time.perf_counter() - start < 5.0  # ~0.3 s here; 50 calls/s needs 1 000 in 20 s


def test_clinician_only_is_never_offered_unless_every_danger_is_ruled_out():
    """All 3^7 answer combinations, on several call types and narratives."""
    protocol = default_protocol()
    calls = [("EDP", ""), ("CHKWEL", ""), ("SUIC-T", ""), ("XYZ", "kill himself"), ("OD", "")]
    seen_clinician = 0
    for (call_type, narrative), values in itertools.product(
        calls, itertools.product((True, False, None), repeat=len(QUESTIONS))
    ):
        answers = dict(zip(QUESTIONS, values, strict=True))
        rec = triage(protocol, TriageInput(call_type, "", answers, narrative))
        if ResponseMode.CLINICIAN_ONLY in (rec.mode, rec.fallback_mode):
            seen_clinician += 1
            assert all(answers[q] is False for q in DANGER), (call_type, answers, rec)
        if answers["weapon"] and rec.behavioral_health:
            assert rec.risk_level != "low"
        assert rec.mode in ResponseMode.values
        assert rec.fallback_mode in ResponseMode.values
    assert seen_clinician > 0


# ---- the protocol file ----------------------------------------------------------------


def test_editing_the_protocol_file_changes_the_recommendation_without_code():
    text = DEMO_PROTOCOL.read_text(encoding="utf-8")
    edited = text.replace("version: demo-2025.1", "version: demo-2025.2").replace(
        "then: {recommend: clinician_only}", "then: {recommend: navigator}"
    )
    assert edited.count("navigator}") == 1
    protocol = protocol_parse(edited, filename="edited.yaml")
    rec = triage(protocol, TriageInput("EDP", answers=CLEARED))
    assert rec.mode == ResponseMode.NAVIGATOR
    assert rec.fallback_mode == ResponseMode.CLINICIAN_ONLY
    assert rec.protocol_version == "demo-2025.2"


def test_a_rule_never_lowers_the_risk_a_rule_above_raised():
    text = """\
name: Two rules
version: t1
defaults: {behavioral_health: co_responder}
categories: {mental_health: Mental health}
call_types:
  EDP: {apco: EDP, category: mental_health, behavioral_health: true}
rules:
  - {id: high, description: High, then: {risk: high}}
  - {id: low, description: Low, then: {risk: low}}
"""
    rec = triage(protocol_parse(text, filename="t.yaml"), TriageInput("EDP"))
    assert rec.risk_level == "high"
    assert [r.rule_id for r in rec.rules_fired] == ["high", "low"]


# Every line number below is counted in this text: keep the lines where they are.
BAD = """\
name: Bad
version: 2
defaults: {behavioral_health: clinician_solo}
fallbacks:
  clinician_only: co_responder
  co_responder: clinician_only
categories:
  mental_health: Mental health
call_types:
  EDP: {apco: EDP, category: mental_heath, behavioral_health: true}
  edp: {apco: EDP, category: mental_health, colour: red}
keywords:
  suicide: [suicid*, "kill *myself"]
rules:
  - id: first
    description: Misspelt
    when:
      answers: {wepon: true, violence: yes}
      keywords: [suicde]
    then: {risk: severe, recommend: teleport}
  - id: first
    description: Excludes the last resort
    then: {exclude: [police_ems]}
"""


def test_a_bad_protocol_file_reports_every_error_with_line_path_and_expectation():
    with pytest.raises(ConfigInvalid) as caught:
        protocol_parse(BAD, filename="bad.yaml")
    modes = ", ".join(ResponseMode.values)
    assert caught.value.lines() == [
        f"bad.yaml:3: defaults.behavioral_health: expected one of {modes}; got 'clinician_solo'",
        "bad.yaml:4: fallbacks: expected chains ending at police_ems; "
        "got clinician_only -> co_responder -> clinician_only",
        "bad.yaml:10: call_types.EDP.category: expected one of the categories "
        "(mental_health, unclassified); got 'mental_heath'",
        "bad.yaml:11: call_types.edp: duplicate call type (case is ignored); first at line 10",
        "bad.yaml:11: call_types.edp.colour: unknown field; "
        "expected one of apco, category, behavioral_health, label",
        "bad.yaml:13: keywords.suicide[1]: expected a word or phrase "
        "(letters, digits, spaces, ' or -), optionally ending in *; got 'kill *myself'",
        "bad.yaml:18: rules[0].when.answers.violence: "
        "expected true, false, unknown, or a list of them; got 'yes'",
        "bad.yaml:18: rules[0].when.answers.wepon: unknown field; expected one of "
        + ", ".join(QUESTIONS),
        "bad.yaml:19: rules[0].when.keywords[0]: "
        "expected one of the keyword flags (suicide); got 'suicde'",
        f"bad.yaml:20: rules[0].then.recommend: expected one of {modes}; got 'teleport'",
        "bad.yaml:20: rules[0].then.risk: expected one of low, moderate, high; got 'severe'",
        "bad.yaml:21: rules[1].id: duplicate id; first at line 15",
        "bad.yaml:23: rules[1].then.exclude: "
        "expected modes other than police_ems, the last resort; got ['police_ems']",
    ]


def test_an_unreadable_protocol_file_is_reported_like_any_other_problem(tmp_path):
    with pytest.raises(ConfigInvalid, match="cannot read file"):
        protocol_read(tmp_path / "missing.yaml")
