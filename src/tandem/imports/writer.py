"""Write the accepted rows: calls, the team's assignment and the crisis-team encounter.

Ids of new rows are assigned in one step (the table's highest id plus the row's rank
among the new ones); rows whose incident id was imported before are updated in place,
so re-importing a file changes the calls it made instead of adding more, and every id
stays valid for the encounters, referrals and links that point at it. Every value is
computed in DuckDB and written by `bulk` (COPY on PostgreSQL, executemany on SQLite).

The caller runs all of this in one transaction (`services.import_execute`).
"""

import json
from collections.abc import Callable
from dataclasses import dataclass

from tandem.dispatch.models import Assignment, Call
from tandem.encounters import diversion
from tandem.encounters.models import Encounter
from tandem.imports import bulk
from tandem.imports.bh import bh_rules_json, keyword_flags_json, not_bh_reason_sql
from tandem.imports.bulk import Rows, db_time
from tandem.imports.codes import ProgramCodes
from tandem.imports.models import RejectedRow
from tandem.imports.profile import LISTABLE_FIELDS, Profile
from tandem.imports.transform import DEFAULT_PRIORITY, LATE_ORD, lit

Progress = Callable[[str, int, int], None]
PROGRESS_STEPS = 10  # the page's progress bar moves at least every tenth of the rows


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
    """Match rows to calls imported before, and reject rows whose call number another
    call already has (the database would refuse the whole file otherwise)."""
    prefix = f"import:{profile.source}:"
    existing = Call.objects.filter(incident_id__gte=prefix, incident_id__lt=prefix[:-1] + ";")
    pairs = list(existing.values_list("incident_id", "id"))
    register(
        con,
        "existing",
        {"incident_id": [p[0] for p in pairs], "id": [p[1] for p in pairs]},
        {"incident_id": "VARCHAR", "id": "BIGINT"},
    )
    lo, hi = con.execute("SELECT min(number), max(number) FROM rows WHERE NOT rejected").fetchone()
    taken = (
        list(
            Call.objects.filter(number__gte=lo, number__lte=hi).values_list("number", "incident_id")
        )
        if lo is not None
        else []
    )
    register(
        con,
        "taken",
        {"number": [t[0] for t in taken], "incident_id": [t[1] for t in taken]},
        {"number": "VARCHAR", "incident_id": "VARCHAR"},
    )
    con.execute(
        f"""
        INSERT INTO issues
        SELECT r._row, {LATE_ORD}, 'number_taken', 'key',
          'call number ' || r.number || ' already belongs to another call', true, false
        FROM rows r JOIN taken t ON t.number = r.number
        WHERE NOT r.rejected AND t.incident_id IS DISTINCT FROM r.incident_id
        """  # noqa: S608
    )
    con.execute(
        "UPDATE rows SET rejected = true "
        "WHERE _row IN (SELECT _row FROM issues WHERE code = 'number_taken')"
    )


def write_rows(
    con, *, profile: Profile, codes: ProgramCodes, run_id: int, owner_id: int, actor_id,
    progress: Progress,
) -> Written:  # fmt: skip
    """Calls, and the team's assignments and encounters; progress over all of them."""
    base = bulk.max_id(Call)
    con.execute(
        f"""
        CREATE TABLE accepted AS
        SELECT r._row, e.id AS existing_id,
          CASE WHEN e.id IS NULL THEN {base} + sum(CASE WHEN e.id IS NULL THEN 1 ELSE 0 END)
               OVER (ORDER BY r._row ROWS UNBOUNDED PRECEDING) ELSE e.id END AS call_id
        FROM rows r LEFT JOIN existing e USING (incident_id)
        WHERE NOT r.rejected
        """  # noqa: S608
    )
    has_team = "team" in profile.fields.given()
    if has_team:
        _team_rows(con, profile, codes)
    total = con.execute("SELECT count(*) FROM accepted").fetchone()[0]
    if has_team:
        total += con.execute(
            "SELECT count(*) + count(*) FILTER (has_encounter) FROM team_rows"
        ).fetchone()[0]
    meter = Meter(total, progress)
    now = bulk.db_now()
    written = Written()
    calls = _call_rows(con, profile, codes, run_id)
    common = {"owning_agency_id": owner_id, "updated_at": now, "updated_by_id": actor_id}
    created = {"created_at": now, "created_by_id": actor_id}
    new_calls = Rows(
        Call,
        "FROM calls WHERE _new",
        calls,
        {**common, **created, **_call_constants(codes), "status": "closed"},
        order="call_id",
    )
    old_calls = Rows(Call, "FROM calls WHERE NOT _new", calls, {**common, **_call_constants(codes)})
    step = meter.step(Call._meta.label)
    written.created = bulk.insert(con, new_calls, step, meter.chunk)
    written.updated = bulk.update(con, old_calls, step, meter.chunk)
    if has_team:
        written.assignments, written.encounters = _write_team_records(
            con, meter, common=common, created=created
        )
    return written


