"""Read a CSV or .xlsx export into a DuckDB table `raw` of text columns plus `_row`.

`_row` is the row number a spreadsheet program shows for the record (the header is the
row before the first record), so a rejected row can be found in the file. In a CSV it
is the file's line number as long as no value spans lines.

Nothing is dropped here without a trace: records the CSV parser cannot split into the
header's columns come back in `Read.malformed` with their line and the parser's reason,
and blank spreadsheet rows are counted.
"""

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from tandem.imports.profile import Profile

XLSX_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")


class FileUnreadable(Exception):
    """The file as a whole cannot be read with this profile (wrong type, missing columns)."""


@dataclass
class Read:
    rows: int
    columns: list[str]
    typed_cells: bool  # spreadsheet cells carried their own date types
    malformed: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)
    blank_rows: int = 0


def read_file(con: duckdb.DuckDBPyConnection, path: Path, profile: Profile) -> Read:
    """Create table `raw` in `con` and check that every column the profile reads exists."""
    if path.suffix.lower() in XLSX_SUFFIXES:
        result = _read_sheet(con, path, profile)
    else:
        result = _read_csv(con, path, profile)
    missing = sorted(profile.columns() - set(result.columns))
    if missing:
        have = ", ".join(repr(c) for c in result.columns)
        raise FileUnreadable(
            f"the file has no column {', '.join(repr(c) for c in missing)}; "
            f"its header row {profile.file.header_row} has {have}"
        )
    return result


def _read_csv(con, path: Path, profile: Profile) -> Read:
    opts = profile.file
    args = {
        "header": True,
        "all_varchar": True,
        "store_rejects": True,
        "skip": opts.header_row - 1,
        "encoding": opts.encoding,
    }
    if opts.delimiter:
        args["delim"] = opts.delimiter
    params = ", ".join(f"{k} := ${k}" for k in args)
    try:
        con.execute(
            f"CREATE TABLE raw0 AS SELECT * FROM read_csv($path, {params})",  # noqa: S608
            {"path": str(path), **args},
        )
        # A record with too many fields is reported once per extra field: keep one line
        # each, with the last message (which counts every field).
        malformed = con.execute(
            "SELECT line, arg_max(error_type || ': ' || error_message, column_idx) "
            "FROM reject_errors GROUP BY line ORDER BY line"
        ).fetchall()
    except duckdb.Error as exc:
        raise FileUnreadable(f"cannot read the file as CSV: {str(exc).splitlines()[0]}") from exc
    columns = [c[0] for c in con.execute("DESCRIBE raw0").fetchall()]
    rows = con.execute("SELECT count(*) FROM raw0").fetchall()[0][0]
    _number_records(con, opts.header_row, len(malformed))
    return Read(rows, columns, typed_cells=False, malformed=[(int(a), b) for a, b in malformed])


SHORT_REJECTS = 64  # up to this many rejected lines, a list beats an as-of join


def _number_records(con, header_row: int, rejected: int) -> None:
    """View `raw`: each kept record of `raw0` with its file line `_row`.

    The k-th kept record (1-based) is at line header_row + k + j, where j counts the
    lines the parser rejected before it: rejected line r_i (sorted, 0-based i) comes
    before it when r_i - header_row - i <= k. Most files have no rejected line; a few
    are counted from a list; many with an as-of join.
    """
    con.execute(
        f"""
        CREATE TABLE rejected_lines AS
        SELECT line - {header_row} - (row_number() OVER (ORDER BY line) - 1) AS threshold,
               row_number() OVER (ORDER BY line) AS before
        FROM (SELECT DISTINCT line FROM reject_errors)
        """  # noqa: S608
    )
    if rejected == 0:
        before, join = "0", ""
    elif rejected <= SHORT_REJECTS:
        thresholds = [t for (t,) in con.execute("SELECT threshold FROM rejected_lines").fetchall()]
        before, join = f"len(list_filter({thresholds}, lambda t: t <= r._k))", ""
    else:
        before = "coalesce(j.before, 0)"
        join = "ASOF LEFT JOIN rejected_lines j ON r._k >= j.threshold"
    con.execute(
        f"CREATE VIEW raw AS SELECT r._k + {header_row} + {before} AS _row, "  # noqa: S608
        f"r.* EXCLUDE (_k) FROM (SELECT rowid + 1 AS _k, * FROM raw0) r {join}"
    )


def _read_sheet(con, path: Path, profile: Profile) -> Read:
    from python_calamine import CalamineError, CalamineWorkbook

    opts = profile.file
    try:
        book = CalamineWorkbook.from_path(str(path))
        name = opts.sheet or book.sheet_names[0]
        if name not in book.sheet_names:
            raise FileUnreadable(
                f"the workbook has no sheet {name!r}; it has {', '.join(book.sheet_names)}"
            )
        cells = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
    except (CalamineError, OSError, ValueError) as exc:
        raise FileUnreadable(f"cannot read the file as a spreadsheet: {exc}") from exc
    if len(cells) < opts.header_row:
        raise FileUnreadable(f"the sheet has no header row {opts.header_row}")
    header = _header([_cell_text(c) for c in cells[opts.header_row - 1]])
    records, numbers, blank = [], [], 0
    for index, row in enumerate(cells[opts.header_row :], start=opts.header_row + 1):
        texts = [_cell_text(c) for c in row]
        if not any(texts):
            blank += 1
            continue
        records.append(texts + [None] * (len(header) - len(texts)))
        numbers.append(index)
    columns = {"_row": pa.array(numbers, pa.int64())}
    for i, name in enumerate(header):
        columns[name] = pa.array([r[i] for r in records], pa.string())
    con.register("_sheet", pa.table(columns))
    con.execute("CREATE TABLE raw AS SELECT * FROM _sheet")
    con.unregister("_sheet")
    return Read(len(records), header, typed_cells=True, blank_rows=blank)


def _header(names: list[str | None]) -> list[str]:
    # Blank or repeated headings get DuckDB's own spelling (column3, name_1), as for CSV.
    out: list[str] = []
    for i, name in enumerate(names):
        name = name or f"column{i}"
        base, n = name, 0
        while name in out:
            n += 1
            name = f"{base}_{n}"
        out.append(name)
    return out


def _cell_text(value) -> str | None:
    """A cell as the text a CSV export would hold; dates in ISO 8601."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, dt.time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip() or None
