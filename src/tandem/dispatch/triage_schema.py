"""The triage protocol file: call types, narrative keywords and ordered rules, as YAML.

A program manager changes how calls are triaged by editing this file, not code. It has:

- `defaults`: the mode for a behavioral-health call no rule picks a team for, and for
  every other call;
- `fallbacks`: the mode to use when no team of a mode is free (chains end at police_ems);
- `categories` and `call_types`: local or APCO code -> APCO code, category, BH flag;
- `keywords`: narrative words and phrases -> flags (`suicide`, `weapon` ...);
- `rules`: read top to bottom, each with `when` (conditions) and `then` (effects).

`protocol_parse` reports every problem as `file:line: path: expected ...`, like the
program file (both go through `tandem.agencies.configfile`). `tandem.dispatch.triage`
applies a protocol to a call.
"""

import re
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationInfo,
    model_validator,
)

from tandem.agencies.configfile import LineOf, Problem, config_parse, config_read, expected
from tandem.dispatch.models import CallSource, ResponseMode

# The structured questions the call-taker records: key -> text on the intake form.
QUESTIONS: dict[str, str] = {
    "weapon": "Weapon present or mentioned?",
    "violence": "Violence or threats of violence?",
    "medical": "Medical emergency (overdose, injury, unconscious)?",
    "crime": "Crime in progress?",
    "location_known": "Is the person's location known?",
    "caller_is_person": "Is the caller the person in crisis?",
    "intoxication": "Intoxication suspected?",
}
RISK_LEVELS = ("low", "moderate", "high")
MODES = tuple(str(m) for m in ResponseMode.values)
LAST_RESORT = ResponseMode.POLICE_EMS.value  # always available, so it never falls back
SOURCES = tuple(str(s) for s in CallSource.values)
UNCLASSIFIED = "unclassified"  # the category of a call type the protocol does not list

_ANSWER_WORDS = "true, false, unknown, or a list of them"
_CODE = re.compile(r"[a-z][a-z0-9_]{0,39}")
# Words, spaces, hyphens and apostrophes; `*` only at the end.
_TERM = re.compile(r"[a-z0-9]+(?:[ '\-]+[a-z0-9]+)*\*?", re.IGNORECASE)


def _one_of(allowed: tuple[str, ...]) -> BeforeValidator:
    def check(value: Any) -> Any:
        if not isinstance(value, str) or value not in allowed:
            raise expected("one_of", "one of " + ", ".join(allowed), value)
        return value

    return BeforeValidator(check)


def _ref(kind: str, extra: tuple[str, ...] = ()) -> AfterValidator:
    """A name that another section of the same file must declare (resolved from the raw
    file, so one misspelt category does not also flag every rule that names it)."""

    def check(value: str, info: ValidationInfo) -> str:
        if info.context is None:
            return value
        known = sorted({*info.context[kind], *extra})
        if value not in known:
            raise expected("unknown_ref", f"one of the {kind} ({', '.join(known)})", value)
        return value

    return AfterValidator(check)


def _not_last_resort(modes: list[str]) -> list[str]:
    if LAST_RESORT in modes:
        raise expected("exclude", f"modes other than {LAST_RESORT}, the last resort", modes)
    return modes


def _answer_match(value: Any) -> frozenset[bool | None]:
    """`true`, `false`, `unknown` or a list of them -> the set of answers that match."""
    items = value if isinstance(value, list) else [value]
    words = {True: True, False: False, "unknown": None}
    if not items or not all(isinstance(i, bool) or i == "unknown" for i in items):
        raise expected("answer", _ANSWER_WORDS, value)
    return frozenset(words[i] for i in items)


def _term(value: Any) -> Any:
    if not isinstance(value, str) or not _TERM.fullmatch(value.strip()):
        what = "a word or phrase (letters, digits, spaces, ' or -), optionally ending in *"
        raise expected("keyword", what, value)
    return value.strip()


def _as_text(value: Any) -> Any:
    # `version: 2025.1` reads as a float; a version is a label, not a number.
    return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


def _string_keys(value: Any) -> Any:
    # A local code such as `1096` reads as an integer key; call types are labels.
    return {str(k): v for k, v in value.items()} if isinstance(value, dict) else value


