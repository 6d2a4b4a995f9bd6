"""The profile turned into DuckDB SQL: parse, map, check and flag every row at once.

`build_rows(con, profile, codes, read)` leaves a table `rows` with one row per record:
the parsed values, `issues` (a list of {code, field, message, reject}), `rejected`, the
month of the call (local time) and the behavioral-health flag with its reasons. No
Python runs per row: a million rows are a handful of column operations.
"""

from collections.abc import Iterable

import duckdb
import pyarrow as pa

from tandem.imports.codes import ProgramCodes, norm
from tandem.imports.profile import CODED_FIELDS, TIME_FIELDS, Profile, TimeSpec, ValueSpec
from tandem.imports.reader import Read

# Check codes, in the order the report lists them, with the words it uses.
CHECKS = {
    "malformed": "Record the CSV parser could not split into the header's columns",
    "missing": "Required field empty",
    "unparseable": "Value in no format the profile lists",
    "future": "Time in the future",
    "impossible": "Time before 1990 (a placeholder?)",
    "midnight": "Time exactly 00:00:00 (a placeholder?)",
    "order": "Times out of order",
    "unmapped": "Value outside the program's codes, not mapped",
    "duplicate_key": "Incident number given twice",
    "duplicate_content": "Same content as another row under another incident number",
    "invalid": "Value too long or out of range",
    "number_taken": "Call number already used by another call",
}
ISO_FORMATS = ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"]  # how a spreadsheet's own date cells read
MAX_NUMBER = 32  # dispatch.Call.number
MAX_INCIDENT_ID = 200  # dispatch.Call.incident_id
DEFAULT_PRIORITY = 3
# A field's order relative to the ones before it: (field, earlier fields, message).
ORDER_RULES = (
    ("dispatched_at", ("received_at",), "dispatched before the call was received"),
    ("en_route_at", ("dispatched_at",), "en route before dispatch"),
    ("arrived_at", ("en_route_at", "dispatched_at"), "arrival before dispatch"),
    ("cleared_at", ("arrived_at", "en_route_at", "dispatched_at"), "cleared before arrival"),
)


