"""Behavioral-health identification of imported calls, as SQL over the `rows` table.

A call is BH when its call type is in a BH category of the program's code list or the
triage protocol (`ct_bh`), when its final type after recoding is (`ft_bh`), or when its
narrative matches one of the keyword flags the protocol turns into a BH call on its
own (`kw_<i>`, see `codes.bh_keyword_patterns`). Each imported call keeps its reason in
words (`bh_reason`): the rules it meets, or why it is not a BH call.
"""

from dataclasses import dataclass

from tandem.imports.codes import ProgramCodes
from tandem.imports.transform import lit


@dataclass(frozen=True)
class BhRule:
    """One reason a call is behavioral health, as the live triage writes a rule fired."""

    condition: str  # over `rows`
    rule_id: str
    description: str  # an SQL expression


def bh_rules(codes: ProgramCodes) -> list[BhRule]:
    rules = [
        BhRule(
            "ct_bh",
            "import-call-type",
            "'call type ' || call_type_code || ' is in the BH category ' || ct_category "
            "|| ' (APCO ' || ct_apco || ')'",
        ),
        BhRule(
            "ft_bh",
            "import-final-type",
            "'final type ' || final_call_type_code || ' after recoding is in the BH category ' "
            "|| ft_category || ' (APCO ' || ft_apco || ')'",
        ),
    ]
    for i, (flag, _pattern) in enumerate(codes.bh_keywords):
        # The flag, never the narrative's own words: whoever reads the call's triage
        # may not be allowed to read its narrative.
        description = lit(f"narrative mentions {flag.replace('_', ' ')}")
        rules.append(BhRule(f"kw_{i}", "import-narrative", description))
    return rules


def bh_reason_sql(codes: ProgramCodes) -> str:
    """SQL for each row's reason, in words: every BH rule it meets, or why it is not BH."""
    met = ", ".join(f"CASE WHEN {r.condition} THEN {r.description} END" for r in bh_rules(codes))
    return f"CASE WHEN bh THEN concat_ws('; ', {met}) ELSE 'not BH: ' || {not_bh_reason_sql()} END"


def not_bh_reason_sql() -> str:
    """The reason a call is not BH, from the same columns (used when no rule fired)."""
    return (
        "concat_ws('; ', "
        "CASE WHEN call_type_code IS NULL THEN 'call type ''' "
        "|| coalesce(left(call_type_raw, 60), '') "
        "|| ''' is not in the program''s list' "
        "WHEN ct_apco IS NULL THEN 'call type ' || call_type_code || ' has no APCO crosswalk' "
        "ELSE 'call type ' || call_type_code || ' (' || ct_category || ', APCO ' || ct_apco "
        "|| ') is not a BH type' END, "
        "CASE WHEN final_call_type_code IS NOT NULL THEN 'final type ' || final_call_type_code "
        "|| ' is not a BH type' END, "
        "CASE WHEN narrative_raw IS NULL THEN 'no narrative' "
        "ELSE 'no BH keyword in the narrative' END)"
    )
