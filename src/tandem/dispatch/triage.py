"""Behavioral-health triage: which response a call should get, by a versioned protocol.

`triage(protocol, call)` is pure and deterministic: the same protocol and call always give
the same `Recommendation`, which names the protocol version and every rule that fired, so
a decision can be explained and audited later. The protocol is data
(`protocols/demo.yaml`; format in `triage_schema`):

1. The call type (or, failing that, the APCO code) gives the APCO code, the category and
   whether the call is behavioral health (BH). A call type the protocol does not list is
   accepted as "unclassified" and not BH, and rules still apply to it.
2. Narrative keywords raise flags (`suicide`, `weapon` ...). Matching is on whole words
   and cannot read negation: "no weapon seen" raises `weapon`. So keywords should only
   ever make a response more cautious; the call-taker's answers record the negatives.
3. Rules are read top to bottom; every rule whose conditions hold fires. A rule may mark
   the call BH (later rules see that), raise the risk level (the highest wins; never
   lowered), exclude modes, and recommend a mode.
4. Mode: for a BH call, the first fired rule's recommendation that no fired rule
   excluded, else the protocol's BH default (or its first non-excluded fallback); for
   any other call, the protocol's default for other calls (police / EMS).
5. Fallback mode: the next mode down the protocol's fallback chain that is not excluded,
   for when no team of the recommended mode is free. police_ems is last and falls back to
   itself.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from tandem.dispatch.triage_schema import (
    LAST_RESORT,
    QUESTIONS,
    RISK_LEVELS,
    UNCLASSIFIED,
    Condition,
    Protocol,
    protocol_parse,
    protocol_read,
)

__all__ = [
    "QUESTIONS",
    "Protocol",
    "Recommendation",
    "RuleFired",
    "TriageInput",
    "default_protocol",
    "protocol_parse",
    "protocol_read",
    "triage",
]

DEMO_PROTOCOL = Path(__file__).parent / "protocols" / "demo.yaml"


@dataclass(frozen=True)
class TriageInput:
    call_type: str
    apco_code: str = ""
    # Question key (see QUESTIONS) -> True, False or None (unknown); missing = unknown.
    answers: Mapping[str, bool | None] = field(default_factory=dict)
    narrative: str = ""
    source: str = "911"


@dataclass(frozen=True)
class RuleFired:
    rule_id: str
    description: str
    effect: str


@dataclass(frozen=True)
class Recommendation:
    behavioral_health: bool
    classified: bool
    apco_code: str
    category: str
    risk_level: str  # "low" | "moderate" | "high"
    mode: str  # a ResponseMode value
    fallback_mode: str  # when no team of `mode` is available; == mode for police_ems
    rules_fired: tuple[RuleFired, ...]
    protocol_version: str
    keyword_flags: tuple[str, ...] = ()  # flags the narrative raised, sorted

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values, to store with the call."""
        return {
            "behavioral_health": self.behavioral_health,
            "classified": self.classified,
            "apco_code": self.apco_code,
            "category": self.category,
            "risk_level": self.risk_level,
            "mode": self.mode,
            "fallback_mode": self.fallback_mode,
            "rules_fired": [
                {"rule_id": r.rule_id, "description": r.description, "effect": r.effect}
                for r in self.rules_fired
            ],
            "protocol_version": self.protocol_version,
            "keyword_flags": list(self.keyword_flags),
        }


@dataclass
class _Facts:
    """What the rules look at; `behavioral_health` changes as rules fire."""

    category: str
    apco: str
    classified: bool
    behavioral_health: bool
    source: str
    answers: dict[str, bool | None]
    flags: frozenset[str]