def _call_constants(codes: ProgramCodes) -> dict:
    return {"protocol_version": codes.protocol_version, "risk_level": "", "recommended_mode": ""}


def _call_rows(con, profile: Profile, codes: ProgramCodes, run_id: int) -> dict[str, str]:
    """View `calls` of the accepted rows with everything a call needs; returns the
    call's columns as expressions over it.

    The recommendation (the call page's "Why") is JSON text put together per row, as
    the live triage would have written it.
    """
    source = json.dumps(profile.source)
    recommendation = f"""'{{"behavioral_health":' || bh::VARCHAR
        || ',"classified":' || (ct_apco IS NOT NULL)::VARCHAR
        || ',"apco_code":' || to_json(coalesce(ct_apco, ''))
        || ',"category":' || to_json(coalesce(ct_category, 'unclassified'))
        || ',"rules_fired":' || CASE WHEN bh THEN {bh_rules_json(codes)}
           ELSE '[{{"rule_id":"import-not-bh","description":'
                || to_json('not BH: ' || {not_bh_reason_sql()})
                || ',"effect":"behavioral health: no"}}]' END
        || ',"protocol_version":' || {lit(json.dumps(codes.protocol_version))}
        || ',"keyword_flags":' || {keyword_flags_json(codes)}
        || ',"import":{{"source":' || {lit(source)} || ',"run":{run_id},"row":' || r._row
        || ',"warnings":' || coalesce(w.warnings, '[]') || '}}}}'"""
    con.execute(
        f"""
        CREATE VIEW calls AS
        SELECT r.*, a.call_id, a.existing_id IS NULL AS _new, {recommendation} AS rec
        FROM accepted a JOIN rows r USING (_row)
        LEFT JOIN (SELECT _row, '[' || string_agg(to_json(message), ',' ORDER BY ord) || ']'
                     AS warnings
                   FROM issues GROUP BY _row) w USING (_row)
        """  # noqa: S608
    )
    return {
        "id": "call_id",
        "number": "number",
        "incident_id": "incident_id",
        "source": "coalesce(source_code, 'cad_feed')",
        "received_at": db_time("received_at"),
        "call_type": "left(coalesce(call_type_code, call_type_raw, ''), 80)",
        "apco_code": "coalesce(ct_apco, '')",
        "final_call_type": "left(coalesce(final_call_type_code, final_call_type_raw, ''), 80)",
        "priority": f"coalesce(CASE WHEN priority_n BETWEEN 1 AND 9 THEN priority_n END, "
        f"{DEFAULT_PRIORITY})",
        "location_text": "left(coalesce(location_text_raw, ''), 300)",
        "jurisdiction_id": "try_cast(jurisdiction_code AS BIGINT)",
        "narrative": "coalesce(narrative_raw, '')",
        "behavioral_health": "bh",
        "classified": "ct_apco IS NOT NULL",
        "recommendation": "rec",
    }


def _existing_children(con, model, name: str) -> None:
    """`name(call_id, id)`: the first row of `model` for each updated call (an earlier
    import's), found in the id range of those calls."""
    lo, hi = con.execute(
        "SELECT min(call_id), max(call_id) FROM team_base WHERE existing_id IS NOT NULL"
    ).fetchone()
    pairs: dict[int, int] = {}
    if lo is not None:
        rows = model.objects.filter(call_id__gte=lo, call_id__lte=hi).order_by("id")
        for call_id, pk in rows.values_list("call_id", "id"):
            pairs.setdefault(call_id, pk)
    register(
        con,
        name,
        {"call_id": list(pairs), "id": list(pairs.values())},
        {"call_id": "BIGINT", "id": "BIGINT"},
    )


