"""Write the accepted rows as the source's history, and every rejected row with why.

Accepted rows become history rows (`imports.history`): one per call, with the team's
assignment and the encounter when the export has them, computed in DuckDB and written
as Parquet. Rows whose incident id was imported before replace their earlier version,
so importing a file again changes what it wrote instead of adding more. Rejected rows go
to the operational database (`RejectedRow`, written by `bulk`), in the transaction of
the run and its audit event (`services.import_execute`), which publishes the history
file when it commits.
"""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tandem.dispatch.models import Call
from tandem.encounters import diversion
from tandem.imports import bulk, history
from tandem.imports.bh import bh_reason_sql
from tandem.imports.bulk import Rows
from tandem.imports.codes import ProgramCodes
from tandem.imports.models import RejectedRow
from tandem.imports.profile import LISTABLE_FIELDS, Profile
from tandem.imports.transform import DEFAULT_PRIORITY, LATE_ORD, lit

Progress = Callable[[str, int, int], None]
PROGRESS_STEPS = 10  # the page's progress bar moves at least every tenth of the rows
HISTORY_STEP = "History rows"


@dataclass
class Written:
    created: int = 0
    updated: int = 0
    assignments: int = 0
    encounters: int = 0


class Meter:
    """Progress over every row a run writes, reported at least every tenth of them."""

    def __init__(self, total: int, progress: Progress) -> None:
        self.total, self.done, self.progress = total, 0, progress
        self.chunk = max(1, total // PROGRESS_STEPS)

    def step(self, label: str) -> Callable[[int], None]:
        def advance(rows: int) -> None:
            self.done += rows
            self.progress(label, min(self.done, self.total), self.total)

        return advance


def register(con, name: str, columns: dict[str, list], types: dict[str, str]) -> None:
    """A small DuckDB table from Python lists (parameters: no data frame library)."""
    select = ", ".join(f"unnest(${k})::{types[k]} AS {k}" for k in columns)
    con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT {select}", columns)  # noqa: S608


def resolve_existing(con, profile: Profile) -> None:
    """Match rows to the source's rows imported before, and reject rows whose call number
    a call of the operational database already has (counting it twice otherwise)."""
    history.register_existing(con, profile.source)
    lo, hi = con.execute("SELECT min(number), max(number) FROM rows WHERE NOT rejected").fetchone()
    taken = (
        list(Call.objects.filter(number__gte=lo, number__lte=hi).values_list("number", flat=True))
        if lo is not None
        else []
    )
    register(con, "taken", {"number": taken}, {"number": "VARCHAR"})
    con.execute(
        f"""
        INSERT INTO issues
        SELECT r._row, {LATE_ORD}, 'number_taken', 'key',
          'call number ' || r.number || ' already belongs to another call', true, false
        FROM rows r JOIN taken t ON t.number = r.number
        WHERE NOT r.rejected
        """  # noqa: S608
    )
    con.execute(
        "UPDATE rows SET rejected = true "
        "WHERE _row IN (SELECT _row FROM issues WHERE code = 'number_taken')"
    )


def write_rows(
    con, *, profile: Profile, codes: ProgramCodes, run_id: int, owner_id: int, progress: Progress,
) -> tuple[Written, Path]:  # fmt: skip
    """The accepted rows, with their team's assignment and encounter, as the source's
    history (`history.write_pending`); returns what was written and the file to publish."""
    has_team = "team" in profile.fields.given()
    if has_team:
        _team_tables(con, codes)
    con.execute(
        f"CREATE TABLE history_new AS {_history_sql(profile, codes, run_id, owner_id, has_team)}"
    )  # noqa: S608,E501
    total = con.execute("SELECT count(*) FROM history_new").fetchone()[0]
    progress(HISTORY_STEP, 0, total)
    pending = history.write_pending(con, profile.source, "SELECT * FROM history_new", run_id)
    created, assignments, encounters = con.execute(
        "SELECT count(*) FILTER (incident_id NOT IN (SELECT incident_id FROM existing)), "
        "count(team_id), count(*) FILTER (has_encounter) FROM history_new"
    ).fetchone()
    progress(HISTORY_STEP, total, total)
    return Written(created, total - created, assignments, encounters), pending


def _epoch(expr: str) -> str:
    return f"epoch({expr})::BIGINT"


def _history_sql(
    profile: Profile, codes: ProgramCodes, run_id: int, owner_id: int, has_team: bool
) -> str:
    """SQL for one history row (`history.COLUMNS`) per accepted row."""
    encounter_rule = (
        "true"
        if profile.kind == "crisis_team"
        else "(r.disposition_code IS NOT NULL OR r.clinician_assessed_code IS NOT NULL)"
    )
    assigned = "coalesce(r.dispatched_at, r.received_at)"
    # Without a cleared time, the assignment and encounter close at the last known time.
    cleared = _epoch(f"coalesce(r.cleared_at, list_max([{assigned}, r.en_route_at, r.arrived_at]))")
    team = (
        f"""t.team_id, {_epoch(assigned)} AS assigned_at,
          {_epoch("r.arrived_at")} AS on_scene_at, {cleared} AS cleared_at,
          t.team_id IS NOT NULL AND {encounter_rule} AS has_encounter,
          t.agency_id AS clinical_agency_id,
          {_epoch("coalesce(r.arrived_at, r.en_route_at, r.dispatched_at, r.received_at)")}
            AS started_at,
          {cleared} AS ended_at,
          coalesce(r.disposition_standard, '') AS disposition,
          coalesce(r.clinician_assessed_code = 'true', false) AS clinician_assessed,
          coalesce(dv.jail, false) AS diverted_from_jail,
          coalesce(dv.hospital, false) AS diverted_from_hospital"""
        if has_team
        else """NULL::BIGINT AS team_id, NULL::BIGINT AS assigned_at,
          NULL::BIGINT AS on_scene_at, NULL::BIGINT AS cleared_at, false AS has_encounter,
          NULL::BIGINT AS clinical_agency_id, NULL::BIGINT AS started_at,
          NULL::BIGINT AS ended_at, '' AS disposition, false AS clinician_assessed,
          false AS diverted_from_jail, false AS diverted_from_hospital"""
    )
    joins = (
        """LEFT JOIN teams t ON t.code = r.team_code
        LEFT JOIN diversion dv ON dv.disposition = coalesce(r.disposition_standard, '')
          AND dv.offence = (coalesce(r.ct_apco, '') IN (SELECT code FROM offence_apco))"""
        if has_team
        else ""
    )
    return f"""
        SELECT r.incident_id, r.number, {lit(profile.source)} AS source, {run_id} AS run_id,
          r._row AS row, {owner_id} AS agency_id,
          try_cast(r.jurisdiction_code AS BIGINT) AS jurisdiction_id,
          {_epoch("r.received_at")} AS received_at,
          left(coalesce(r.call_type_code, r.call_type_raw, ''), 80) AS call_type,
          left(coalesce(r.final_call_type_code, r.final_call_type_raw, ''), 80)
            AS final_call_type,
          coalesce(r.ct_apco, '') AS apco_code,
          coalesce(CASE WHEN r.priority_n BETWEEN 1 AND 9 THEN r.priority_n END,
                   {DEFAULT_PRIORITY})::INTEGER AS priority,
          coalesce(r.source_code, 'cad_feed') AS call_source,
          r.bh AS behavioral_health, {bh_reason_sql(codes)} AS bh_reason,
          coalesce(w.warnings, '') AS warnings,
          {team}
        FROM rows r {joins}
        LEFT JOIN (SELECT _row, string_agg(message, '; ' ORDER BY ord) AS warnings
                   FROM issues GROUP BY _row) w ON w._row = r._row
        WHERE NOT r.rejected
        """  # noqa: S608


def _team_tables(con, codes: ProgramCodes) -> None:
    """`teams(code, team_id, mode, agency_id)`, and the diversion rules (`diversion`,
    `offence_apco`) the encounters of a team's rows follow."""
    teams = {e.code: e for e in codes.teams.values()}
    register(
        con,
        "teams",
        {
            "code": list(teams),
            "team_id": [t.id for t in teams.values()],
            "mode": [t.mode for t in teams.values()],
            "agency_id": [t.clinical_agency_id or t.owning_agency_id for t in teams.values()],
        },
        {"code": "VARCHAR", "team_id": "BIGINT", "mode": "VARCHAR", "agency_id": "BIGINT"},
    )
    _diversion_table(con, codes)


def _diversion_table(con, codes: ProgramCodes) -> None:
    """`diversion(disposition, offence, jail, hospital)`: the encounter rules applied once
    to each standard disposition on an offence call and on another call. Imports know
    no arrestable-offence mark and no screening, so only those two facts vary."""
    dispositions = sorted({standard for _code, standard in codes.dispositions.values()} | {""})
    cases = [(d, offence) for d in dispositions for offence in (False, True)]
    facts = [diversion.Facts(d, "ASSAULT" if offence else "") for d, offence in cases]
    register(
        con,
        "diversion",
        {
            "disposition": [d for d, _ in cases],
            "offence": [o for _, o in cases],
            "jail": [diversion.diverted_from_jail(f) for f in facts],
            "hospital": [diversion.diverted_from_hospital(f) for f in facts],
        },
        {"disposition": "VARCHAR", "offence": "BOOLEAN", "jail": "BOOLEAN", "hospital": "BOOLEAN"},
    )
    offence = sorted(diversion.OFFENCE_APCO)
    register(con, "offence_apco", {"code": offence}, {"code": "VARCHAR"})


def write_rejected(
    con, *, run_id: int, owner_id: int, malformed: list[tuple[int, str]], progress: Progress,
    listable: tuple[str, ...] = LISTABLE_FIELDS,
) -> int:  # fmt: skip
    """One `RejectedRow` per rejected row and per record the parser could not split,
    with the raw values of the `listable` fields only (times and codes)."""
    register(
        con,
        "malformed",
        {"_row": [line for line, _ in malformed], "reason": [reason for _, reason in malformed]},
        {"_row": "BIGINT", "reason": "VARCHAR"},
    )
    # Raw times and codes only, and only those the row has.
    pairs = ", ".join(["('key', key)", *(f"('{f}', {f}_raw)" for f in listable)])
    values = f"to_json(map_from_entries(list_filter([{pairs}], lambda x: x[2] IS NOT NULL)))"
    con.execute(
        f"""
        CREATE VIEW rejected AS
        SELECT r._row, to_json(i.reasons)::VARCHAR AS reasons, {values}::VARCHAR AS vals
        FROM rows r JOIN (SELECT _row, list(message ORDER BY ord) AS reasons FROM issues
                          WHERE reject GROUP BY _row) i USING (_row)
        WHERE r.rejected
        UNION ALL
        SELECT _row, to_json([reason])::VARCHAR, '{{}}' FROM malformed
        """  # noqa: S608
    )
    base = bulk.max_id(RejectedRow)
    rows = Rows(
        RejectedRow,
        "FROM rejected",
        {
            "id": f"{base} + row_number() OVER (ORDER BY _row)",
            "row": "_row",
            "reasons": "reasons",
            "values": "vals",
        },
        {"owning_agency_id": owner_id, "run_id": run_id},
        order="_row",
    )
    meter = Meter(bulk.count(con, rows), progress)
    return bulk.insert(con, rows, meter.step(RejectedRow._meta.label), meter.chunk)
