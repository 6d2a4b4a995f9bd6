"""Benchmark: `tandem import` of a generated CAD export against DuckDB reading the same file.

Prints JSON. A CSV of N rows (1,000,000 by default; a few per thousand deliberately
messy: bad times, unmapped types, repeated numbers) is imported end to end into a fresh
database: read, every check, the report, the history rows (calls with their assignments
and encounters, `imports.history`) written, and the rejected rows written and committed.
In the same run, the reference reads and parses the same file with DuckDB alone (every
column as text, the four timestamps parsed). The target is at
least 100,000 rows a second end to end. `stages` splits the import's time by the
progress it reports: reading the file, checking every row (and the report), writing the
history file, then the rejected rows, the run and the commit.

SQLite (a new file in a temporary directory) unless DATABASE_URL names a PostgreSQL
database, which must be new and empty:

    .venv/bin/python bench/import_calls.py [--rows N]
    psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE tandem_bench"
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tandem_bench \
        .venv/bin/python bench/import_calls.py
    psql -h 127.0.0.1 -U postgres -c "DROP DATABASE tandem_bench"
"""

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

TARGET_ROWS_PER_SECOND = 100_000
FORMAT = "%m/%d/%Y %H:%M"
PROFILE = """\
source: bench-cad
label: Benchmark CAD export
kind: cad
agency: north-pd
timezone: America/Chicago
key: Incident
number_prefix: "B-"
fields:
  received_at: {column: Received, formats: ["%m/%d/%Y %H:%M", "%Y-%m-%d %H:%M:%S"]}
  dispatched_at: {column: Dispatched, formats: ["%m/%d/%Y %H:%M"]}
  arrived_at: {column: Arrived, formats: ["%m/%d/%Y %H:%M"]}
  cleared_at: {column: Cleared, formats: ["%m/%d/%Y %H:%M"]}
  call_type: {column: Nature, values: {E.D.P.: EDP, PERSON IN CRISIS: "10-96"}}
  priority: {column: Pri}
  source: {column: Source, values: {E911: "911"}}
  team: {column: Unit}
  location_text: {column: Address}
  narrative: {column: Comments}
"""


def generate_csv(path: Path, rows: int) -> None:
    """The export, written by DuckDB straight from a range (seconds for a million rows)."""
    import duckdb

    con = duckdb.connect()
    con.execute(
        f"""
        COPY (
          WITH base AS (
            SELECT i, TIMESTAMP '2024-01-01' + to_seconds((i * 37) % 31536000) AS t,
                   (hash(i) % 1000)::BIGINT AS r
            FROM range(1, {rows} + 1) AS s(i)
          )
          SELECT
            CASE WHEN r = 7 THEN 'D' || (i - 1) ELSE 'D' || i END AS "Incident",
            CASE WHEN r = 1 THEN 'unknown' ELSE strftime(t, '{FORMAT}') END AS "Received",
            strftime(t + INTERVAL 4 MINUTE, '{FORMAT}') AS "Dispatched",
            CASE WHEN r = 2 THEN strftime(t, '{FORMAT}')
                 ELSE strftime(t + INTERVAL 15 MINUTE, '{FORMAT}') END AS "Arrived",
            strftime(t + INTERVAL 70 MINUTE, '{FORMAT}') AS "Cleared",
            ['EDP', 'E.D.P.', 'THEFT', 'CHKWEL', 'DIST', 'ACC', 'ODD TYPE', 'PERSON IN CRISIS']
              [1 + r % 8] AS "Nature",
            (1 + r % 4)::VARCHAR AS "Pri",
            ['911', 'E911', 'cad_feed'][1 + r % 3] AS "Source",
            CASE WHEN r % 5 = 0 THEN 'RA1' ELSE '' END AS "Unit",
            (r * 7) || ' Main St' AS "Address",
            ['Caller says brother is hearing voices', 'Bike stolen from porch',
             'Man took an overdose', 'Loud music next door'][1 + r % 4] AS "Comments"
          FROM base
        ) TO '{path}' (HEADER, DELIMITER ',')
        """  # noqa: S608
    )
    con.close()


def reference(path: Path) -> float:
    """DuckDB alone: read the file as text and parse its four timestamps into a table."""
    import duckdb

    con = duckdb.connect()
    started = time.perf_counter()
    con.execute(
        f"""
        CREATE TABLE parsed AS SELECT *,
          try_strptime("Received", ['{FORMAT}', '%Y-%m-%d %H:%M:%S']) AS received,
          try_strptime("Dispatched", '{FORMAT}') AS dispatched,
          try_strptime("Arrived", '{FORMAT}') AS arrived,
          try_strptime("Cleared", '{FORMAT}') AS cleared
        FROM read_csv('{path}', all_varchar = true, header = true)
        """  # noqa: S608
    )
    seconds = time.perf_counter() - started
    con.close()
    return seconds


def tandem_import(tmp: Path, path: Path) -> tuple[float, dict]:
    os.environ["TANDEM_VAR_DIR"] = str(tmp)
    os.environ["DJANGO_SETTINGS_MODULE"] = "tandem.settings"
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    from tandem.demo.small_region import small_region_create
    from tandem.imports.services import import_file

    call_command("migrate", verbosity=0)
    small_region_create()
    from django.db import connection

    profile = tmp / "bench-cad.yaml"
    profile.write_text(PROFILE)
    phases: dict[str, float] = {}

    def progress(phase: str, done: int, total: int, step: str) -> None:
        phases.setdefault(phase, time.perf_counter())

    started = time.perf_counter()
    run = import_file(actor=None, path=path, profile_name=str(profile), progress=progress)
    seconds = time.perf_counter() - started
    if run.status != "done":
        raise SystemExit(f"import failed: {run.error}")
    marks = [started, *(phases[p] for p in ("checking", "writing", "report")), started + seconds]
    names = ("setup_and_read", "check_and_report", "write_calls", "write_rejected_and_commit")
    return seconds, {
        "database": connection.vendor,
        "stages": {
            n: round(b - a, 2) for n, a, b in zip(names, marks[:-1], marks[1:], strict=True)
        },
        "rows_read": run.rows_read,
        "rows_imported": run.rows_imported,
        "rows_rejected": run.rows_rejected,
        "rows_flagged": run.rows_flagged,
        "bh_calls": run.bh_calls,
        "assignments": run.report["written"]["assignments"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tandem-bench-") as name:
        tmp = Path(name)
        path = tmp / "export.csv"
        generate_csv(path, args.rows)
        ref_seconds = reference(path)
        seconds, summary = tandem_import(tmp, path)
    rate = args.rows / seconds
    print(
        json.dumps(
            {
                "rows": args.rows,
                **summary,
                "import_seconds": round(seconds, 2),
                "import_rows_per_second": round(rate),
                "reference": "duckdb read_csv + try_strptime of the same file",
                "reference_seconds": round(ref_seconds, 2),
                "reference_rows_per_second": round(args.rows / ref_seconds),
                "ratio": round(seconds / ref_seconds, 2),
                "target_rows_per_second": TARGET_ROWS_PER_SECOND,
                "met": rate >= TARGET_ROWS_PER_SECOND,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
