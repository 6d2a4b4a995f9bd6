"""The metrics snapshot: the operational columns metrics need, copied out as Arrow.

DuckDB cannot reach the operational database here (its SQLite and PostgreSQL scanners
are downloaded at run time, and deployments are offline), so the snapshot reads the
tables through Django's connection in chunks into Arrow, then hands them to DuckDB in
memory, or writes them as Parquet under `VAR_DIR/metrics/` for another engine (Spark).

Only flags, codes, ids and times are read: never a narrative, a note or a clinical
answer (`COLUMNS` lists every column; `tests/metrics/test_snapshot.py` checks that none
of them is in a clinical or Part 2 segment). Times become whole seconds since 1970 UTC,
and each table gets `month`, the first day of the local month of its main time.

Calls, assignments and encounters imported from CAD and crisis-team exports are kept
as history files (`imports.history`), already in this shape; they are appended to the
operational rows with negative ids.

Jail bookings come from the jail bookings import (`imports.JailBooking`, read as
`BOOKINGS`). Stepping Up counts people with serious mental illness, so that source
reduces two clinical fields to the flags the measures count (`smi`, and whether the
person was connected to treatment) and reads nothing else clinical; the metrics built
on them are aggregates, small cells suppressed like every other.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings
from django.db import connection
from django.db.models import Model

from tandem.agencies.models import Team
from tandem.dispatch.models import Assignment, Call
from tandem.encounters.models import Encounter
from tandem.followups.models import FollowUp
from tandem.imports import history
from tandem.imports.models import JailBooking
from tandem.referrals.models import Referral

CHUNK = 100_000
INT, BOOL, STR, TIME = "int", "bool", "str", "time"
ARROW = {INT: pa.int64(), BOOL: pa.bool_(), STR: pa.string(), TIME: pa.int64()}


@dataclass(frozen=True)
class Source:
    model: type[Model]
    # snapshot column -> (model field name, or an SQL expression in "sql:...", kind)
    columns: dict[str, tuple[str, str]]
    month_of: str | None = None


COLUMNS: dict[str, Source] = {
    "calls": Source(
        Call,
        {
            "id": ("id", INT),
            "agency_id": ("owning_agency", INT),
            "jurisdiction_id": ("jurisdiction", INT),
            "received_at": ("received_at", TIME),
            "apco_code": ("apco_code", STR),
            "behavioral_health": ("behavioral_health", BOOL),
            "person_id": ("subject", INT),
            "recommended_mode": ("recommended_mode", STR),
        },
        month_of="received_at",
    ),
    "assignments": Source(
        Assignment,
        {
            "id": ("id", INT),
            "call_id": ("call", INT),
            "team_id": ("team", INT),
            "assigned_at": ("assigned_at", TIME),
            "on_scene_at": ("on_scene_at", TIME),
            "cleared_at": ("cleared_at", TIME),
            "officer_returned_at": ("officer_returned_at", TIME),
        },
    ),
    "teams": Source(
        Team,
        {
            "id": ("id", INT),
            "agency_id": ("owning_agency", INT),
            "clinical_agency_id": ("clinical_agency", INT),
            "program_model": ("program_model", STR),
        },
    ),
    "encounters": Source(
        Encounter,
        {
            "id": ("id", INT),
            "call_id": ("call", INT),
            "assignment_id": ("assignment", INT),
            "person_id": ("person", INT),
            "agency_id": ("owning_agency", INT),
            "status": ("status", STR),
            "started_at": ("started_at", TIME),
            "ended_at": ("ended_at", TIME),
            "minutes_on_scene": ("minutes_on_scene", INT),
            "disposition": ("disposition", STR),
            "clinician_assessed": ("clinician_assessed", BOOL),
            "force_used": ("force_used", BOOL),
            "injuries": ("injuries", BOOL),
            "arrestable_offence": ("arrestable_offence", BOOL),
            "diverted_from_jail": ("diverted_from_jail", BOOL),
            "diverted_from_hospital": ("diverted_from_hospital", BOOL),
            # Whether charges were recorded, never the charges themselves.
            "has_charges": ("sql:CASE WHEN charges <> '' THEN 1 ELSE 0 END", BOOL),
        },
        month_of="started_at",
    ),
    "referrals": Source(
        Referral,
        {
            "id": ("id", INT),
            "encounter_id": ("encounter", INT),
            "person_id": ("person", INT),
            "agency_id": ("owning_agency", INT),
            "status": ("status", STR),
            "sent_at": ("sent_at", TIME),
        },
        month_of="sent_at",
    ),
    "followups": Source(
        FollowUp,
        {
            "id": ("id", INT),
            "encounter_id": ("encounter", INT),
            "person_id": ("person", INT),
            "agency_id": ("owning_agency", INT),
            "status": ("status", STR),
            "due_at": ("due_at", TIME),
            "completed_at": ("completed_at", TIME),
        },
        month_of="due_at",
    ),
}

BOOKINGS_SCHEMA = pa.schema(
    [
        ("id", pa.int64()),
        ("person_id", pa.int64()),
        ("agency_id", pa.int64()),  # the jail's agency
        ("jurisdiction_id", pa.int64()),  # where the arrest was made, if known
        ("booked_at", pa.int64()),
        ("released_at", pa.int64()),
        ("smi", pa.bool_()),  # screened and assessed as serious mental illness at booking
        ("connected_to_treatment", pa.bool_()),
        ("month", pa.date32()),
    ]
)
# The jail's person number is kept only as a pseudonym (`person_key`): a booking's person
# is the program person some booking of that key is linked to, else a negative number
# standing for the key (never a real id), the same for every booking of the key.
BOOKINGS = Source(
    JailBooking,
    {
        "id": ("id", INT),
        "person_id": (
            "sql:COALESCE(MAX(person_id) OVER (PARTITION BY owning_agency_id, person_key), "
            "-DENSE_RANK() OVER (ORDER BY owning_agency_id, person_key))",
            INT,
        ),
        "agency_id": ("owning_agency", INT),
        "jurisdiction_id": ("jurisdiction", INT),
        "booked_at": ("booked_at", TIME),
        "released_at": ("released_at", TIME),
        "smi": ("sql:CASE WHEN smi_assessment = 'smi' THEN 1 ELSE 0 END", BOOL),
        "connected_to_treatment": (
            "sql:CASE WHEN treatment_connected_on IS NOT NULL THEN 1 ELSE 0 END",
            BOOL,
        ),
    },
    month_of="booked_at",
)


@dataclass
class Snapshot:
    tables: dict[str, pa.Table]
    as_of: int  # epoch seconds
    built_at: float = field(default_factory=time.time)

    def write_parquet(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        for name, table in self.tables.items():
            pq.write_table(table, directory / f"{name}.parquet")
        (directory / "as_of").write_text(str(self.as_of))

    @classmethod
    def read_parquet(cls, directory: Path) -> Snapshot:
        tables = {name: pq.read_table(directory / f"{name}.parquet") for name in TABLE_NAMES}
        return cls(tables, int((directory / "as_of").read_text()))


TABLE_NAMES = (*COLUMNS, "bookings")


def snapshot_dir() -> Path:
    return Path(settings.VAR_DIR) / "metrics"


STORED = "snapshot"  # snapshot_dir() / STORED: the stored snapshot (Parquet)


def snapshot_store(snap: Snapshot) -> Path:
    """Write `snap` as the stored snapshot, replacing the last one whole: a reader finds
    the old folder, the new one, or (for an instant) none, never a half-written mix."""
    final = snapshot_dir() / STORED
    new = final.with_name(f"{STORED}.new-{os.getpid()}")
    old = final.with_name(f"{STORED}.old-{os.getpid()}")
    shutil.rmtree(new, ignore_errors=True)
    snap.write_parquet(new)
    (new / "database").write_text(database_label())
    (new / "id").write_text(uuid.uuid4().hex)  # tells two snapshots of one second apart
    if final.exists():
        final.rename(old)
    new.rename(final)
    shutil.rmtree(old, ignore_errors=True)
    return final


def snapshot_stored_as_of() -> int | None:
    """When the stored snapshot was taken, if there is one and it is of this database."""
    stamp = snapshot_stored_stamp()
    return stamp[0] if stamp else None


def snapshot_stored_stamp() -> tuple[int, str] | None:
    """(when it was taken, its id) of the stored snapshot of this database, if any."""
    folder = snapshot_dir() / STORED
    try:
        if (folder / "database").read_text() != database_label():
            return None
        return int((folder / "as_of").read_text()), (folder / "id").read_text()
    except (OSError, ValueError):
        return None


def snapshot_load_stored() -> Snapshot | None:
    """The stored snapshot, or None if it went missing (replaced while being read)."""
    try:
        return Snapshot.read_parquet(snapshot_dir() / STORED)
    except (OSError, ValueError):
        return None


def database_label() -> str:
    """Which database a snapshot was taken of, so that a stored snapshot of another
    database (a demo's, beside a test run) is never read in its place."""
    s = connection.settings_dict
    return f"{connection.vendor}:{s.get('HOST') or ''}:{s.get('PORT') or ''}:{s['NAME']}"


def snapshot_take(*, as_of: float | None = None, bookings: pa.Table | None = None) -> Snapshot:
    """Read the operational tables into Arrow (`as_of`: now unless given)."""
    tables = {name: _read(source) for name, source in COLUMNS.items()}
    for name, rows in history.snapshot_tables().items():
        tables[name] = pa.concat_tables(
            [tables[name], _with_month(rows, COLUMNS[name], tables[name])]
        )
    if bookings is None:
        bookings = _read(BOOKINGS)
    tables["bookings"] = bookings.select(BOOKINGS_SCHEMA.names).cast(BOOKINGS_SCHEMA)
    return Snapshot(tables, int(as_of if as_of is not None else time.time()))


def _with_month(rows: pa.Table, source: Source, like: pa.Table) -> pa.Table:
    """Imported history rows in the schema of the operational rows they join."""
    names = list(source.columns)
    table = rows.select(names).cast(pa.schema([like.schema.field(n) for n in names]))
    if source.month_of:
        table = table.append_column("month", local_month(table[source.month_of]))
    return table


def _epoch(column: str) -> str:
    if connection.vendor == "sqlite":
        return f"CAST(strftime('%s', {column}) AS INTEGER)"
    return f"CAST(FLOOR(EXTRACT(EPOCH FROM {column})) AS BIGINT)"


def _select_list(source: Source) -> list[str]:
    quote = connection.ops.quote_name
    exprs = []
    for spec, kind in source.columns.values():
        if spec.startswith("sql:"):
            exprs.append(spec.removeprefix("sql:"))
            continue
        column = quote(source.model._meta.get_field(spec).column)
        exprs.append(_epoch(column) if kind == TIME else column)
    return exprs


def _read(source: Source) -> pa.Table:
    names = list(source.columns)
    kinds = [kind for _, kind in source.columns.values()]
    sql = f"SELECT {', '.join(_select_list(source))} FROM {source.model._meta.db_table}"  # noqa: S608
    chunks: list[pa.RecordBatch] = []
    with connection.cursor() as cursor:
        cursor.execute(sql)
        while rows := cursor.fetchmany(CHUNK):
            columns = list(zip(*rows, strict=True))
            arrays = [_array(values, kind) for values, kind in zip(columns, kinds, strict=True)]
            chunks.append(pa.RecordBatch.from_arrays(arrays, names=names))
    schema = pa.schema([(n, ARROW[k]) for n, k in zip(names, kinds, strict=True)])
    table = pa.Table.from_batches(chunks, schema=schema)
    if source.month_of:
        table = table.append_column("month", local_month(table[source.month_of]))
    return table


def _array(values: tuple, kind: str) -> pa.Array:
    if kind == BOOL:  # SQLite answers 0/1
        return pa.array([None if v is None else bool(v) for v in values], pa.bool_())
    return pa.array(values, ARROW[kind])


def local_month(seconds: pa.ChunkedArray | pa.Array) -> pa.Array:
    """First day of the local (settings.TIME_ZONE) month of each epoch-seconds value."""
    values = pd.Series(np.asarray(seconds.to_numpy(zero_copy_only=False), dtype="float64"))
    local = pd.to_datetime(values, unit="s", utc=True).dt.tz_convert(settings.TIME_ZONE)
    months = local.dt.tz_localize(None).to_numpy().astype("datetime64[M]").astype("datetime64[D]")
    return pa.array(months, pa.date32(), mask=values.isna().to_numpy())
