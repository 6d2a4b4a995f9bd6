"""The profile turned into DuckDB SQL: parse, map, check and flag every row at once.

`build_rows(con, profile, codes, read)` leaves two tables:

- `rows`, one row per record: the parsed values, the month of the call (local time),
  the crosswalk of its call types, the narrative keyword flags, `bh` and `rejected`;
- `issues`, one row per problem found: (`_row`, `ord`, code, field, message, reject,
  private), `ord` keeping a row's problems in the order the checks are listed.

No Python runs per row, and no column holds a list: a million rows are a few dozen
column scans. Problems are kept long (one row each) because most rows have none, and a
column of lists of structs costs more to build than every check together.
"""

from collections.abc import Iterable
from dataclasses import dataclass

import duckdb

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
    "inconsistent": "Values that contradict each other",
}
ISO_FORMATS = ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"]  # how a spreadsheet's own date cells read
MAX_NUMBER = 32  # dispatch.Call.number
MAX_INCIDENT_ID = 200  # dispatch.Call.incident_id
DEFAULT_PRIORITY = 3
LATE_ORD = 1000  # `ord` of problems found after the checks (call number already taken)
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


def _text(column: str, table: str = "r") -> str:
    return f"nullif(trim({table}.{q(column)}), '')"


def _norm(expr: str) -> str:
    return f"upper(trim(regexp_replace({expr}, '\\s+', ' ', 'g')))"


def _list(items: Iterable[str]) -> str:
    return "[" + ", ".join(lit(i) for i in items) + "]"


@dataclass(frozen=True)
class Check:
    """One data-quality check: rows where `condition` holds get the issue."""

    condition: str
    code: str
    field: str
    message: str  # an SQL expression
    reject: bool | str = False  # or an SQL expression
    # About clinical data: counted in the report, never listed by row or kept on a record.
    private: bool = False

    def select(self, ord_: int, table: str = "rows") -> str:
        reject = self.reject if isinstance(self.reject, str) else str(self.reject).lower()
        return (
            f"SELECT _row, {ord_} AS ord, {lit(self.code)} AS code, "  # noqa: S608
            f"{lit(self.field)} AS field, {self.message} AS message, {reject} AS reject, "
            f"{str(self.private).lower()} AS private FROM {table} WHERE {self.condition}"
        )


def issues_create(con: duckdb.DuckDBPyConnection, checks: list[Check], table: str) -> None:
    """Table `issues` from the checks over `table`, and `rejected` set on `table`."""
    union = " UNION ALL ".join(check.select(i, table) for i, check in enumerate(checks))
    con.execute(f"CREATE TABLE issues AS {union}")  # noqa: S608
    con.execute(
        f"UPDATE {table} SET rejected = true "  # noqa: S608
        "WHERE _row IN (SELECT _row FROM issues WHERE reject)"
    )


def map_create(con: duckdb.DuckDBPyConnection, name: str, table: dict[str, str]) -> None:
    """Table `map_<name>(k, code)`: normalised spelling -> code."""
    con.execute(
        f"CREATE TABLE map_{name} AS SELECT unnest($k) AS k, unnest($code) AS code",  # noqa: S608
        {"k": list(table), "code": list(table.values())},
    )


def lookup_create(con: duckdb.DuckDBPyConnection, name: str, column: str) -> str:
    """Table `lk_<name>(v, code)` over the column's distinct raw values; returns the join.

    Normalising (case, runs of spaces) costs a regular expression per value: done once
    per distinct spelling, of which a coded column has few, instead of once per row.
    """
    con.execute(
        f"""
        CREATE TABLE lk_{name} AS
        SELECT d.v, m.code FROM (SELECT DISTINCT r.{q(column)} AS v FROM raw r) d
        LEFT JOIN map_{name} m ON m.k = {_norm(_text("v", "d"))}
        """  # noqa: S608
    )
    return f"LEFT JOIN lk_{name} ON lk_{name}.v = r.{q(column)}"


