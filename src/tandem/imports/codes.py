"""The program's codes an import maps onto, and the behavioral-health crosswalk.

Nothing here is invented for imports: call types come from the program's code list
(`agencies.Code`, with its APCO crosswalk and BH flag) and then the triage protocol's
call types (which also list the APCO codes themselves, with a category); dispositions
from the program's disposition list and the standard set; narrative keywords from the
protocol rules that mark a call behavioral health on keywords alone.
"""

import re
from dataclasses import dataclass, field

from tandem.agencies.configfile import LineOf, Problem
from tandem.agencies.models import Agency, AgencyKind, Code, CodeList, Jurisdiction, Team
from tandem.dispatch.models import CallSource
from tandem.dispatch.triage import Protocol
from tandem.dispatch.triage_schema import UNCLASSIFIED, _compile
from tandem.encounters.models import Disposition
from tandem.imports.models import ChargeLevel, SmiAssessment, SmiScreen

TRUE_WORDS = ("TRUE", "T", "YES", "Y", "1", "X")
FALSE_WORDS = ("FALSE", "F", "NO", "N", "0")

# How a team of each program model responds (as the demo history generator assumes).
MODE_OF_MODEL = {
    "ride_along": "co_responder",
    "on_call": "clinician_callout",
    "clinician_only": "clinician_only",
    "navigator": "navigator",
    "floater": "clinician_callout",
    "telehealth": "clinician_callout",
}


def norm(value: str) -> str:
    """Case- and space-insensitive form used to match a file's value to a map or a code."""
    return " ".join(str(value).split()).upper()


def spelling_key(value: str) -> str:
    """Letters and digits only: "E.D.P.", "edp " and "EDP" share one key."""
    return re.sub(r"[^A-Z0-9]", "", str(value).upper())


@dataclass(frozen=True)
class CallTypeEntry:
    code: str
    apco: str
    category: str
    behavioral_health: bool


@dataclass(frozen=True)
class TeamEntry:
    id: int
    code: str
    owning_agency_id: int
    clinical_agency_id: int | None
    mode: str


@dataclass
class ProgramCodes:
    """Normalised spelling -> program code, for each coded field."""

    call_types: dict[str, CallTypeEntry]
    dispositions: dict[str, tuple[str, str]]  # norm -> (local code, standard disposition)
    teams: dict[str, TeamEntry]
    jurisdictions: dict[str, int]
    sources: dict[str, str]
    booleans: dict[str, str] = field(
        default_factory=lambda: {
            **dict.fromkeys(TRUE_WORDS, "true"),
            **dict.fromkeys(FALSE_WORDS, "false"),
        }
    )
    # (flag, RE2 pattern) for the keyword flags that make a call BH on their own.
    bh_keywords: list[tuple[str, str]] = field(default_factory=list)
    protocol_version: str = ""

    def known(self, field_name: str) -> dict[str, str]:
        """norm -> code for a coded field (codes map to themselves)."""
        table = {
            "call_type": {k: v.code for k, v in self.call_types.items()},
            "final_call_type": {k: v.code for k, v in self.call_types.items()},
            "disposition": {k: v[0] for k, v in self.dispositions.items()},
            "team": {k: v.code for k, v in self.teams.items()},
            "jurisdiction": {k: str(v) for k, v in self.jurisdictions.items()},
            "source": self.sources,
            "clinician_assessed": self.booleans,
            "charge_level": _choices(ChargeLevel),
            "smi_screen": _choices(SmiScreen),
            "smi_assessment": _choices(SmiAssessment),
        }
        return table[field_name]


def _choices(choices) -> dict[str, str]:
    return {norm(value): str(value) for value in choices.values}


def _shared_agencies(agency: Agency) -> list[int]:
    """The profile's agency first (its own codes win), then the regional administrator's."""
    regional = Agency.objects.filter(kind=AgencyKind.REGIONAL_ADMIN).values_list("pk", flat=True)
    return [agency.pk, *[pk for pk in regional if pk != agency.pk]]