def triage(protocol: Protocol, inp: TriageInput) -> Recommendation:
    facts = _facts(protocol, inp)
    risk = 0
    excluded: set[str] = set()
    recommended: list[str] = []
    fired: list[RuleFired] = []
    for rule in protocol.rules:
        if not _holds(rule.when, facts):
            continue
        then = rule.then
        if then.behavioral_health is not None:
            facts.behavioral_health = then.behavioral_health
        if then.risk:
            risk = max(risk, RISK_LEVELS.index(then.risk))
        excluded.update(then.exclude or ())
        if then.recommend:
            recommended.append(then.recommend)
        fired.append(RuleFired(rule.id, rule.description, then.describe()))
    mode = _mode(protocol, facts.behavioral_health, recommended, excluded)
    return Recommendation(
        behavioral_health=facts.behavioral_health,
        classified=facts.classified,
        apco_code=facts.apco,
        category=facts.category,
        risk_level=RISK_LEVELS[risk],
        mode=mode,
        fallback_mode=_fallback(protocol, mode, excluded),
        rules_fired=tuple(fired),
        protocol_version=protocol.version,
        keyword_flags=tuple(sorted(facts.flags)),
    )


def _facts(protocol: Protocol, inp: TriageInput) -> _Facts:
    unknown = sorted(set(inp.answers) - set(QUESTIONS))
    if unknown:
        raise ValueError(f"unknown triage questions {unknown}; expected keys of QUESTIONS")
    answers = {key: inp.answers.get(key) for key in QUESTIONS}
    bad = {k: v for k, v in answers.items() if not (v is None or isinstance(v, bool))}
    if bad:
        raise ValueError(f"triage answers must be True, False or None; got {bad}")
    entry = protocol.call_type(inp.call_type, inp.apco_code)
    return _Facts(
        category=entry.category if entry else UNCLASSIFIED,
        apco=entry.apco if entry else inp.apco_code.strip().upper(),
        classified=entry is not None,
        behavioral_health=entry.behavioral_health if entry else False,
        source=str(inp.source),
        answers=answers,
        flags=protocol.flags_in(inp.narrative),
    )


def _holds(cond: Condition, facts: _Facts) -> bool:
    # Cheapest checks first; every condition given must hold.
    if cond.category is not None and facts.category not in cond.category:
        return False
    if cond.apco is not None and facts.apco not in cond.apco:
        return False
    if cond.classified is not None and facts.classified != cond.classified:
        return False
    if cond.behavioral_health is not None and facts.behavioral_health != cond.behavioral_health:
        return False
    if cond.source is not None and facts.source not in cond.source:
        return False
    if cond.answers is not None and not all(
        facts.answers[key] in allowed for key, allowed in cond.answers.items()
    ):
        return False
    if cond.keywords is not None and facts.flags.isdisjoint(cond.keywords):
        return False
    if cond.no_keywords is not None and not facts.flags.isdisjoint(cond.no_keywords):
        return False
    if cond.any is not None and not any(_holds(c, facts) for c in cond.any):
        return False
    return cond.all is None or all(_holds(c, facts) for c in cond.all)


def _mode(protocol: Protocol, bh: bool, recommended: list[str], excluded: set[str]) -> str:
    if not bh:
        return _available(protocol, protocol.defaults.other, excluded)
    for mode in recommended:
        if mode not in excluded:
            return mode
    return _available(protocol, protocol.defaults.behavioral_health, excluded)


def _fallback(protocol: Protocol, mode: str, excluded: set[str]) -> str:
    if mode == LAST_RESORT:
        return mode
    return _available(protocol, protocol.fallbacks.of(mode), excluded)


def _available(protocol: Protocol, mode: str, excluded: set[str]) -> str:
    """`mode`, or the first mode down its fallback chain that is not excluded."""
    seen = {mode}
    while mode in excluded and mode != LAST_RESORT:
        mode = protocol.fallbacks.of(mode)
        if mode in seen:  # a loop; protocol_parse rejects these, model_validate does not
            return LAST_RESORT
        seen.add(mode)
    return mode


@cache
def default_protocol() -> Protocol:
    """The demo protocol shipped with Tandem, read once per process."""
    return protocol_read(DEMO_PROTOCOL)