class _Sql:
    """Select-list pieces and joins for stage 1 (parse), and the checks of stage 2."""

    def __init__(self, profile: Profile, codes: ProgramCodes, read: Read) -> None:
        self.profile, self.codes, self.read = profile, codes, read
        self.select: list[str] = ["r._row", f"{_text(profile.key)} AS key"]
        self.joins: list[str] = []
        self.checks: list[Check] = []
        self.required = {"received_at", *profile.required}

    # -- times -------------------------------------------------------------------
    def time(self, name: str, spec: TimeSpec) -> None:
        select, formats = time_columns(name, spec, typed_cells=self.read.typed_cells)
        self.select += select
        self.checks += time_checks(name, formats, required=name in self.required)

    # -- coded values ------------------------------------------------------------
    def coded(self, con, name: str, spec: ValueSpec) -> None:
        select, joins = coded_columns(con, name, spec, self.codes.known(name))
        self.select += select
        self.joins += joins
        if spec.value is not None:
            return
        if name in self.required:
            self.checks.append(
                Check(f"{name}_raw IS NULL", "missing", name, lit(f"{name} is empty"), True)
            )
        self.checks.append(unmapped_check(name, spec))

    def plain(self, name: str, spec: ValueSpec) -> None:
        raw = lit(spec.value) if spec.value is not None else _text(spec.column)
        self.select.append(f"{raw} AS {name}_raw")
        if name in self.required:
            self.checks.append(
                Check(f"{name}_raw IS NULL", "missing", name, lit(f"{name} is empty"), True)
            )

    def priority(self, spec: ValueSpec) -> None:
        raw = lit(spec.value) if spec.value is not None else _text(spec.column)
        mapped = raw
        if spec.values:
            cases = " ".join(f"WHEN {lit(norm(k))} THEN {lit(v)}" for k, v in spec.values.items())
            mapped = f"(CASE {_norm(raw)} {cases} ELSE {raw} END)"
        self.select += [f"{raw} AS priority_raw", f"try_cast({mapped} AS INTEGER) AS priority_n"]
        self.checks.append(
            Check(
                "priority_raw IS NOT NULL "
                "AND (priority_n IS NULL OR priority_n NOT BETWEEN 1 AND 9)",
                "unparseable",
                "priority",
                "'priority: ''' || left(priority_raw, 20) || ''' is not a number from 1 to 9'",
                "priority" in self.required,
            )
        )


def time_columns(name: str, spec: TimeSpec, *, typed_cells: bool) -> tuple[list[str], list[str]]:
    """Select-list entries `<name>_raw` (the text) and `<name>_local` (the parsed local
    time) over the file `r`, and the formats tried (for messages)."""
    extra = ISO_FORMATS if typed_cells else []
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
    return [f"{raw} AS {name}_raw", f"{parsed} AS {name}_local"], formats


def coded_columns(
    con: duckdb.DuckDBPyConnection, name: str, spec: ValueSpec, known: dict[str, str]
) -> tuple[list[str], list[str]]:
    """Select-list entries `<name>_raw` and `<name>_code` over the file `r`, and joins."""
    if spec.value is not None:  # profile_check made sure it is a code
        code = known.get(norm(spec.value), spec.value)
        return [f"{lit(spec.value)} AS {name}_raw", f"{lit(code)} AS {name}_code"], []
    table = {**known, **{norm(k): known.get(norm(v), v) for k, v in spec.values.items()}}
    map_create(con, name, table)
    join = lookup_create(con, name, spec.column)
    return [f"{_text(spec.column)} AS {name}_raw", f"lk_{name}.code AS {name}_code"], [join]


