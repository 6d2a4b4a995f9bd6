"""Benchmark: synthetic history of 1,000,000 calls into a fresh SQLite database.

Prints JSON. Beside the generator it times a reference in the same run: a plain
`sqlite3.executemany` of as many rows as there are calls, each as wide as the call
table, into a bare table. The ratio (ours / reference) is the figure to compare across
machines; the 60-second target is for one of the project's 2-core machines.

    .venv/bin/python bench/generate.py [--calls N]
"""

import argparse
import json
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

TARGET_SECONDS = 60


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tandem-bench-") as tmp:
        seconds, summary, width = _generate(Path(tmp), args.calls, args.seed)
        reference = _reference(Path(tmp) / "reference.sqlite3", args.calls, width)
    target = TARGET_SECONDS * args.calls / 1_000_000
    print(
        json.dumps(
            {
                "calls": summary["calls"],
                "rows_written": sum(
                    summary[k]
                    for k in (
                        "calls",
                        "assignments",
                        "encounters",
                        "people",
                        "person_identifiers",
                        "referrals",
                        "followups",
                    )
                ),
                "seconds": round(seconds, 2),
                "calls_per_second": round(summary["calls"] / seconds),
                "reference_seconds": round(reference, 2),
                "ratio": round(seconds / reference, 2),
                "target_seconds": TARGET_SECONDS,
                "scaled_target_seconds": round(target, 2),
                "met": seconds <= target,
                "clinician_assessed_share_of_bh_calls": summary[
                    "clinician_assessed_share_of_bh_calls"
                ],
                "arrest_share_of_encounters": summary["arrest_share_of_encounters"],
            },
            indent=2,
        )
    )


def _generate(tmp: Path, calls: int, seed: int) -> tuple[float, dict, int]:
    """Migrate a fresh database, make a small region, time the generator alone."""
    os.environ["TANDEM_VAR_DIR"] = str(tmp)
    os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "tandem.settings"
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    import datetime as dt

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from tandem.demo.history import history_generate
    from tandem.demo.small_region import small_region_create
    from tandem.dispatch.models import Call

    call_command("migrate", verbosity=0)
    small_region_create()
    started = time.perf_counter()
    summary = history_generate(months=12, seed=seed, end=dt.date(2025, 1, 1), calls=calls)
    seconds = time.perf_counter() - started
    width = len(Call._meta.concrete_fields)
    connection.close()
    return seconds, summary, width


def _reference(path: Path, rows: int, width: int) -> float:
    """The floor: one executemany of `rows` prepared rows into a bare table, committed."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    width -= 1  # the id column is counted in `width`
    columns = ", ".join(f"c{i}" for i in range(width))
    db.execute(f"CREATE TABLE call_like (id INTEGER PRIMARY KEY, {columns})")
    row = ["2025-01-01 12:00:00", "Synthetic text of a typical length", 3, 39.1, True, None]
    data = [(i, *(row[(i + j) % len(row)] for j in range(width))) for i in range(1, rows + 1)]
    placeholders = ", ".join("?" * (width + 1))
    started = time.perf_counter()
    db.execute("BEGIN")
    db.executemany(f"INSERT INTO call_like VALUES ({placeholders})", data)  # noqa: S608
    db.execute("COMMIT")
    seconds = time.perf_counter() - started
    db.close()
    return seconds


if __name__ == "__main__":
    main()
