"""Field screening instruments with their published logic (pure functions, no Django).

- The Columbia Suicide Severity Rating Scale screener (C-SSRS, screen version, "since
  last contact"/past month) with its branching: a "no" to item 2 skips items 3-5; a
  "yes" to item 6 asks whether it was within the past 3 months. Triage follows
  Columbia's clinical triage guidelines: the highest rule that fires, never a sum.
- The Crisis Triage Rating Scale (CTRS, Bengelsdorf et al., J Nerv Ment Dis 1984):
  three subscales scored 1 (worst) to 5; a total of 9 or less suggests hospitalisation.

Answers arrive as a mapping of item key to value. `*_check` returns the problems found
(item key, message) without raising, so a draft can be stored while incomplete and the
final submission can name every problem at once; `*_score` raises `InstrumentInvalid`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

CSSRS = "cssrs_screener"
CTRS = "ctrs"

LOW, MODERATE, HIGH = "low", "moderate", "high"
HOSPITALISATION, COMMUNITY = "hospitalisation", "community"

Problem = tuple[str, str]


class InstrumentInvalid(ValueError):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(f"{key}: {message}" for key, message in problems))


@dataclass(frozen=True)
class Item:
    key: str
    number: str
    text: str
    hint: str = ""


CSSRS_ITEMS: tuple[Item, ...] = (
    Item(
        "q1", "1", "Have you wished you were dead or wished you could go to sleep and not wake up?"
    ),
    Item("q2", "2", "Have you actually had any thoughts of killing yourself?"),
    Item(
        "q3",
        "3",
        "Have you been thinking about how you might do this?",
        "Method, without a plan or intent to act.",
    ),
    Item("q4", "4", "Have you had these thoughts and had some intention of acting on them?"),
    Item(
        "q5",
        "5",
        "Have you started to work out or worked out the details of how to kill yourself? "
        "Do you intend to carry out this plan?",
    ),
    Item(
        "q6",
        "6",
        "Have you ever done anything, started to do anything, or prepared to do anything "
        "to end your life?",
        "For example: collected pills, obtained a gun, gave away valuables, wrote a will or "
        "suicide note, held a gun but changed their mind; or took pills, cut themselves, "
        "tried to hang themselves.",
    ),
    Item("q6_recent", "6b", "Was it within the past 3 months?"),
)
CSSRS_KEYS = tuple(item.key for item in CSSRS_ITEMS)
# Asked only when item 2 is "yes".
CSSRS_BRANCH = ("q3", "q4", "q5")


def _yes_no(answers: Mapping[str, Any], key: str) -> tuple[bool | None, Problem | None]:
    value = answers.get(key)
    if value is None or isinstance(value, bool):
        return value, None
    return None, (key, f"item {_number(key)}: expected yes or no, got {value!r}")


def _number(key: str) -> str:
    return next(item.number for item in CSSRS_ITEMS if item.key == key)


def cssrs_check(answers: Mapping[str, Any], *, complete: bool = True) -> list[Problem]:
    """Problems with C-SSRS answers; with `complete=False`, missing answers are allowed."""
    problems = [(k, f"{k}: not a C-SSRS item") for k in answers if k not in CSSRS_KEYS]
    values: dict[str, bool | None] = {}
    for key in CSSRS_KEYS:
        values[key], problem = _yes_no(answers, key)
        if problem:
            problems.append(problem)

    def require(key: str, why: str) -> None:
        if complete and values[key] is None and not any(p[0] == key for p in problems):
            problems.append((key, f"item {_number(key)}: answer yes or no{why}"))

    def refuse(key: str, why: str) -> None:
        if values[key] is not None:
            problems.append((key, f"item {_number(key)}: {why}; leave it unanswered"))

    require("q1", "")
    require("q2", "")
    for key in CSSRS_BRANCH:
        if values["q2"] is False:
            refuse(key, 'is skipped when item 2 is "no"')
        elif values["q2"] is True:
            require(key, ' (asked because item 2 is "yes")')
    require("q6", "")
    if values["q6"] is True:
        require("q6_recent", ' (asked because item 6 is "yes")')
    elif values["q6"] is False:
        refuse("q6_recent", 'is asked only when item 6 is "yes"')
    return problems


def cssrs_risk(answers: Mapping[str, Any]) -> str:
    """Columbia's triage: the highest level whose rule fires.

    high: "yes" to item 4 or 5, or any suicidal behavior (item 6) in the past 3 months;
    moderate: "yes" to item 3, or behavior longer ago; low: anything else.
    """
    if answers.get("q4") or answers.get("q5") or (answers.get("q6") and answers.get("q6_recent")):
        return HIGH
    if answers.get("q3") or answers.get("q6"):
        return MODERATE
    return LOW


@dataclass(frozen=True)
class Result:
    """An instrument's outcome: the level, a total where the instrument has one, and
    whether it calls for emergency care (the one fact officers are told)."""

    result: str
    total: int | None
    needs_emergency_care: bool


def cssrs_score(answers: Mapping[str, Any]) -> Result:
    if problems := cssrs_check(answers):
        raise InstrumentInvalid(problems)
    risk = cssrs_risk(answers)
    # High risk: safety precautions until a mental-health professional evaluates.
    return Result(result=risk, total=None, needs_emergency_care=risk == HIGH)


@dataclass(frozen=True)
class Subscale:
    key: str
    letter: str
    label: str
    worst: str
    best: str


CTRS_SUBSCALES: tuple[Subscale, ...] = (
    Subscale(
        "dangerousness",
        "A",
        "Dangerousness",
        "current suicidal or homicidal ideas or acts; unpredictable",
        "no suicidal or homicidal ideas; no history of violence",
    ),
    Subscale(
        "support_system",
        "B",
        "Support system",
        "no family, friends or agencies able to help now",
        "family, friends or agencies able and willing to help",
    ),
    Subscale(
        "cooperation",
        "C",
        "Ability to cooperate",
        "unwilling or unable to cooperate with treatment",
        "seeks help and is willing and able to cooperate",
    ),
)
CTRS_KEYS = tuple(s.key for s in CTRS_SUBSCALES)
CTRS_MIN, CTRS_MAX = 1, 5
# Bengelsdorf et al.: 9 or less suggests admission (75.2% agreement with clinicians).
CTRS_HOSPITALISATION_MAX = 9


def ctrs_check(answers: Mapping[str, Any], *, complete: bool = True) -> list[Problem]:
    problems = [(k, f"{k}: not a CTRS subscale") for k in answers if k not in CTRS_KEYS]
    for sub in CTRS_SUBSCALES:
        value = answers.get(sub.key)
        if value is None:
            if complete:
                problems.append((sub.key, f"{sub.label}: choose a score from 1 to 5"))
        elif isinstance(value, bool) or not isinstance(value, int):
            problems.append((sub.key, f"{sub.label}: expected a whole number 1-5, got {value!r}"))
        elif not CTRS_MIN <= value <= CTRS_MAX:
            problems.append((sub.key, f"{sub.label}: expected 1 to 5, got {value}"))
    return problems


def ctrs_score(answers: Mapping[str, Any]) -> Result:
    if problems := ctrs_check(answers):
        raise InstrumentInvalid(problems)
    total = sum(answers[k] for k in CTRS_KEYS)
    hospital = total <= CTRS_HOSPITALISATION_MAX
    return Result(
        result=HOSPITALISATION if hospital else COMMUNITY,
        total=total,
        needs_emergency_care=hospital,
    )


CHECKS = {CSSRS: cssrs_check, CTRS: ctrs_check}
SCORES = {CSSRS: cssrs_score, CTRS: ctrs_score}
LABELS = {CSSRS: "C-SSRS screener", CTRS: "Crisis Triage Rating Scale"}
RESULT_LABELS = {
    LOW: "Low risk",
    MODERATE: "Moderate risk",
    HIGH: "High risk",
    HOSPITALISATION: "Suggests hospitalisation (total 9 or less)",
    COMMUNITY: "Community care (total 10 or more)",
}


def check(instrument: str, answers: Mapping[str, Any], *, complete: bool = True) -> list[Problem]:
    if instrument not in CHECKS:
        return [("instrument", f"expected one of {', '.join(CHECKS)}, got {instrument!r}")]
    if not isinstance(answers, Mapping):
        return [("answers", "expected an object of item: answer")]
    return CHECKS[instrument](answers, complete=complete)


def score(instrument: str, answers: Mapping[str, Any]) -> Result:
    if problems := check(instrument, answers):
        raise InstrumentInvalid(problems)
    return SCORES[instrument](answers)


def total_of(instrument: str, answers: Any) -> int | None:
    """The CTRS total of stored answers, or None (C-SSRS, incomplete, or withheld)."""
    if instrument != CTRS or not isinstance(answers, Mapping) or check(CTRS, answers):
        return None
    return sum(answers[k] for k in CTRS_KEYS)


def answer_rows(instrument: str, answers: Any) -> list[tuple[str, str]]:
    """(item, answer) for display; whatever is stored, shown as stored if not a mapping."""
    if not isinstance(answers, Mapping):
        return [("Answers", str(answers))] if answers else []
    names = {
        f"{instrument}:{i.key}": f"Item {i.number}" for i in CSSRS_ITEMS if instrument == CSSRS
    }
    names.update({f"{CTRS}:{s.key}": f"{s.letter} {s.label}" for s in CTRS_SUBSCALES})
    return [
        (
            names.get(f"{instrument}:{key}", str(key)),
            {True: "yes", False: "no"}[value] if isinstance(value, bool) else str(value),
        )
        for key, value in answers.items()
    ]