def unmapped_check(name: str, spec: ValueSpec, *, private: bool = False) -> Check:
    """A value neither a code nor mapped. For clinical fields the message does not quote
    it: the report lists such values with their counts only, never by row."""
    shown = "the value" if private else f"''' || left({name}_raw, 60) || '''"
    return Check(
        f"{name}_raw IS NOT NULL AND {name}_code IS NULL",
        "unmapped",
        name,
        f"'{name}: {shown} is not a program code and the profile does not map it'",
        spec.unmapped == "reject",
        private=private,
    )


def time_checks(
    name: str, formats: list[str], *, required: bool, midnight: bool = True, private: bool = False
) -> list[Check]:
    """Empty, unreadable, future, before 1990 and midnight, for one time column.

    `<name>_raw` is the text, `<name>_local` the parsed local time and `<name>` the
    instant (UTC). A `private` (clinical) time is counted, never quoted or listed by row.
    """
    shown = "'the value'" if private else f"left({name}_raw, 40)"
    quoted = "the value" if private else f"''' || {shown} || '''"
    listed = ", ".join(formats).replace("'", "''")
    checks = [
        Check(f"{name}_raw IS NULL", "missing", name, lit(f"{name} is empty"), True)
        if required
        else None,
        Check(
            f"{name}_raw IS NOT NULL AND {name}_local IS NULL",
            "unparseable",
            name,
            f"'{name}: {quoted} matches none of the formats {listed}'",
            required,
            private=private,
        ),
        Check(
            f"{name} > now()",
            "future",
            name,
            f"'{name} is in the future (' || {shown} || ')'",
            required,
            private=private,
        ),
        Check(
            f"{name}_local < TIMESTAMP '1990-01-01'",
            "impossible",
            name,
            f"'{name} is before 1990 (' || {shown} || ')'",
            required,
            private=private,
        ),
        Check(
            f"CAST({name}_local AS TIME) = TIME '00:00:00'",
            "midnight",
            name,
            f"'{name} is at midnight exactly (' || {shown} || '), a placeholder?'",
        )
        if midnight
        else None,
    ]
    return [c for c in checks if c is not None]


def duplicate_tables(con: duckdb.DuckDBPyConnection, key: str, content: str) -> None:
    """`keys(key, key_count, key_first)` and `contents(_content, content_first,
    content_keys)`: how often each key and each row's content occur, and where first.

    From a narrow scan of the file `r` (`key` and `content` are expressions over it):
    grouping a few columns costs far less than windows over every parsed column.
    """
    con.execute(f"CREATE TABLE ident AS SELECT r._row, {key} AS key, {content} FROM raw r")  # noqa: S608
    con.execute(
        "CREATE TABLE keys AS SELECT key, count(*) AS key_count, min(_row) AS key_first "
        "FROM ident WHERE key IS NOT NULL GROUP BY key"
    )
    con.execute(
        "CREATE TABLE contents AS SELECT _content, min(_row) AS content_first, "
        "count(DISTINCT key) AS content_keys FROM ident GROUP BY _content"
    )
    con.execute("DROP TABLE ident")


def duplicate_checks(what: str = "incident number") -> list[Check]:
    return [
        Check(
            "key IS NOT NULL AND key_count > 1 AND _row > key_first",
            "duplicate_key",
            "key",
            f"'same {what} as row ' || key_first",
            True,
        ),
        Check(
            "content_keys > 1 AND _row > content_first",
            "duplicate_content",
            "",
            f"'same content as row ' || content_first || ' under another {what}'",
        ),
    ]


def content_hash(read: Read, key: str) -> str:
    content = [c for c in read.columns if c != key]
    if not content:
        return "0 AS _content"
    return f"hash({', '.join('r.' + q(c) for c in content)}) AS _content"


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
    narrative = _text(given["narrative"].column) if "narrative" in given else None
    for i, (_flag, pattern) in enumerate(codes.bh_keywords):
        found = f"coalesce(regexp_matches({narrative}, {lit(pattern)}), false)"
        sql.select.append(f"{found if narrative else 'false'} AS kw_{i}")
    content = content_hash(read, profile.key)
    sql.select.append(content)
    duplicate_tables(con, _text(profile.key), content)
    _crosswalk_tables(con, codes)
    parsed = f"SELECT {', '.join(sql.select)} FROM raw r {' '.join(sql.joins)}"  # noqa: S608
    _stage_two(con, profile, sql, parsed)