def q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def lit(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def _text(column: str) -> str:
    return f"nullif(trim(r.{q(column)}), '')"


def _norm(expr: str) -> str:
    return f"upper(trim(regexp_replace({expr}, '\\s+', ' ', 'g')))"


def _list(items: Iterable[str]) -> str:
    return "[" + ", ".join(lit(i) for i in items) + "]"


def _issue(code: str, field: str, message: str, reject: str | bool) -> str:
    reject_sql = reject if isinstance(reject, str) else ("true" if reject else "false")
    return (
        f"{{'code': {lit(code)}, 'field': {lit(field)}, 'message': {message}, "
        f"'reject': {reject_sql}}}"
    )


class _Sql:
    """Select-list pieces and joins for stage 1 (parse), and the issues of stage 2."""

    def __init__(self, profile: Profile, codes: ProgramCodes, read: Read) -> None:
        self.profile, self.codes, self.read = profile, codes, read
        self.select: list[str] = ["r._row", f"{_text(profile.key)} AS key"]
        self.joins: list[str] = []
        self.issues: list[tuple[str, str]] = []  # (condition, issue struct)
        self.required = {"received_at", *profile.required}

    # -- times -------------------------------------------------------------------
    def time(self, name: str, spec: TimeSpec) -> None:
        extra = ISO_FORMATS if self.read.typed_cells else []
        if spec.column:
            raw = _text(spec.column)
            parsed = f"try_strptime({raw}, {_list([*spec.formats, *extra])})"
            formats = spec.formats
        else:
            date, time = _text(spec.date), _text(spec.time)
            # Empty when either part is: a missing time means the step did not happen
            # (the date column is shared by every step of the row).
            both = f"{date} IS NOT NULL AND {time} IS NOT NULL"
            raw = f"CASE WHEN {both} THEN {date} || ' ' || {time} END"
            d = f"try_strptime({date}, {_list([*spec.date_formats, *extra])})"
            t = f"try_strptime({time}, {_list([*spec.time_formats, '%H:%M:%S'])})"
            parsed = f"(CAST({d} AS DATE) + CAST({t} AS TIME))"
            formats = [f"{a} + {b}" for a in spec.date_formats for b in spec.time_formats]
        self.select += [f"{raw} AS {name}_raw", f"{parsed} AS {name}_local"]
        required = name in self.required
        shown = f"left({name}_raw, 40)"
        self.issues += [
            (
                f"{name}_raw IS NULL",
                _issue("missing", name, lit(f"{name} is empty"), True),
            )
            if required
            else ("false", ""),
            (
                f"{name}_raw IS NOT NULL AND {name}_local IS NULL",
                _issue(
                    "unparseable",
                    name,
                    f"'{name}: ''' || {shown} || ''' matches none of the formats "
                    f"{', '.join(formats).replace(chr(39), chr(39) * 2)}'",
                    required,
                ),
            ),
            (
                f"{name} > now()",
                _issue("future", name, f"'{name} is in the future (' || {shown} || ')'", required),
            ),
            (
                f"{name}_local < TIMESTAMP '1990-01-01'",
                _issue(
                    "impossible", name, f"'{name} is before 1990 (' || {shown} || ')'", required
                ),
            ),
            (
                f"CAST({name}_local AS TIME) = TIME '00:00:00'",
                _issue(
                    "midnight",
                    name,
                    f"'{name} is at midnight exactly (' || {shown} || '), a placeholder?'",
                    False,
                ),
            ),
        ]

    # -- coded values ------------------------------------------------------------
    def coded(self, con, name: str, spec: ValueSpec) -> None:
        known = self.codes.known(name)
        if spec.value is not None:  # profile_check made sure it is a code
            code = known.get(norm(spec.value), spec.value)
            self.select += [f"{lit(spec.value)} AS {name}_raw", f"{lit(code)} AS {name}_code"]
            return
        table = {**known, **{norm(k): known.get(norm(v), v) for k, v in spec.values.items()}}
        con.register(
            f"_map_{name}",
            pa.table({"k": list(table), "code": list(table.values())}),
        )
        con.execute(f"CREATE TABLE map_{name} AS SELECT * FROM _map_{name}")  # noqa: S608
        raw = _text(spec.column)
        self.joins.append(f"LEFT JOIN map_{name} ON map_{name}.k = {_norm(raw)}")
        self.select += [f"{raw} AS {name}_raw", f"map_{name}.code AS {name}_code"]
        if name in self.required:
            self.issues.append(
                (f"{name}_raw IS NULL", _issue("missing", name, lit(f"{name} is empty"), True))
            )
        self.issues.append(
            (
                f"{name}_raw IS NOT NULL AND {name}_code IS NULL",
                _issue(
                    "unmapped",
                    name,
                    f"'{name}: ''' || left({name}_raw, 60) || ''' is not a program code and "
                    f"the profile does not map it'",
                    spec.unmapped == "reject",
                ),
            )
        )

    def plain(self, name: str, spec: ValueSpec) -> None:
        raw = lit(spec.value) if spec.value is not None else _text(spec.column)
        self.select.append(f"{raw} AS {name}_raw")
        if name in self.required:
            self.issues.append(
                (f"{name}_raw IS NULL", _issue("missing", name, lit(f"{name} is empty"), True))
            )

    def priority(self, spec: ValueSpec) -> None:
        raw = lit(spec.value) if spec.value is not None else _text(spec.column)
        mapped = raw
        if spec.values:
            cases = " ".join(f"WHEN {lit(norm(k))} THEN {lit(v)}" for k, v in spec.values.items())
            mapped = f"(CASE {_norm(raw)} {cases} ELSE {raw} END)"
        self.select += [f"{raw} AS priority_raw", f"try_cast({mapped} AS INTEGER) AS priority_n"]
        self.issues.append(
            (
                "priority_raw IS NOT NULL "
                "AND (priority_n IS NULL OR priority_n NOT BETWEEN 1 AND 9)",
                _issue(
                    "unparseable",
                    "priority",
                    "'priority: ''' || left(priority_raw, 20) || ''' is not a number from 1 to 9'",
                    "priority" in self.required,
                ),
            )
        )


def build_rows(
    con: duckdb.DuckDBPyConnection, profile: Profile, codes: ProgramCodes, read: Read
) -> None:
    con.execute("SET TimeZone = 'UTC'")
    sql = _Sql(profile, codes, read)
    given = profile.fields.given()
    for name in TIME_FIELDS:
        if name in given:
            sql.time(name, given[name])
        else:
            sql.select += [f"NULL::VARCHAR AS {name}_raw", f"NULL::TIMESTAMP AS {name}_local"]
    for name in CODED_FIELDS:
        if name in given:
            sql.coded(con, name, given[name])
        else:
            sql.select += [f"NULL::VARCHAR AS {name}_raw", f"NULL::VARCHAR AS {name}_code"]
    for name in ("location_text", "narrative"):
        if name in given:
            sql.plain(name, given[name])
        else:
            sql.select.append(f"NULL::VARCHAR AS {name}_raw")
    if "priority" in given:
        sql.priority(given["priority"])
    else:
        sql.select += ["NULL::VARCHAR AS priority_raw", "NULL::INTEGER AS priority_n"]
    content = [c for c in read.columns if c != profile.key]
    sql.select.append(
        f"hash({', '.join('r.' + q(c) for c in content)}) AS _content"
        if content
        else "0 AS _content"
    )
    con.execute(
        f"CREATE TABLE parsed AS SELECT {', '.join(sql.select)} FROM raw r {' '.join(sql.joins)}"  # noqa: S608
    )
    _crosswalk_tables(con, codes)
    _stage_two(con, profile, sql)


def _crosswalk_tables(con, codes: ProgramCodes) -> None:
    entries = {e.code: e for e in codes.call_types.values()}
    con.register(
        "_xwalk",
        pa.table(
            {
                "code": list(entries),
                "apco": [e.apco for e in entries.values()],
                "category": [e.category for e in entries.values()],
                "bh": [e.behavioral_health for e in entries.values()],
            }
        ),
    )
    con.execute("CREATE TABLE xwalk AS SELECT * FROM _xwalk")
    dispositions = dict(codes.dispositions.values())
    con.register(
        "_disp",
        pa.table({"code": list(dispositions), "standard": list(dispositions.values())}),
    )
    con.execute("CREATE TABLE disp AS SELECT * FROM _disp")


def _stage_two(con, profile: Profile, sql: _Sql) -> None:
    tz = lit(profile.timezone)
    times = ", ".join(f"timezone({tz}, {n}_local) AS {n}" for n in TIME_FIELDS)
    prefix = f"import:{profile.source}:"
    keyword_cols = ", ".join(
        f"coalesce(regexp_matches(narrative_raw, {lit(pattern)}), false) AS kw_{i}"
        for i, (_flag, pattern) in enumerate(sql.codes.bh_keywords)
    )
    con.execute(
        f"""
        CREATE TABLE stage AS
        SELECT p.*, {times},
          {lit(prefix)} || key AS incident_id,
          {lit(profile.number_prefix)} || key AS number,
          coalesce(strftime(received_at_local, '%Y-%m'), 'unknown') AS month,
          count(*) OVER (PARTITION BY key) AS key_count,
          min(_row) OVER (PARTITION BY key) AS key_first,
          min(_row) OVER (PARTITION BY _content) AS content_first,
          count(DISTINCT key) OVER (PARTITION BY _content) AS content_keys,
          ct.apco AS ct_apco, ct.category AS ct_category, coalesce(ct.bh, false) AS ct_bh,
          ft.apco AS ft_apco, ft.category AS ft_category, coalesce(ft.bh, false) AS ft_bh,
          d.standard AS disposition_standard
          {", " + keyword_cols if keyword_cols else ""}
        FROM parsed p
        LEFT JOIN xwalk ct ON ct.code = p.call_type_code
        LEFT JOIN xwalk ft ON ft.code = p.final_call_type_code
        LEFT JOIN disp d ON d.code = p.disposition_code
        """  # noqa: S608
    )
    issues = [
        ("key IS NULL", _issue("missing", "key", lit("incident number is empty"), True)),
        (
            f"length(number) > {MAX_NUMBER} OR length(incident_id) > {MAX_INCIDENT_ID}",
            _issue(
                "invalid",
                "key",
                f"'incident number ''' || left(key, 40) || ''' is longer than "
                f"{MAX_NUMBER - len(profile.number_prefix)} characters'",
                True,
            ),
        ),
        (
            "key IS NOT NULL AND key_count > 1 AND _row > key_first",
            _issue(
                "duplicate_key",
                "key",
                "'same incident number as row ' || key_first",
                True,
            ),
        ),
        (
            "content_keys > 1 AND _row > content_first",
            _issue(
                "duplicate_content",
                "",
                "'same content as row ' || content_first || ' under another incident number'",
                False,
            ),
        ),
        *[c for c in sql.issues if c[1]],
        *_order_issues(profile),
        (
            "team_code IS NOT NULL AND cleared_at_local IS NULL AND NOT "
            "(received_at_local IS NULL)",
            _issue(
                "missing",
                "cleared_at",
                lit("cleared_at is empty: the team's assignment is closed at its last known time"),
                False,
            ),
        ),
    ]
    cases = ", ".join(f"CASE WHEN {cond} THEN {struct} END" for cond, struct in issues)
    reasons = _bh_reasons(sql)
    con.execute(
        f"""
        CREATE TABLE rows AS
        SELECT *, len(list_filter(issues, lambda x: x.reject)) > 0 AS rejected
        FROM (
          SELECT *, list_filter([{cases}], lambda x: x IS NOT NULL) AS issues,
            list_filter([{reasons}], lambda x: x IS NOT NULL) AS bh_rules
          FROM stage
        )
        """  # noqa: S608
    )
    con.execute("DROP TABLE stage; DROP TABLE parsed")


def _order_issues(profile: Profile) -> list[tuple[str, str]]:
    given = profile.fields.given()
    out = []
    for name, earlier, message in ORDER_RULES:
        before = [e for e in earlier if e in given]
        if name not in given or not before:
            continue
        prior = f"coalesce({', '.join(f'{e}_local' for e in before)})"
        out.append(
            (
                f"{name}_local < {prior}",
                _issue("order", name, lit(message), False),
            )
        )
    return out


def _bh_reasons(sql: _Sql) -> str:
    """Why each call is (or is not) behavioral health, as triage-style rule entries."""
    yes = lit("behavioral health: yes")

    def rule(rule_id: str, description: str) -> str:
        return f"{{'rule_id': {lit(rule_id)}, 'description': {description}, 'effect': {yes}}}"

    parts = [
        "CASE WHEN ct_bh THEN "
        + rule(
            "import-call-type",
            "'call type ' || call_type_code || ' is in the BH category ' || ct_category "
            "|| ' (APCO ' || ct_apco || ')'",
        )
        + " END",
        "CASE WHEN ft_bh THEN "
        + rule(
            "import-final-type",
            "'final type ' || final_call_type_code || ' after recoding is in the BH category ' "
            "|| ft_category || ' (APCO ' || ft_apco || ')'",
        )
        + " END",
    ]
    for i, (flag, _pattern) in enumerate(sql.codes.bh_keywords):
        parts.append(
            # The flag, never the narrative's own words: whoever reads the call's triage
            # may not be allowed to read its narrative.
            f"CASE WHEN kw_{i} THEN "
            + rule("import-narrative", lit(f"narrative mentions {flag.replace('_', ' ')}"))
            + " END"
        )
    return ", ".join(parts)


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


def keyword_flags_sql(codes: ProgramCodes) -> str:
    flags = [
        f"CASE WHEN kw_{i} THEN {lit(flag)} END" for i, (flag, _p) in enumerate(codes.bh_keywords)
    ]
    if not flags:
        return "[]::VARCHAR[]"
    return f"list_filter([{', '.join(flags)}], lambda x: x IS NOT NULL)"
