"""The splink model behind `people.linkage`: blocking rules, comparisons and training.

A Fellegi-Sunter model: each comparison (given name, family name, date of birth, sex,
address, phone, identifier) has levels from "the same" to "nothing alike", and each level
has an m (how often true matches land there) and a u (how often chance pairs do). The
levels encode what registries see in practice: nicknames, typos and OCR slips,
double-barrelled and married surnames, given and family names written the wrong way
round, day and month swapped. Names, dates of birth, addresses and phones get
term-frequency adjustments, so agreeing on "smith", on January 1st or on a shelter's
address weighs less than agreeing on a rare value.

Every level carries a prior m and u, used as they are for small inputs and as the
starting point of training for large ones: u from random pairs, m by expectation
maximisation on two blocking rules, both with fixed seeds, so a run is repeatable; m
values EM drove to nothing are raised to a floor so a rare pattern still counts.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import Linker, SettingsCreator, block_on

logger = logging.getLogger(__name__)

# Below this many records there are too few pairs to learn from: use the priors.
MIN_RECORDS_TO_TRAIN = 1_000
SEED = 20_240_601
# Pairs sampled to estimate u (one pass per comparison), and the cap on pairs per EM
# rule: enough for stable estimates at a million records, few enough to train in
# seconds. Exact agreement on names, dates, addresses and phones is weighed by term
# frequency, which needs no sample; the sample serves the partial-agreement levels.
U_SAMPLE_PAIRS = 4e5
EM_MAX_PAIRS = 3e5

# One representative for "two random records are the same person" before the data says
# otherwise (about one duplicate per record among a hundred thousand).
DEFAULT_PRIOR = 1e-5


def _jw(left: str, right: str, dialect: str) -> str:
    function = "jaro_winkler" if dialect == "spark" else "jaro_winkler_similarity"
    return f"{function}({left}, {right})"


def _in_bars(name: str, bars: str) -> str:
    """`name` is one of the names in a "|a|b|" list (instr exists in DuckDB and Spark)."""
    return f"instr({bars}, concat('|', {name}, '|')) > 0"


def _level(level, m: float, u: float, tf: str | None = None):
    options: dict[str, Any] = {"m_probability": m, "u_probability": u}
    if tf:
        options["tf_adjustment_column"] = tf
    return level.configure(**options)


def _comparison(name: str, levels: list) -> cl.CustomComparison:
    return cl.CustomComparison(comparison_levels=levels, output_column_name=name)


# String distances are the cost of scoring: Jaro-Winkler is cheap in DuckDB, Damerau-
# Levenshtein is ten times dearer, so levels lean on Jaro-Winkler, sound-alike codes and
# plain equality of parts.


def given_name_comparison(dialect: str, tf: bool) -> cl.CustomComparison:
    nickname = (
        f"{_in_bars('given_first_r', 'given_aliases_l')} "
        f"OR {_in_bars('given_first_l', 'given_aliases_r')} "
        # the same with OCR slips read alike ("llb" for "lib", short for elizabeth)
        f"OR {_in_bars('given_ocr_r', 'given_aliases_ocr_l')} "
        f"OR {_in_bars('given_ocr_l', 'given_aliases_ocr_r')}"
    )
    return _comparison(
        "given_name",
        [
            cll.NullLevel("given_first"),
            _level(cll.ExactMatchLevel("given_first"), 0.82, 0.01, "given_first" if tf else None),
            _level(cll.CustomLevel(nickname, "nickname, or a given name in common"), 0.07, 0.002),
            _level(cll.JaroWinklerLevel("given_first", 0.92), 0.04, 0.003),
            _level(cll.ExactMatchLevel("given_ocr"), 0.02, 0.002),
            _level(
                cll.Or(cll.JaroWinklerLevel("given_first", 0.8), cll.ExactMatchLevel("given_sx")),
                0.03,
                0.03,
            ),
            _level(
                cll.CustomLevel(
                    "(length(given_first_l) = 1 OR length(given_first_r) = 1) "
                    "AND given_initial_l = given_initial_r",
                    "an initial that fits",
                ),
                0.01,
                0.01,
            ),
            _level(
                cll.CustomLevel(
                    f"{_jw('given_first_l', 'family_first_r', dialect)} >= 0.9",
                    "given name written as the family name",
                ),
                0.01,
                0.0002,
            ),
            _level(cll.ElseLevel(), 0.02, 0.955),
        ],
    )


def family_name_comparison(dialect: str, tf: bool) -> cl.CustomComparison:
    shared_part = (
        f"{_in_bars('family_first_r', 'family_tokens_l')} "
        f"OR {_in_bars('family_first_l', 'family_tokens_r')}"
    )
    return _comparison(
        "family_name",
        [
            cll.NullLevel("family_norm"),
            _level(cll.ExactMatchLevel("family_norm"), 0.82, 0.002, "family_norm" if tf else None),
            _level(cll.JaroWinklerLevel("family_norm", 0.92), 0.06, 0.002),
            _level(cll.ExactMatchLevel("family_ocr"), 0.02, 0.0005),
            _level(
                cll.CustomLevel(shared_part, "one part of a double surname in common"),
                0.03,
                0.0005,
            ),
            _level(
                cll.Or(cll.JaroWinklerLevel("family_norm", 0.8), cll.ExactMatchLevel("family_sx")),
                0.04,
                0.03,
            ),
            _level(
                cll.CustomLevel(
                    f"{_jw('family_first_l', 'given_first_r', dialect)} >= 0.9",
                    "family name written as the given name",
                ),
                0.01,
                0.0002,
            ),
            _level(cll.ElseLevel(), 0.04, 0.965),
        ],
    )


def date_of_birth_comparison(tf: bool) -> cl.CustomComparison:
    year, month, day = ("substr(dob_{0}, 1, 4)", "substr(dob_{0}, 6, 2)", "substr(dob_{0}, 9, 2)")
    same = [f"{part.format('l')} = {part.format('r')}" for part in (year, month, day)]
    two_of_three = (
        f"({same[0]} AND {same[1]}) OR ({same[0]} AND {same[2]}) OR ({same[1]} AND {same[2]})"
    )
    return _comparison(
        "date_of_birth",
        [
            cll.NullLevel("dob"),
            _level(cll.ExactMatchLevel("dob"), 0.85, 4e-5, "dob" if tf else None),
            _level(cll.CustomLevel("dob_l = dob_swapped_r", "day and month swapped"), 0.03, 4e-5),
            _level(cll.CustomLevel(two_of_three, "one of year, month, day differs"), 0.08, 0.003),
            _level(cll.ElseLevel(), 0.04, 0.997),
        ],
    )


def sex_comparison() -> cl.CustomComparison:
    return _comparison(
        "sex",
        [
            cll.NullLevel("sex"),
            _level(cll.ExactMatchLevel("sex"), 0.97, 0.5),
            _level(cll.ElseLevel(), 0.03, 0.5),
        ],
    )


def address_comparison(dialect: str, tf: bool) -> cl.CustomComparison:
    return _comparison(
        "address",
        [
            cll.NullLevel("address"),
            _level(cll.ExactMatchLevel("address"), 0.55, 1e-4, "address" if tf else None),
            _level(cll.JaroWinklerLevel("address", 0.95), 0.1, 2e-4),
            _level(
                cll.CustomLevel(
                    "address_number_l = address_number_r AND "
                    f"{_jw('address_street_l', 'address_street_r', dialect)} >= 0.88",
                    "same house number and street",
                ),
                0.08,
                5e-4,
            ),
            _level(cll.JaroWinklerLevel("address", 0.85), 0.05, 0.01),
            _level(cll.ExactMatchLevel("address_zip"), 0.05, 0.05),
            _level(cll.ElseLevel(), 0.17, 0.94),
        ],
    )


def phone_comparison(tf: bool) -> cl.CustomComparison:
    return _comparison(
        "phone",
        [
            cll.NullLevel("phone"),
            _level(cll.ExactMatchLevel("phone"), 0.6, 1e-4, "phone" if tf else None),
            _level(cll.LevenshteinLevel("phone", 1), 0.05, 5e-4),
            _level(cll.ElseLevel(), 0.35, 0.9994),
        ],
    )


def id_number_comparison() -> cl.CustomComparison:
    return _comparison(
        "id_number",
        [
            cll.NullLevel("id_number"),
            _level(cll.ExactMatchLevel("id_number"), 0.9, 1e-6),
            _level(cll.DamerauLevenshteinLevel("id_number", 1), 0.05, 1e-5),
            _level(cll.LevenshteinLevel("id_number", 2), 0.03, 1e-4),
            _level(cll.ElseLevel(), 0.02, 0.9999),
        ],
    )


def prediction_blocking_rules() -> list:
    """Pairs to score: a true pair needs only one rule to hold.

    Names, date of birth and address each fail in their own ways (nicknames and OCR
    slips, a missing or swapped date, a move), so the rules pair them up: the two names
    (the family name exact and the given name canonical or sound-alike, or both as OCR
    skeletons), the date of birth (read either way round) with the initial of either
    name or the ZIP code, the address or ZIP with initials or the house number; then the
    phone, the identifier and names written the wrong way round. At a million records
    they make about 5.5 million pairs.
    Each rule was kept for the true pairs only it finds in synthetic data with typos,
    OCR slips, transposed and double-barrelled names (about 1% of pairs find no block,
    and those have lost most of what identifies them).
    """
    return [
        block_on("given_canon", "family_norm"),
        block_on("given_sx", "family_norm"),
        block_on("given_ocr", "family_ocr"),
        block_on("dob_key", "family_initial"),
        block_on("dob_key", "given_initial"),
        block_on("dob_key", "address_zip"),
        "l.dob_key = r.dob_key AND l.given_initial = r.family_initial "
        "AND l.family_initial = r.given_initial",
        "l.given_first = r.family_first AND l.family_first = r.given_first",
        block_on("phone_block"),
        block_on("address_block", "given_initial"),
        block_on("address_block", "family_initial"),
        block_on("address_zip", "family_sx", "given_initial"),
        block_on("address_zip", "address_number"),
        block_on("id_number"),
    ]


def build_settings(*, dialect: str, columns: Iterable[str], tf: bool = True) -> SettingsCreator:
    """The model for the columns that hold any data (a column all empty adds nothing)."""
    present = set(columns)
    comparisons = [
        given_name_comparison(dialect, tf),
        family_name_comparison(dialect, tf),
        date_of_birth_comparison(tf),
    ]
    optional = {
        "sex": sex_comparison,
        "address": lambda: address_comparison(dialect, tf),
        "phone": lambda: phone_comparison(tf),
        "id_number": id_number_comparison,
    }
    comparisons += [make() for column, make in optional.items() if column in present]
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        probability_two_random_records_match=DEFAULT_PRIOR,
        blocking_rules_to_generate_predictions=prediction_blocking_rules(),
        comparisons=comparisons,
        additional_columns_to_retain=["source_agency"],
        retain_intermediate_calculation_columns=False,
        em_convergence=0.001,
        max_iterations=25,
    )


# EM sets m near zero for a level the training data never shows (no transposed names
# this month); such a level must still count when the pattern turns up, so trained m
# values are kept at or above this.
M_FLOOR = 0.005


def train(linker: Linker, *, records: int) -> dict[str, Any]:
    """Estimate the prior, u and m; return the trained model as a settings dict.

    Small inputs keep the prior model. m values EM pushed below `M_FLOOR` are raised.
    """
    if records < MIN_RECORDS_TO_TRAIN:
        logger.info("linkage: %s records, using the prior model", records)
        return linker.misc.save_model_to_json()
    training = linker.training
    training.estimate_probability_two_random_records_match(
        [block_on("given_first", "family_norm", "dob"), block_on("id_number")],
        recall=0.6,
    )
    training.estimate_u_using_random_sampling(
        max_pairs=U_SAMPLE_PAIRS, seed=SEED, num_chunks=1, min_count_per_level=None
    )
    for rule in (block_on("given_canon", "family_sx"), block_on("dob")):
        training.estimate_parameters_using_expectation_maximisation(
            rule, estimate_without_term_frequencies=True, max_pairs=EM_MAX_PAIRS
        )
    model = linker.misc.save_model_to_json()
    for comparison in model["comparisons"]:
        for level in comparison["comparison_levels"]:
            m = level.get("m_probability")
            if m is not None and not level.get("is_null_level") and m < M_FLOOR:
                level["m_probability"] = M_FLOOR
    return model