def _crosswalk_tables(con, codes: ProgramCodes) -> None:
    entries = {e.code: e for e in codes.call_types.values()}
    con.execute(
        "CREATE TABLE xwalk AS SELECT unnest($code) AS code, unnest($apco) AS apco, "
        "unnest($category) AS category, unnest($bh) AS bh",
        {
            "code": list(entries),
            "apco": [e.apco for e in entries.values()],
            "category": [e.category for e in entries.values()],
            "bh": [e.behavioral_health for e in entries.values()],
        },
    )
    dispositions = dict(codes.dispositions.values())
    con.execute(
        "CREATE TABLE disp AS SELECT unnest($code) AS code, unnest($standard) AS standard",
        {"code": list(dispositions), "standard": list(dispositions.values())},
    )


def _stage_two(con, profile: Profile, sql: _Sql, parsed: str) -> None:
    """Table `rows` from the parsing query (the one wide table made), then the checks."""
    tz = lit(profile.timezone)
    times = ", ".join(f"timezone({tz}, {n}_local) AS {n}" for n in TIME_FIELDS)
    prefix = f"import:{profile.source}:"
    keywords = [f"p.kw_{i}" for i in range(len(sql.codes.bh_keywords))]
    bh = " OR ".join(["coalesce(ct.bh, false)", "coalesce(ft.bh, false)", *keywords])
    con.execute(
        f"""
        CREATE TABLE rows AS
        SELECT p.*, {times},
          {lit(prefix)} || p.key AS incident_id,
          {lit(profile.number_prefix)} || p.key AS number,
          coalesce(strftime(received_at_local, '%Y-%m'), 'unknown') AS month,
          k.key_count, k.key_first, c.content_first, c.content_keys,
          ct.apco AS ct_apco, ct.category AS ct_category, coalesce(ct.bh, false) AS ct_bh,
          ft.apco AS ft_apco, ft.category AS ft_category, coalesce(ft.bh, false) AS ft_bh,
          d.standard AS disposition_standard, {bh} AS bh, false AS rejected
        FROM ({parsed}) p
        LEFT JOIN keys k ON k.key = p.key
        LEFT JOIN contents c ON c._content = p._content
        LEFT JOIN xwalk ct ON ct.code = p.call_type_code
        LEFT JOIN xwalk ft ON ft.code = p.final_call_type_code
        LEFT JOIN disp d ON d.code = p.disposition_code
        """  # noqa: S608
    )
    checks = [
        Check("key IS NULL", "missing", "key", lit("incident number is empty"), True),
        Check(
            f"length(number) > {MAX_NUMBER} OR length(incident_id) > {MAX_INCIDENT_ID}",
            "invalid",
            "key",
            f"'incident number ''' || left(key, 40) || ''' is longer than "
            f"{MAX_NUMBER - len(profile.number_prefix)} characters'",
            True,
        ),
        *duplicate_checks(),
        *sql.checks,
        *_order_checks(profile),
        Check(
            "team_code IS NOT NULL AND cleared_at_local IS NULL AND received_at_local IS NOT NULL",
            "missing",
            "cleared_at",
            lit("cleared_at is empty: the team's assignment is closed at its last known time"),
        ),
    ]
    issues_create(con, checks, "rows")


def _order_checks(profile: Profile) -> list[Check]:
    given = profile.fields.given()
    out = []
    for name, earlier, message in ORDER_RULES:
        before = [e for e in earlier if e in given]
        if name not in given or not before:
            continue
        prior = f"coalesce({', '.join(f'{e}_local' for e in before)})"
        out.append(Check(f"{name}_local < {prior}", "order", name, lit(message)))
    return out