def _team_rows(con, profile: Profile, codes: ProgramCodes) -> None:
    """Table `team_rows`: one row per accepted row with a program team, with its
    assignment's and encounter's ids (existing ones kept) and times."""
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
    con.execute(
        "CREATE TABLE team_base AS SELECT a.*, r.team_code FROM accepted a "
        "JOIN rows r USING (_row) WHERE r.team_code IS NOT NULL"
    )
    _existing_children(con, Assignment, "ex_assign")
    _existing_children(con, Encounter, "ex_enc")
    _diversion_table(con, codes)
    base_a, base_e = bulk.max_id(Assignment), bulk.max_id(Encounter)
    encounter_rule = (
        "true"
        if profile.kind == "crisis_team"
        else "(disposition_code IS NOT NULL OR clinician_assessed_code IS NOT NULL)"
    )
    con.execute(
        f"""
        CREATE TABLE team_rows AS
        SELECT *,
          CASE WHEN ex_assignment IS NULL THEN {base_a} + sum(
            CASE WHEN ex_assignment IS NULL THEN 1 ELSE 0 END) OVER (ORDER BY _row
            ROWS UNBOUNDED PRECEDING) ELSE ex_assignment END AS assignment_id,
          CASE WHEN has_encounter AND ex_encounter IS NULL THEN {base_e} + sum(
            CASE WHEN has_encounter AND ex_encounter IS NULL THEN 1 ELSE 0 END) OVER (
            ORDER BY _row ROWS UNBOUNDED PRECEDING) ELSE ex_encounter END AS encounter_id
        FROM (
          SELECT b._row, b.call_id, t.team_id, t.mode, t.agency_id AS clinical_owner,
            coalesce(r.dispatched_at, r.received_at) AS assigned,
            coalesce(r.cleared_at, list_max([coalesce(r.dispatched_at, r.received_at),
                     r.en_route_at, r.arrived_at])) AS cleared,
            coalesce(r.arrived_at, r.en_route_at, r.dispatched_at, r.received_at) AS started,
            r.en_route_at, r.arrived_at,
            ea.id AS ex_assignment, ee.id AS ex_encounter, {encounter_rule} AS has_encounter,
            coalesce(r.disposition_standard, '') AS disposition,
            CASE WHEN r.disposition_code IS DISTINCT FROM r.disposition_standard
                 THEN coalesce(r.disposition_code, '') ELSE '' END AS local_disposition,
            coalesce(r.clinician_assessed_code = 'true', false) AS clinician_assessed,
            dv.jail, dv.hospital
          FROM team_base b JOIN rows r USING (_row) JOIN teams t ON t.code = b.team_code
          LEFT JOIN ex_assign ea ON ea.call_id = b.call_id
          LEFT JOIN ex_enc ee ON ee.call_id = b.call_id
          LEFT JOIN diversion dv ON dv.disposition = coalesce(r.disposition_standard, '')
            AND dv.offence = (coalesce(r.ct_apco, '') IN (SELECT code FROM offence_apco))
        )
        """  # noqa: S608
    )


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


def _write_team_records(con, meter: Meter, *, common: dict, created: dict) -> tuple[int, int]:
    assignment = {
        "id": "assignment_id",
        "call_id": "call_id",
        "team_id": "team_id",
        "mode": "mode",
        "assigned_at": db_time("assigned"),
        "en_route_at": db_time("en_route_at"),
        "on_scene_at": db_time("arrived_at"),
        "cleared_at": db_time("cleared"),
    }
    step = meter.step(Assignment._meta.label)
    new = Rows(Assignment, "FROM team_rows WHERE ex_assignment IS NULL", assignment,
               {**common, **created}, order="assignment_id")  # fmt: skip
    old = Rows(Assignment, "FROM team_rows WHERE ex_assignment IS NOT NULL", assignment, common)
    assignments = bulk.insert(con, new, step, meter.chunk)
    assignments += bulk.update(con, old, step, meter.chunk)

    encounter = {
        "id": "encounter_id",
        "owning_agency_id": "clinical_owner",
        "call_id": "call_id",
        "assignment_id": "assignment_id",
        "started_at": db_time("started"),
        "ended_at": db_time("cleared"),
        "clinician_assessed": "clinician_assessed",
        "disposition": "disposition",
        "local_disposition": "local_disposition",
        "diverted_from_jail": "coalesce(jail, false)",
        "diverted_from_hospital": "coalesce(hospital, false)",
    }
    when = {k: v for k, v in common.items() if k != "owning_agency_id"}
    step = meter.step(Encounter._meta.label)
    new = Rows(Encounter, "FROM team_rows WHERE has_encounter AND ex_encounter IS NULL",
               encounter, {**when, **created}, order="encounter_id")  # fmt: skip
    old = Rows(Encounter, "FROM team_rows WHERE has_encounter AND ex_encounter IS NOT NULL",
               encounter, when)  # fmt: skip
    encounters = bulk.insert(con, new, step, meter.chunk)
    encounters += bulk.update(con, old, step, meter.chunk)
    return assignments, encounters


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
