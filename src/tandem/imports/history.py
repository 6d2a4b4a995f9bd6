"""Imported history: the rows of CAD and crisis-team exports, kept for the figures.

A police CAD export holds every call of the years it covers, most of them not
behavioral-health calls: they are the denominators of the program's figures, not
casework. So an import does not make calls, assignments and encounters in the
operational database. It keeps each accepted row here, one Parquet file per source
under `VAR_DIR/history/`, in the shape the metrics snapshot reads: ids, codes, flags,
times and the reason a call counts as behavioral health; never a narrative, an address
or a name (the narrative is read once, for the keyword flags, and not kept).

A row is a call, with the team's assignment and the encounter when the export has them.
Importing a file again replaces the rows of the incidents it holds (by `incident_id`)
and keeps the others. The new file is written beside the old one and renamed into place
as the last step of the import's transaction (`publish`), the old one put back if the
transaction fails after all (`unpublish`); all under a lock per source, so a reader finds
the old rows or the new ones, never a mix, and two imports of one source never both
read the old file.

`snapshot_tables` turns every source's rows into the snapshot's calls, assignments and
encounters (`metrics.snapshot`), with negative ids so they never meet an operational
id; `history_rows` lists them for the drill-down, through `visible_agency_ids`.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
from django.conf import settings

FOLDER = "history"
# column -> DuckDB type; every file of every source has exactly these.
COLUMNS: dict[str, str] = {
    "incident_id": "VARCHAR",  # import:<source>:<the export's key>
    "number": "VARCHAR",  # the call number as the program shows it
    "source": "VARCHAR",
    "run_id": "BIGINT",  # the import run that wrote the row last
    "row": "BIGINT",  # its line in that run's file
    "agency_id": "BIGINT",  # the call's agency: the profile's agency
    "jurisdiction_id": "BIGINT",
    "received_at": "BIGINT",  # epoch seconds, UTC, as the snapshot's times
    "call_type": "VARCHAR",
    "final_call_type": "VARCHAR",
    "apco_code": "VARCHAR",
    "priority": "INTEGER",
    "call_source": "VARCHAR",  # how the call came in: 911, cad_feed, ...
    "behavioral_health": "BOOLEAN",
    "bh_reason": "VARCHAR",  # why it is (or is not) a BH call, in words
    "warnings": "VARCHAR",  # the checks it was flagged by but kept for, '; ' between
    "team_id": "BIGINT",  # the program team, if one answered
    "assigned_at": "BIGINT",
    "on_scene_at": "BIGINT",
    "cleared_at": "BIGINT",
    "has_encounter": "BOOLEAN",
    "clinical_agency_id": "BIGINT",  # the encounter's agency
    "started_at": "BIGINT",
    "ended_at": "BIGINT",
    "disposition": "VARCHAR",
    "clinician_assessed": "BOOLEAN",
    "diverted_from_jail": "BOOLEAN",
    "diverted_from_hospital": "BOOLEAN",
}


def history_dir() -> Path:
    return Path(settings.VAR_DIR) / FOLDER


def history_file(source: str) -> Path:
    """The source's file (`source` is a profile's slug: letters, digits, - and _)."""
    return history_dir() / f"{source}.parquet"


def history_files() -> list[Path]:
    folder = history_dir()
    return sorted(folder.glob("*.parquet")) if folder.exists() else []


@contextmanager
def source_lock(source: str) -> Iterator[None]:
    """One import of a source at a time, across processes (held for a whole run)."""
    folder = history_dir()
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / f"{source}.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _scan(paths: list[Path]) -> str:
    """SQL for the rows of `paths` (an empty relation of the right columns if none)."""
    if not paths:
        casts = ", ".join(f"NULL::{t} AS {c}" for c, t in COLUMNS.items())
        return f"(SELECT {casts} WHERE false)"
    files = ", ".join("'" + str(p).replace("'", "''") + "'" for p in paths)
    return f"(SELECT {', '.join(COLUMNS)} FROM read_parquet([{files}]))"  # noqa: S608


def register_existing(con: duckdb.DuckDBPyConnection, source: str) -> None:
    """Table `existing(incident_id)`: the source's rows imported before."""
    path = history_file(source)
    scan = _scan([path] if path.exists() else [])
    con.execute(f"CREATE OR REPLACE TABLE existing AS SELECT incident_id FROM {scan}")  # noqa: S608


