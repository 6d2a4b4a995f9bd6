"""Normalisation of person records before linkage: the `prepare` step of `people.linkage`.

Records repeat their values (a million records hold a few tens of thousands of distinct
names and dates), so every column is normalised once per distinct value and the
results are spread back to the records with an Arrow `take`. The string work is DuckDB
SQL; the two things SQL does badly, nickname look-ups and Soundex, are Python, also once
per distinct value. Nothing touches the database: a pandas DataFrame goes in, an Arrow
table or a DataFrame comes out.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from functools import cache
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

INPUT_COLUMNS = (
    "unique_id",
    "source_agency",
    "given_name",
    "family_name",
    "date_of_birth",
    "sex",
    "address",
    "phone",
)
# Optional: a number that identifies the person beyond one agency (state ID, driver's
# licence, social security number). Used when present, never required.
OPTIONAL_COLUMNS = ("id_number",)

# A shelter's address or phone is shared by hundreds of unrelated people: such values
# still count as evidence (with their term frequency) but do not open a block.
MAX_SHARED_BLOCK_VALUE = 50

_NICKNAMES_CSV = Path(__file__).with_name("nicknames.csv")

# Titles, suffixes and the placeholders records use for "no name".
_NAME_NOISE = ("mr", "mrs", "ms", "miss", "mx", "dr", "rev", "jr", "sr", "ii", "iii", "iv")
_UNKNOWN_NAMES = ("unknown", "unk", "none", "na", "fnu", "lnu", "nfn", "nmn", "xx", "xxx")
_UNKNOWN_ADDRESSES = (
    "unknown",
    "unk",
    "none",
    "na",
    "homeless",
    "transient",
    "nfa",
    "no fixed address",
    "no address",
    "n a",
)
_ADDRESS_WORDS = {
    "street": "st", "str": "st", "avenue": "ave", "av": "ave", "road": "rd", "drive": "dr",
    "lane": "ln", "court": "ct", "boulevard": "blvd", "place": "pl", "circle": "cir",
    "terrace": "ter", "parkway": "pkwy", "highway": "hwy", "crescent": "cres",
    "square": "sq", "apartment": "apt", "unit": "apt", "suite": "apt", "ste": "apt",
    "north": "n", "south": "s", "east": "e", "west": "w", "mount": "mt", "saint": "st",
}  # fmt: skip
# Dates that registries write when the date of birth is unknown.
_PLACEHOLDER_DOBS = ("1900-01-01", "1901-01-01")


def prepare(df: pd.DataFrame) -> pd.DataFrame:
    """Normalised columns for matching, one row per input record; the input is untouched."""
    return prepare_arrow(df).to_pandas(types_mapper=pd.ArrowDtype)


def prepare_arrow(df: pd.DataFrame) -> pa.Table:
    """`prepare` without the conversion back to pandas (what `link` hands to splink)."""
    if "unique_id" not in df.columns:
        raise ValueError("person records need a unique_id column")
    unique_id = df["unique_id"].astype(str)
    if unique_id.duplicated().any():
        raise ValueError("unique_id must be unique across the records being linked")
    con = duckdb.connect()
    try:
        con.execute("SET enable_progress_bar = false")
        parts = [
            pa.table({"unique_id": pa.array(unique_id.to_numpy(), pa.string())}),
            _per_value(
                con, _column(df, "source_agency"), _sql_columns({"source_agency": "value"})
            ),  # fmt: skip
            _per_value(con, _column(df, "given_name"), _given),
            _per_value(con, _column(df, "family_name"), _family),
            _per_value(con, _column(df, "date_of_birth"), _sql_columns(_DOB_SQL)),
            _per_value(con, _column(df, "sex"), _sql_columns(_SEX_SQL)),
            _per_value(con, _column(df, "address"), _sql_columns(_ADDRESS_SQL)),
            _per_value(con, _column(df, "phone"), _sql_columns(_PHONE_SQL)),
            _per_value(con, _column(df, "id_number"), _sql_columns(_ID_SQL)),
        ]
    finally:
        con.close()
    columns = {name: part[name] for part in parts for name in part.column_names}
    columns["address_block"] = _unless_shared(columns["address"])
    columns["phone_block"] = _unless_shared(columns["phone"])
    return pa.table(columns)


def _column(df: pd.DataFrame, name: str) -> pd.Series:
    return df[name] if name in df.columns else pd.Series([None] * len(df), dtype=object)


Transform = Callable[[duckdb.DuckDBPyConnection, pa.Table], pa.Table]


def _per_value(con: duckdb.DuckDBPyConnection, values: pd.Series, transform: Transform):
    """Run `transform` on the distinct values of a column, then spread it to the rows."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    distinct = pa.table(
        {
            "i": pa.array(np.arange(len(uniques)), pa.int64()),
            "value": pa.array([str(v) for v in uniques], pa.string()),
        }
    )
    derived = transform(con, distinct)
    indices = pa.array(codes, pa.int64(), mask=codes < 0)
    return derived.take(indices)