def program_codes(agency: Agency, protocol: Protocol) -> ProgramCodes:
    order = _shared_agencies(agency)
    rank = {pk: i for i, pk in enumerate(order)}
    codes = sorted(
        Code.objects.filter(owning_agency__in=order),
        key=lambda c: -rank[c.owning_agency_id],  # the most specific written last, so it wins
    )
    call_types: dict[str, CallTypeEntry] = {}
    for key, spec in protocol.call_types.items():
        call_types[norm(key)] = CallTypeEntry(key, spec.apco, spec.category, spec.behavioral_health)
    dispositions = {norm(d): (str(d), str(d)) for d in Disposition.values}
    for code in codes:
        if code.list == CodeList.CALL_TYPE:
            crosswalk = protocol.call_type(code.code, code.standard)
            category = crosswalk.category if crosswalk else UNCLASSIFIED
            entry = CallTypeEntry(code.code, code.standard, category, code.behavioral_health)
            call_types[norm(code.code)] = entry
        elif code.list == CodeList.DISPOSITION:
            dispositions[norm(code.code)] = (code.code, code.standard)
    teams = {}
    for team in Team.objects.all():
        entry = TeamEntry(
            team.pk,
            team.code,
            team.owning_agency_id,
            team.clinical_agency_id,
            MODE_OF_MODEL.get(team.program_model, "co_responder"),
        )
        teams[norm(team.code)] = entry
        teams.setdefault(norm(team.call_sign), entry)
    jurisdictions: dict[str, int] = {}
    for j in Jurisdiction.objects.all():
        jurisdictions[norm(j.code)] = j.pk
        jurisdictions.setdefault(norm(j.name), j.pk)
    sources = {norm(s): str(s) for s in CallSource.values}
    return ProgramCodes(
        call_types=call_types,
        dispositions=dispositions,
        teams=teams,
        jurisdictions=jurisdictions,
        sources=sources,
        bh_keywords=bh_keyword_patterns(protocol),
        protocol_version=protocol.version,
    )


def bh_keyword_patterns(protocol: Protocol) -> list[tuple[str, str]]:
    """Flags that a protocol rule turns into a BH call on keywords alone, with the flag's
    regex in RE2 syntax (DuckDB): the same words the live triage looks for."""
    flags: list[str] = []
    for rule in protocol.rules:
        when = rule.when.model_dump(exclude_none=True)
        if rule.then.behavioral_health and set(when) == {"keywords"}:
            flags += [f for f in when["keywords"] if f not in flags]
    return [
        (flag, "(?i)" + _compile(protocol.keywords[flag]).pattern)
        for flag in flags
        if protocol.keywords.get(flag)
    ]


def db_checker(codes_for: "callable") -> "callable":
    """A `profile_parse` check: the agency exists and every mapped value is a program code.

    `codes_for(agency)` builds the `ProgramCodes` once the agency is known.
    """

    def check(data: dict, line_of: LineOf) -> list[Problem]:
        agency_code = data.get("agency")
        agency = Agency.objects.filter(code=agency_code).first() if agency_code else None
        if agency is None:
            if isinstance(agency_code, str):
                known = ", ".join(Agency.objects.values_list("code", flat=True))
                return [(("agency",), f"expected an agency code ({known}); got {agency_code!r}")]
            return []
        codes = codes_for(agency)
        problems: list[Problem] = []
        fields = data.get("fields")
        for name, spec in (fields if isinstance(fields, dict) else {}).items():
            if name not in codes_known_fields() or not isinstance(spec, dict):
                continue
            known = codes.known(name)
            targets = [(("value",), spec.get("value"))] if "value" in spec else []
            values = spec.get("values")
            if isinstance(values, dict):
                targets += [(("values", str(k)), v) for k, v in values.items()]
            for loc, target in targets:
                text = _text(target)
                if text is not None and norm(text) not in known:
                    problems.append(
                        (("fields", name, *loc), f"expected a {_what(name)}; got {text!r}")
                    )
        return problems

    return check


def codes_known_fields() -> tuple[str, ...]:
    return (
        "call_type",
        "final_call_type",
        "disposition",
        "team",
        "jurisdiction",
        "source",
        "clinician_assessed",
        "charge_level",
        "smi_screen",
        "smi_assessment",
    )


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _what(name: str) -> str:
    return {
        "call_type": "call type of the program's list or the triage protocol",
        "final_call_type": "call type of the program's list or the triage protocol",
        "disposition": "disposition code of the program",
        "team": "team code or call sign",
        "jurisdiction": "jurisdiction code or name",
        "source": "call source (" + ", ".join(CallSource.values) + ")",
        "clinician_assessed": "yes or no",
        "charge_level": "charge level (" + ", ".join(ChargeLevel.values) + ")",
        "smi_screen": "screening result (" + ", ".join(SmiScreen.values) + ")",
        "smi_assessment": "assessment result (" + ", ".join(SmiAssessment.values) + ")",
    }[name]