def write_pending(con: duckdb.DuckDBPyConnection, source: str, new_rows: str, run_id: int) -> Path:
    """Write the source's rows with `new_rows` (SQL giving COLUMNS) in place of the rows
    of the same incidents, to a file beside the current one; returns it for `publish`."""
    path = history_file(source)
    pending = path.with_name(f"{path.name}.run-{run_id}")
    old = _scan([path] if path.exists() else [])
    columns = ", ".join(COLUMNS)
    con.execute(
        f"""
        COPY (
          SELECT {columns} FROM ({new_rows})
          UNION ALL
          SELECT {columns} FROM {old}
          WHERE incident_id NOT IN (SELECT incident_id FROM ({new_rows}))
          ORDER BY received_at, incident_id
        ) TO '{pending}' (FORMAT parquet, COMPRESSION zstd)
        """  # noqa: S608
    )
    return pending


@dataclass(frozen=True)
class Published:
    final: Path
    previous: Path | None  # the file it replaced, kept until the import commits


def publish(pending: Path) -> Published:
    """Put a written file in place of the source's, keeping the old one aside: the last
    step inside the import's transaction (`unpublish` if the commit fails after all)."""
    final = pending.with_name(pending.name.rsplit(".run-", 1)[0])
    previous = None
    if final.exists():
        previous = pending.with_name(pending.name + ".previous")
        os.replace(final, previous)
    os.replace(pending, final)
    return Published(final, previous)


def unpublish(published: Published) -> None:
    """The import rolled back: the source's file is the one it was before."""
    if published.previous is not None:
        os.replace(published.previous, published.final)
    else:
        published.final.unlink(missing_ok=True)


def forget_previous(published: Published) -> None:
    if published.previous is not None:
        published.previous.unlink(missing_ok=True)


def discard(pending: Path | None) -> None:
    if pending is not None:
        pending.unlink(missing_ok=True)


def snapshot_tables() -> dict[str, pa.Table]:
    """Every source's rows as the snapshot's calls, assignments and encounters (times in
    epoch seconds; `month` is added by the snapshot). Ids are negative: -1, -2, ... in
    file order, the same number for a row's call, assignment and encounter."""
    con = duckdb.connect()
    try:
        con.execute(
            f"CREATE TABLE h AS SELECT -row_number() OVER () AS id, * "  # noqa: S608
            f"FROM {_scan(history_files())}"
        )
        calls = con.sql(
            "SELECT id, agency_id, jurisdiction_id, received_at, apco_code, behavioral_health, "
            "NULL::BIGINT AS person_id, '' AS recommended_mode FROM h"
        ).to_arrow_table()
        assignments = con.sql(
            "SELECT id, id AS call_id, team_id, assigned_at, on_scene_at, cleared_at, "
            "NULL::BIGINT AS officer_returned_at FROM h WHERE team_id IS NOT NULL"
        ).to_arrow_table()
        encounters = con.sql(
            "SELECT id, id AS call_id, id AS assignment_id, NULL::BIGINT AS person_id, "
            "clinical_agency_id AS agency_id, 'submitted' AS status, started_at, ended_at, "
            "NULL::BIGINT AS minutes_on_scene, disposition, clinician_assessed, "
            "false AS force_used, false AS injuries, false AS arrestable_offence, "
            "diverted_from_jail, diverted_from_hospital, false AS has_charges "
            "FROM h WHERE has_encounter"
        ).to_arrow_table()
    finally:
        con.close()
    return {"calls": calls, "assignments": assignments, "encounters": encounters}


def history_rows(where: str, params: list, *, limit: int, offset: int) -> tuple[list[dict], int]:
    """Rows matching `where` (SQL over COLUMNS, with `?` parameters), newest first, a
    page of them, and how many there are. The caller decides which agencies' rows."""
    con = duckdb.connect()
    try:
        scan = _scan(history_files())
        total = con.execute(f"SELECT count(*) FROM {scan} WHERE {where}", params).fetchone()[0]  # noqa: S608
        cursor = con.execute(
            f"SELECT * FROM {scan} WHERE {where} "  # noqa: S608
            f"ORDER BY coalesce(started_at, received_at) DESC, incident_id LIMIT ? OFFSET ?",
            [*params, limit, offset],
        )
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]
    finally:
        con.close()
    return rows, total