Mode = Annotated[str, _one_of(MODES)]
Risk = Annotated[str, _one_of(RISK_LEVELS)]
Excluded = Annotated[list[Mode], AfterValidator(_not_last_resort)]
# `source: [988]` reads as a number; sources are labels.
Source = Annotated[str, _one_of(SOURCES), BeforeValidator(_as_text)]
Category = Annotated[str, _ref("categories", extra=(UNCLASSIFIED,))]
Flag = Annotated[str, _ref("keyword flags")]
# The validator also sees an explicit `null`, which is a mistake (write `unknown`).
Answer = Annotated[frozenset[bool | None] | None, BeforeValidator(_answer_match)]
Term = Annotated[str, BeforeValidator(_term)]
Apco = Annotated[str, Field(min_length=1, max_length=16)]
Text = Annotated[str, Field(min_length=1, max_length=300)]


def _one_or_more() -> Any:
    # An empty list would read as "no condition" although it looks like "none of these".
    return Field(default=None, min_length=1)


class Spec(BaseModel):
    # An unknown key is usually a misspelt known one; silently ignoring it loses config.
    model_config = ConfigDict(extra="forbid", frozen=True)


class Answers(Spec):
    """Each question named must have one of the listed answers (unknown = not answered)."""

    weapon: Answer = None
    violence: Answer = None
    medical: Answer = None
    crime: Answer = None
    location_known: Answer = None
    caller_is_person: Answer = None
    intoxication: Answer = None

    def items(self) -> list[tuple[str, frozenset[bool | None]]]:
        return [(k, v) for k, v in self if v is not None]


class Condition(Spec):
    """Every condition given must hold; a list means "any one of these"."""

    category: list[Category] | None = _one_or_more()
    apco: list[Apco] | None = _one_or_more()
    classified: bool | None = None
    behavioral_health: bool | None = None  # as set by the call type and the rules above
    source: list[Source] | None = _one_or_more()
    answers: Answers | None = None
    keywords: list[Flag] | None = _one_or_more()  # any of these flags found in the narrative
    no_keywords: list[Flag] | None = _one_or_more()  # none of these found
    any: list["Condition"] | None = _one_or_more()  # at least one of these conditions holds
    all: list["Condition"] | None = _one_or_more()  # every one of these conditions holds


class Effects(Spec):
    behavioral_health: bool | None = None
    risk: Risk | None = None  # raise to at least this level; never lowered
    exclude: Excluded | None = _one_or_more()  # modes this call must not get
    recommend: Mode | None = None  # preferred mode; the first rule's non-excluded one wins

    @model_validator(mode="after")
    def _something(self) -> "Effects":
        if not any(v is not None for _, v in self):
            raise expected("effect", "at least one of " + ", ".join(Effects.model_fields), {})
        return self

    def describe(self) -> str:
        parts = []
        if self.behavioral_health is not None:
            parts.append(f"behavioral health: {'yes' if self.behavioral_health else 'no'}")
        if self.risk:
            parts.append(f"risk at least {self.risk}")
        if self.exclude:
            parts.append("exclude " + ", ".join(self.exclude))
        if self.recommend:
            parts.append(f"recommend {self.recommend}")
        return "; ".join(parts)


class Rule(Spec):
    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,59}$")]
    description: Text
    when: Condition = Condition()
    then: Effects


class CallType(Spec):
    # Unknown keys are reported by `_check_call_types`: the shared error wording cannot
    # list the allowed keys of an entry inside a mapping.
    model_config = ConfigDict(extra="ignore", frozen=True)

    apco: Apco
    category: Category
    behavioral_health: bool = False
    label: str = ""


class Defaults(Spec):
    behavioral_health: Mode  # a BH call no rule recommends a (non-excluded) mode for
    other: Mode = LAST_RESORT  # every call that is not behavioral health


class Fallbacks(Spec):
    """Mode -> mode to use when no team of it is available. Unlisted ones fall back to
    police_ems, which has no fallback."""

    clinician_only: Mode | None = None
    co_responder: Mode | None = None
    clinician_callout: Mode | None = None
    phone_988: Mode | None = None
    navigator: Mode | None = None

    def of(self, mode: str) -> str:
        return getattr(self, mode, None) or LAST_RESORT