def _sql_columns(expressions: dict[str, str] | str) -> Transform:
    def transform(con: duckdb.DuckDBPyConnection, distinct: pa.Table) -> pa.Table:
        if isinstance(expressions, dict):
            selected = ", ".join(f"{sql} AS {name}" for name, sql in expressions.items())
            query = f"SELECT {selected} FROM distinct_values ORDER BY i"  # noqa: S608
        else:
            query = f"SELECT {expressions} ORDER BY i"
        con.register("distinct_values", distinct)
        return _arrow(con.sql(query))

    return transform


def _arrow(relation: duckdb.DuckDBPyRelation) -> pa.Table:
    result = relation.arrow()
    return result.read_all() if hasattr(result, "read_all") else result


def _unless_shared(values: pa.ChunkedArray) -> pa.Array:
    encoded = values.combine_chunks().dictionary_encode()
    present = encoded.indices.is_valid().to_numpy(zero_copy_only=False)
    indices = encoded.indices.fill_null(0).to_numpy(zero_copy_only=False)
    counts = np.bincount(indices[present], minlength=max(1, len(encoded.dictionary)))
    shared = present & (counts[indices] > MAX_SHARED_BLOCK_VALUE)
    return pc.if_else(pa.array(shared), pa.scalar(None, values.type), values)


# -- names -------------------------------------------------------------------------------


def _name_sql(column: str) -> str:
    """Lower-case ASCII letters and single spaces; look-alike digits read as letters."""
    letters = (
        f"regexp_replace(translate(regexp_replace(strip_accents(lower({column})), "
        "'[''`]', '', 'g'), '0123456789@$', 'olzeasgtbgas'), '[^a-z]+', ' ', 'g')"
    )
    noise = ", ".join(f"'{t}'" for t in _NAME_NOISE)
    tokens = f"list_filter(string_split(trim({letters}), ' '), lambda t: t NOT IN ('', {noise}))"
    return f"array_to_string({tokens}, ' ')"


def _clean_names(con: duckdb.DuckDBPyConnection, distinct: pa.Table) -> list[str | None]:
    con.register("distinct_values", distinct)
    cleaned = con.sql(
        f"SELECT CASE WHEN n IN ('', {', '.join(repr(t) for t in _UNKNOWN_NAMES)}) THEN NULL "  # noqa: S608
        f"ELSE n END AS n FROM (SELECT i, {_name_sql('value')} AS n FROM distinct_values) "
        "ORDER BY i"
    )
    return _arrow(cleaned)["n"].to_pylist()


def _given(con: duckdb.DuckDBPyConnection, distinct: pa.Table) -> pa.Table:
    norms = _clean_names(con, distinct)
    firsts = [None if n is None else _first_token(n) for n in norms]
    return pa.table(
        {
            "given_norm": pa.array(norms, pa.string()),
            "given_first": pa.array(firsts, pa.string()),
            "given_canon": pa.array(
                [_maybe(canonical_given_name, f) for f in firsts], pa.string()
            ),  # fmt: skip
            # "|bob|robert|...|": SQL finds a name in it with one cheap instr()
            "given_aliases": pa.array(
                [_maybe(lambda n: _bars(aliases(n)), n) for n in norms], pa.string()
            ),  # fmt: skip
            "given_sx": pa.array([_maybe(soundex, f) for f in firsts], pa.string()),
            "given_ocr": pa.array([_maybe(ocr_skeleton, f) for f in firsts], pa.string()),
            "given_aliases_ocr": pa.array(
                [_maybe(lambda n: _bars([ocr_skeleton(a) for a in aliases(n)]), n) for n in norms],
                pa.string(),
            ),
            "given_initial": pa.array([_maybe(_initial, f) for f in firsts], pa.string()),
        }
    )


def _family(con: duckdb.DuckDBPyConnection, distinct: pa.Table) -> pa.Table:
    norms = _clean_names(con, distinct)
    return pa.table(
        {
            "family_norm": pa.array(norms, pa.string()),
            "family_first": pa.array(
                [_maybe(lambda n: n.split()[0], n) for n in norms], pa.string()
            ),  # fmt: skip
            # each part of a double or hyphenated surname, for "shares a surname"
            "family_tokens": pa.array(
                [_maybe(lambda n: _bars(n.split()), n) for n in norms], pa.string()
            ),  # fmt: skip
            "family_sx": pa.array(
                [_maybe(lambda n: soundex(n.replace(" ", "")), n) for n in norms], pa.string()
            ),  # fmt: skip
            "family_ocr": pa.array(
                [_maybe(lambda n: ocr_skeleton(n.replace(" ", "")), n) for n in norms], pa.string()
            ),  # fmt: skip
            "family_initial": pa.array([_maybe(_initial, n) for n in norms], pa.string()),
        }
    )


def _bars(names: list[str]) -> str:
    return "|" + "|".join(sorted(set(names))) + "|"


def _maybe(fn, value):
    return None if value is None else fn(value)


def _first_token(name: str) -> str:
    """The name a person goes by: the first token that is more than an initial."""
    tokens = name.split()
    return next((t for t in tokens if len(t) > 1), tokens[0])


@cache
def nickname_table() -> dict[str, frozenset[str]]:
    """name -> the names it is directly related to in the nickname list, either way round.

    The list says "robert has_nickname bob"; a few rows are written the other way, so
    the relation is kept without direction.
    """
    related: dict[str, set[str]] = {}
    for formal, nickname in _nickname_rows():
        related.setdefault(formal, set()).add(nickname)
        related.setdefault(nickname, set()).add(formal)
    return {name: frozenset(names) for name, names in related.items()}


@cache
def _nickname_rows() -> tuple[tuple[str, str], ...]:
    with _NICKNAMES_CSV.open(newline="", encoding="utf-8") as handle:
        rows = csv.DictReader(handle)
        return tuple((row["name1"].strip(), row["name2"].strip()) for row in rows)


@cache
def _formality() -> dict[str, int]:
    """How many nicknames a name has: "robert" many, "bob" few."""
    counts: dict[str, int] = {}
    for formal, _ in _nickname_rows():
        counts[formal] = counts.get(formal, 0) + 1
    return counts


@cache
def canonical_given_name(name: str) -> str:
    """One representative per nickname, so "bob" and "robert" share a block.

    Of the name and the names directly related to it, the one with most nicknames of its
    own: "bob" -> "robert", "peggy" -> "margaret". One step only, since following chains
    ("bill" is short for both "robert" and "william") would merge unrelated names.
    """
    formality = _formality()
    candidates = sorted(nickname_table().get(name, frozenset()) | {name})
    return max(candidates, key=lambda c: (formality.get(c, 0), c == name))


def _tokens(given_norm: str) -> list[str]:
    tokens = [t for t in given_norm.split() if len(t) > 1]
    return sorted(set(tokens or given_norm.split()))


def aliases(given_norm: str) -> list[str]:
    """The given names and every name directly related to one of them."""
    table = nickname_table()
    names: set[str] = set()
    for token in _tokens(given_norm):
        names.add(token)
        names.update(table.get(token, ()))
    return sorted(names)


# Letters a scanner or a tired eye confuses, read as one: "rn" and "m", "ri" and "n",
# "vv" and "w"; then e/o/c as a, j/l as i, v as u, h as b, m as n, q as g; doubled
# letters once. Two names with the same skeleton may be one name badly read.
_OCR_SEQUENCES = (("rn", "m"), ("ri", "n"), ("vv", "w"), ("ii", "u"))
_OCR_LETTERS = str.maketrans("eocjlvhmq", "aaaiiubng")


def _initial(name: str) -> str:
    """The first letter, as meant: "rnichael" starts with m."""
    for seen, meant in _OCR_SEQUENCES:
        if name.startswith(seen):
            return meant
    return name[0]


def ocr_skeleton(name: str) -> str:
    for seen, meant in _OCR_SEQUENCES:
        name = name.replace(seen, meant)
    name = name.translate(_OCR_LETTERS)
    return "".join(c for i, c in enumerate(name) if i == 0 or c != name[i - 1])


_SOUNDEX_CODES = {
    **dict.fromkeys("bfpv", "1"), **dict.fromkeys("cgjkqsxz", "2"), **dict.fromkeys("dt", "3"),
    "l": "4", **dict.fromkeys("mn", "5"), "r": "6",
}  # fmt: skip