class Protocol(Spec):
    name: Text
    version: Annotated[str, BeforeValidator(_as_text), Field(min_length=1, max_length=40)]
    description: str = ""
    defaults: Defaults
    fallbacks: Fallbacks = Fallbacks()
    categories: dict[str, Text]
    call_types: Annotated[dict[str, CallType], BeforeValidator(_string_keys)]
    keywords: dict[str, list[Term]] = {}
    rules: list[Rule]

    # Built once per protocol: triage runs on every call.
    _call_index: dict[str, CallType] = PrivateAttr(default_factory=dict)
    _matchers: dict[str, re.Pattern[str]] = PrivateAttr(default_factory=dict)

    def model_post_init(self, context: Any, /) -> None:
        self._call_index = {_norm(code): spec for code, spec in self.call_types.items()}
        self._matchers = {flag: _compile(terms) for flag, terms in self.keywords.items() if terms}

    def call_type(self, call_type: str, apco_code: str = "") -> CallType | None:
        """The entry for the local call type, else for the APCO code, else None."""
        index = self._call_index
        return index.get(_norm(call_type)) or index.get(_norm(apco_code))

    def flags_in(self, narrative: str) -> frozenset[str]:
        """The keyword flags whose words or phrases occur in the narrative."""
        if not narrative:
            return frozenset()
        return frozenset(flag for flag, rx in self._matchers.items() if rx.search(narrative))


def _norm(code: str) -> str:
    return code.strip().upper()


def _compile(terms: list[str]) -> re.Pattern[str]:
    """One regex per flag: whole words, any case; a space or hyphen in a term matches any
    run of spaces or hyphens; a trailing `*` matches any word ending (`suicid*`)."""
    parts = []
    for term in terms:
        stem, star = (term[:-1], r"\w*") if term.endswith("*") else (term, "")
        words = [re.escape(w) for w in re.split(r"[ \-]+", stem)]
        parts.append(r"[\s\-]+".join(words) + star)
    return re.compile(r"\b(?:" + "|".join(parts) + r")\b", re.IGNORECASE)


def protocol_read(path: str | Path) -> Protocol:
    return config_read(path, **_OPTIONS)


def protocol_parse(text: str, *, filename: str = "<protocol>") -> Protocol:
    """Validate a protocol file; raise `ConfigInvalid` listing every problem found."""
    return config_parse(text, filename=filename, **_OPTIONS)


def _context(data: dict) -> dict[str, Any]:
    def names(section: str) -> set[str]:
        value = data.get(section)
        return {str(k) for k in value} if isinstance(value, dict) else set()

    return {"categories": names("categories"), "keyword flags": names("keywords")}


def _mapping(data: dict, section: str) -> dict:
    value = data.get(section)
    return value if isinstance(value, dict) else {}


def _check_names(data: dict, line_of: LineOf) -> list[Problem]:
    """Names that rules refer to are codes; rule ids are unique."""
    problems: list[Problem] = []
    for section in ("categories", "keywords"):
        for key in _mapping(data, section):
            if not isinstance(key, str) or not _CODE.fullmatch(key):
                what = "a name of lower-case letters, digits and _, starting with a letter"
                problems.append(((section, str(key)), f"expected {what}; got {key!r}"))
    rules = data.get("rules")
    ids: dict[str, int] = {}
    for index, rule in enumerate(rules if isinstance(rules, list) else []):
        rule_id = rule.get("id") if isinstance(rule, dict) else None
        if isinstance(rule_id, str) and ids.setdefault(rule_id, index) != index:
            line = line_of(("rules", ids[rule_id], "id"))
            problems.append((("rules", index, "id"), f"duplicate id; first at line {line}"))
    return problems


def _check_call_types(data: dict, line_of: LineOf) -> list[Problem]:
    """Call types are unique whatever their case, and have only known keys."""
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    allowed = ", ".join(CallType.model_fields)
    for code, entry in _mapping(data, "call_types").items():
        first = seen.setdefault(_norm(str(code)), str(code))
        if first != str(code):
            line = line_of(("call_types", first))
            message = f"duplicate call type (case is ignored); first at line {line}"
            problems.append((("call_types", str(code)), message))
        for key in entry if isinstance(entry, dict) else ():
            if key not in CallType.model_fields:
                message = f"unknown field; expected one of {allowed}"
                problems.append((("call_types", str(code), str(key)), message))
    return problems


def _check_fallbacks(data: dict, line_of: LineOf) -> list[Problem]:
    """Every fallback chain ends at police_ems (a loop would leave a call with no team)."""
    valid = {k: v for k, v in _mapping(data, "fallbacks").items() if k in MODES and v in MODES}
    for start in sorted(valid):
        chain = [start]
        while chain[-1] in valid:
            chain.append(valid[chain[-1]])
            if chain[-1] in chain[:-1]:
                loop = " -> ".join(chain)
                return [(("fallbacks",), f"expected chains ending at {LAST_RESORT}; got {loop}")]
    return []


_OPTIONS: dict[str, Any] = {
    "schema": Protocol,
    "context": _context,
    "checks": [_check_names, _check_call_types, _check_fallbacks],
}