def soundex(name: str) -> str | None:
    """American Soundex (letter + three digits); h and w do not separate equal codes."""
    letters = [c for c in name.lower() if "a" <= c <= "z"]
    if not letters:
        return None
    code, previous = [letters[0]], _SOUNDEX_CODES.get(letters[0], "")
    for char in letters[1:]:
        digit = _SOUNDEX_CODES.get(char, "")
        if digit and digit != previous:
            code.append(digit)
        if char not in "hw":
            previous = digit
    return ("".join(code) + "000")[:4]


# -- dates, sex, address, phone, identifiers ---------------------------------------------

# SQL assembled from constants of this module only: record values travel as data.
_DOB_SQL = f"""
    dob, dob_swapped, dob_key, dob_year
FROM (
    SELECT i,
        CASE WHEN y BETWEEN 1900 AND 2100 AND TRY_CAST(iso AS DATE) IS NOT NULL
              AND iso NOT IN {_PLACEHOLDER_DOBS} THEN iso END AS dob,
        CASE WHEN dob IS NOT NULL AND d <= 12 AND d <> m
             THEN printf('%04d-%02d-%02d', y, d, m) END AS dob_swapped,
        -- equal for a date and its day/month swap: one block catches both
        CASE WHEN dob IS NOT NULL
             THEN printf('%04d-%02d-%02d', y, least(m, d), greatest(m, d)) END AS dob_key,
        CASE WHEN dob IS NOT NULL THEN y END AS dob_year
    FROM (
        SELECT *, printf('%04d-%02d-%02d', y, m, d) AS iso FROM (
            SELECT i, TRY_CAST(p.y AS INTEGER) AS y,
                -- "1985-25-03" is a day-first date in a month-first field: read it so
                CASE WHEN TRY_CAST(p.m AS INTEGER) > 12 THEN TRY_CAST(p.d AS INTEGER)
                     ELSE TRY_CAST(p.m AS INTEGER) END AS m,
                CASE WHEN TRY_CAST(p.m AS INTEGER) > 12 THEN TRY_CAST(p.m AS INTEGER)
                     ELSE TRY_CAST(p.d AS INTEGER) END AS d
            FROM (
                SELECT i, regexp_extract(trim(value), '^(\\d{{4}})-?(\\d{{1,2}})-?(\\d{{1,2}})',
                                         ['y', 'm', 'd']) AS p
                FROM distinct_values
            )
        )
    )
)"""  # noqa: S608

_SEX_SQL = {
    "sex": """CASE lower(left(trim(value), 1)) WHEN 'm' THEN 'm' WHEN '1' THEN 'm'
              WHEN 'f' THEN 'f' WHEN 'w' THEN 'f' WHEN '2' THEN 'f' WHEN 'x' THEN 'x' END"""
}

_ADDRESS_TEXT = (
    "trim(regexp_replace(regexp_replace(strip_accents(lower(value)), '#', ' apt ', 'g'), "
    "'[^a-z0-9]+', ' ', 'g'))"
)
_ADDRESS_CASE = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in _ADDRESS_WORDS.items())
_ADDRESS_SQL = f"""
    address,
    nullif(regexp_extract(address, '^(\\d+)\\s*[a-z]?\\s+[a-z]', 1), '') AS address_number,
    nullif(regexp_extract(address, '^\\d+\\s*[a-z]?\\s+([a-z]+)', 1), '') AS address_street,
    nullif(regexp_extract(address, '.\\b(\\d{{4,5}})\\b\\D*$', 1), '') AS address_zip
FROM (
    SELECT i, CASE WHEN t IN {_UNKNOWN_ADDRESSES} OR t = '' THEN NULL ELSE
        array_to_string(list_transform(string_split(t, ' '),
                        lambda w: CASE w {_ADDRESS_CASE} ELSE w END), ' ') END AS address
    FROM (SELECT i, {_ADDRESS_TEXT} AS t FROM distinct_values)
)"""  # noqa: S608

_PHONE_SQL = """
    CASE WHEN length(p) >= 7 AND replace(p, left(p, 1), '') <> ''
          AND p NOT IN ('1234567890', '0123456789') THEN p END AS phone
FROM (
    -- the last ten digits: no country code, no punctuation
    SELECT i, right(regexp_replace(value, '\\D', '', 'g'), 10) AS p FROM distinct_values
)"""

_ID_SQL = """
    CASE WHEN length(c) >= 4 AND replace(c, left(c, 1), '') <> '' THEN c END AS id_number
FROM (SELECT i, regexp_replace(lower(value), '[^0-9a-z]', '', 'g') AS c FROM distinct_values)
"""
