"""Write the accepted rows: calls, the team's assignment and the crisis-team encounter.

New rows go through `demo.history_sql.insert_tables` (COPY on PostgreSQL, executemany
on SQLite) with ids assigned up front; rows whose incident id was imported before are
updated in place (one `UPDATE ... FROM` a temporary table per model), so re-importing a
file changes the calls it made instead of adding more, and every id stays valid for
the encounters, referrals and links that point at it.

The caller runs all of this in one transaction (`services.import_execute`).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pyarrow as pa
from django.db import connection

from tandem.demo.history_sql import Ids, Table, Texts, Times, format_times, insert_tables, max_id
from tandem.dispatch.models import Assignment, Call
from tandem.encounters import diversion
from tandem.encounters.models import Encounter
from tandem.imports.codes import ProgramCodes
from tandem.imports.models import RejectedRow
from tandem.imports.profile import LISTABLE_FIELDS, Profile
from tandem.imports.transform import DEFAULT_PRIORITY, keyword_flags_sql, lit, not_bh_reason_sql

Progress = Callable[[str, int, int], None]
UPDATE_CHUNK = 20_000


@dataclass
class Written:
    created: int = 0
    updated: int = 0
    assignments: int = 0
    encounters: int = 0
    rejected_rows: int = 0


def _fetch(con, sql: str) -> dict[str, np.ndarray]:
    return con.execute(sql).fetchnumpy()


def _register(con, name: str, columns: dict[str, list]) -> None:
    con.register(f"_{name}", pa.table(columns))
    con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM _{name}")  # noqa: S608
    con.unregister(f"_{name}")


def resolve_existing(con, profile: Profile) -> None:
    """Match rows to calls imported before, and reject rows whose call number another
    call already has (the database would refuse the whole file otherwise)."""
    prefix = f"import:{profile.source}:"
    existing = Call.objects.filter(incident_id__gte=prefix, incident_id__lt=prefix[:-1] + ";")
    pairs = list(existing.values_list("incident_id", "id"))
    _register(
        con,
        "existing",
        {"incident_id": pa.array([p[0] for p in pairs], pa.string()), "id": [p[1] for p in pairs]},
    )
    lo, hi = con.execute("SELECT min(number), max(number) FROM rows WHERE NOT rejected").fetchall()[
        0
    ]
    taken = (
        list(
            Call.objects.filter(number__gte=lo, number__lte=hi).values_list("number", "incident_id")
        )
        if lo is not None
        else []
    )
    _register(
        con,
        "taken",
        {
            "number": pa.array([t[0] for t in taken], pa.string()),
            "incident_id": pa.array([t[1] for t in taken], pa.string()),
        },
    )
    issue = (
        "{'code': 'number_taken', 'field': 'key', 'message': 'call number ' || r.number || "
        "' already belongs to another call', 'reject': true}"
    )
    con.execute(
        f"""
        UPDATE rows r SET rejected = true, issues = list_append(r.issues, {issue})
        FROM taken t
        WHERE t.number = r.number AND NOT r.rejected
          AND t.incident_id IS DISTINCT FROM r.incident_id
        """  # noqa: S608
    )


def write_rows(
    con, *, profile: Profile, codes: ProgramCodes, run_id: int, owner_id: int, actor_id,
    progress: Progress,
) -> Written:  # fmt: skip
    written = Written()
    now = datetime.now().timestamp()
    now_text = format_times(np.array([int(now)], dtype=np.int64))[0]
    base = max_id(Call)
    con.execute(
        f"""
        CREATE TABLE accepted AS
        SELECT r.*, e.id AS existing_id,
          CASE WHEN e.id IS NULL THEN {base} + sum(CASE WHEN e.id IS NULL THEN 1 ELSE 0 END)
               OVER (ORDER BY r._row ROWS UNBOUNDED PRECEDING) ELSE e.id END AS call_id
        FROM rows r LEFT JOIN existing e USING (incident_id)
        WHERE NOT r.rejected ORDER BY r._row
        """  # noqa: S608
    )
    calls = _call_columns(con, profile, codes, run_id)
    new = calls.pop("_new")
    common = {
        "owning_agency_id": owner_id,
        "updated_at": now_text,
        "updated_by_id": actor_id,
    }
    written.created = int(new.sum())
    written.updated = int((~new).sum())
    tables = [
        Table(
            Call,
            written.created,
            {
                **{k: _take(v, new) for k, v in calls.items()},
                **common,
                "created_at": now_text,
                "created_by_id": actor_id,
                "status": "closed",
            },
        )
    ]
    insert_tables(tables, progress)
    _bulk_update(Call, {k: _take(v, ~new) for k, v in calls.items()} | common, progress)
    written.assignments, written.encounters = _write_team_records(
        con, profile, codes, owner_id=owner_id, actor_id=actor_id, now_text=now_text,
        progress=progress,
    )  # fmt: skip
    return written


def _take(spec, mask: np.ndarray):
    if isinstance(spec, Times):
        return Times(spec.seconds[mask], None if spec.null is None else spec.null[mask])
    if isinstance(spec, Texts):
        return Texts(list(np.asarray(spec.items, dtype=object)[mask]))
    if isinstance(spec, Ids):
        return Ids(spec.ids[mask])
    if isinstance(spec, np.ndarray):
        return spec[mask]
    return spec


def _seconds(name: str) -> str:
    return f"coalesce(epoch({name})::BIGINT, 0) AS {name}_s, {name} IS NULL AS {name}_null"


def _call_columns(con, profile: Profile, codes: ProgramCodes, run_id: int) -> dict:
    warnings = "list_transform(issues, lambda i: i.message)"
    recommendation = f"""to_json({{
        'behavioral_health': len(bh_rules) > 0,
        'classified': ct_apco IS NOT NULL,
        'apco_code': coalesce(ct_apco, ''),
        'category': coalesce(ct_category, 'unclassified'),
        'rules_fired': CASE WHEN len(bh_rules) > 0 THEN bh_rules ELSE [{{
            'rule_id': 'import-not-bh', 'description': 'not BH: ' || {not_bh_reason_sql()},
            'effect': 'behavioral health: no'}}] END,
        'protocol_version': {lit(codes.protocol_version)},
        'keyword_flags': {keyword_flags_sql(codes)},
        'import': {{'source': {lit(profile.source)}, 'run': {run_id}, 'row': _row,
                    'warnings': {warnings}}}
    }})"""
    data = _fetch(
        con,
        f"""
        SELECT call_id, existing_id IS NULL AS _new, number, incident_id,
          coalesce(source_code, 'cad_feed') AS source,
          {_seconds("received_at")},
          left(coalesce(call_type_code, call_type_raw, ''), 80) AS call_type,
          coalesce(ct_apco, '') AS apco_code,
          left(coalesce(final_call_type_code, final_call_type_raw, ''), 80) AS final_call_type,
          coalesce(CASE WHEN priority_n BETWEEN 1 AND 9 THEN priority_n END, {DEFAULT_PRIORITY})
            AS priority,
          left(coalesce(location_text_raw, ''), 300) AS location_text,
          coalesce(try_cast(jurisdiction_code AS BIGINT), -1) AS jurisdiction_id,
          coalesce(narrative_raw, '') AS narrative,
          len(bh_rules) > 0 AS behavioral_health,
          ct_apco IS NOT NULL AS classified,
          {recommendation} AS recommendation
        FROM accepted ORDER BY _row
        """,  # noqa: S608
    )
    return {
        "id": data["call_id"].astype(np.int64),
        "_new": data["_new"].astype(bool),
        "number": Texts(list(data["number"])),
        "incident_id": Texts(list(data["incident_id"])),
        "source": Texts(list(data["source"])),
        "received_at": Times(data["received_at_s"].astype(np.int64)),
        "call_type": Texts(list(data["call_type"])),
        "apco_code": Texts(list(data["apco_code"])),
        "final_call_type": Texts(list(data["final_call_type"])),
        "priority": data["priority"].astype(np.int64),
        "location_text": Texts(list(data["location_text"])),
        "jurisdiction_id": Ids(data["jurisdiction_id"].astype(np.int64)),
        "narrative": Texts(list(data["narrative"])),
        "behavioral_health": data["behavioral_health"].astype(bool),
        "classified": data["classified"].astype(bool),
        "recommendation": Texts(list(data["recommendation"])),
        "protocol_version": codes.protocol_version,
        "risk_level": "",
        "recommended_mode": "",
    }


def _existing_children(con, model, name: str, call_ids: np.ndarray) -> None:
    """`name(call_id, id)`: the first row of `model` for each call (an earlier import's)."""
    pairs: list[tuple[int, int]] = []
    if len(call_ids):
        rows = model.objects.filter(
            call_id__gte=int(call_ids.min()), call_id__lte=int(call_ids.max())
        )
        wanted = set(call_ids.tolist())
        first: dict[int, int] = {}
        for call_id, pk in rows.order_by("id").values_list("call_id", "id"):
            if call_id in wanted:
                first.setdefault(call_id, pk)
        pairs = list(first.items())
    _register(con, name, {"call_id": [p[0] for p in pairs], "id": [p[1] for p in pairs]})


def _write_team_records(
    con, profile, codes: ProgramCodes, *, owner_id, actor_id, now_text, progress
) -> tuple[int, int]:
    if "team" not in profile.fields.given():
        return 0, 0
    teams = {e.code: e for e in codes.teams.values()}
    _register(
        con,
        "teams",
        {
            "code": list(teams),
            "team_id": [t.id for t in teams.values()],
            "mode": [t.mode for t in teams.values()],
            "agency_id": [t.clinical_agency_id or t.owning_agency_id for t in teams.values()],
        },
    )
    updated_calls = con.execute(
        "SELECT call_id FROM accepted WHERE existing_id IS NOT NULL AND team_code IS NOT NULL"
    ).fetchnumpy()["call_id"]
    _existing_children(con, Assignment, "ex_assign", updated_calls)
    _existing_children(con, Encounter, "ex_enc", updated_calls)
    base_a, base_e = max_id(Assignment), max_id(Encounter)
    encounter_rule = (
        "true"
        if profile.kind == "crisis_team"
        else "(disposition_code IS NOT NULL OR clinician_assessed_code IS NOT NULL)"
    )
    con.execute(
        f"""
        CREATE TABLE team_rows AS
        SELECT a.*, t.team_id, t.mode, t.agency_id AS clinical_owner,
          coalesce(dispatched_at, received_at) AS assigned,
          coalesce(cleared_at, list_max([coalesce(dispatched_at, received_at), en_route_at,
                   arrived_at])) AS cleared,
          coalesce(arrived_at, en_route_at, dispatched_at, received_at) AS started,
          ea.id AS ex_assignment, ee.id AS ex_encounter, {encounter_rule} AS has_encounter,
          CASE WHEN ea.id IS NULL THEN {base_a} + sum(CASE WHEN ea.id IS NULL THEN 1 ELSE 0 END)
            OVER (ORDER BY a._row ROWS UNBOUNDED PRECEDING) ELSE ea.id END AS assignment_id
        FROM accepted a JOIN teams t ON t.code = a.team_code
        LEFT JOIN ex_assign ea ON ea.call_id = a.call_id
        LEFT JOIN ex_enc ee ON ee.call_id = a.call_id
        ORDER BY a._row
        """  # noqa: S608
    )
    data = _fetch(
        con,
        f"""
        SELECT call_id, assignment_id, ex_assignment IS NULL AS _new, team_id, mode,
          clinical_owner, has_encounter, ex_encounter IS NULL AS _new_enc,
          coalesce(ex_encounter, -1) AS ex_encounter_id,
          {_seconds("assigned")}, {_seconds("en_route_at")}, {_seconds("arrived_at")},
          {_seconds("cleared")}, {_seconds("started")},
          coalesce(disposition_standard, '') AS disposition,
          CASE WHEN disposition_code IS DISTINCT FROM disposition_standard
               THEN coalesce(disposition_code, '') ELSE '' END AS local_disposition,
          coalesce(clinician_assessed_code = 'true', false) AS clinician_assessed,
          coalesce(ct_apco, '') AS apco
        FROM team_rows ORDER BY _row
        """,  # noqa: S608
    )
    n = len(data["call_id"])
    new = data["_new"].astype(bool)
    assignment = {
        "id": data["assignment_id"].astype(np.int64),
        "call_id": data["call_id"].astype(np.int64),
        "team_id": data["team_id"].astype(np.int64),
        "mode": Texts(list(data["mode"])),
        "assigned_at": Times(data["assigned_s"].astype(np.int64)),
        "en_route_at": Times(data["en_route_at_s"].astype(np.int64), data["en_route_at_null"]),
        "on_scene_at": Times(data["arrived_at_s"].astype(np.int64), data["arrived_at_null"]),
        "cleared_at": Times(data["cleared_s"].astype(np.int64)),
    }
    common = {"owning_agency_id": owner_id, "updated_at": now_text, "updated_by_id": actor_id}
    created = {"created_at": now_text, "created_by_id": actor_id}
    new_rows = {k: _take(v, new) for k, v in assignment.items()} | common | created
    insert_tables([Table(Assignment, int(new.sum()), new_rows)], progress)
    _bulk_update(Assignment, {k: _take(v, ~new) for k, v in assignment.items()} | common, progress)

    has = data["has_encounter"].astype(bool)
    if not has.any():
        return n, 0
    encounter = _encounter_columns(data, base_e, has)
    new_enc = data["_new_enc"].astype(bool)[has]
    common_e = {"updated_at": now_text, "updated_by_id": actor_id}
    new_rows = {k: _take(v, new_enc) for k, v in encounter.items()} | common_e | created
    insert_tables([Table(Encounter, int(new_enc.sum()), new_rows)], progress)
    _bulk_update(
        Encounter, {k: _take(v, ~new_enc) for k, v in encounter.items()} | common_e, progress
    )
    return n, int(has.sum())


def _encounter_columns(data: dict, base_e: int, has: np.ndarray) -> dict:
    new_enc = data["_new_enc"].astype(bool)[has]
    ids = data["ex_encounter_id"].astype(np.int64)[has]
    ids[new_enc] = base_e + 1 + np.arange(int(new_enc.sum()))
    dispositions = np.asarray(data["disposition"], dtype=object)[has].astype(str)
    pool, disposition_index = np.unique(dispositions, return_inverse=True)
    offence = np.isin(np.asarray(data["apco"], dtype=object)[has], list(diversion.OFFENCE_APCO))
    no = np.zeros(len(ids), dtype=bool)
    jail, hospital = diversion.flag_arrays(
        disposition_codes=[str(d) for d in pool],  # "" (none) is among those never met
        disposition=disposition_index.astype(np.int64),
        offence_call=offence,
        arrestable_offence=no,
        hospital_indicated=no,
    )
    started = data["started_s"].astype(np.int64)[has]
    cleared = data["cleared_s"].astype(np.int64)[has]
    return {
        "id": ids,
        "owning_agency_id": data["clinical_owner"].astype(np.int64)[has],
        "call_id": data["call_id"].astype(np.int64)[has],
        "assignment_id": data["assignment_id"].astype(np.int64)[has],
        "started_at": Times(started),
        "ended_at": Times(cleared),
        "clinician_assessed": data["clinician_assessed"].astype(bool)[has],
        "disposition": Texts(list(dispositions)),
        "local_disposition": Texts(list(np.asarray(data["local_disposition"], dtype=object)[has])),
        "diverted_from_jail": jail,
        "diverted_from_hospital": hospital,
    }


def _bulk_update(model, columns: dict, progress: Progress | None = None) -> int:
    """UPDATE rows of `model` by id from column specs (as for `insert_tables`)."""
    ids = columns["id"]
    n = len(ids)
    if n == 0:
        return 0
    fields = {f.attname: f for f in model._meta.concrete_fields}
    names = [k for k in columns if k != "id"]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    temp = quote(f"imports_tmp_{model._meta.db_table}")
    types = ", ".join(f"{quote(fields[k].column)} {fields[k].db_type(connection)}" for k in names)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE {temp} (id bigint PRIMARY KEY, {types})")
        insert = f"INSERT INTO {temp} VALUES ({', '.join(['%s'] * (len(names) + 1))})"  # noqa: S608
        for lo in range(0, n, UPDATE_CHUNK):
            hi = min(lo + UPDATE_CHUNK, n)
            values = [_values(columns[k], lo, hi) for k in ["id", *names]]
            cursor.executemany(insert, list(zip(*values, strict=True)))
        sets = ", ".join(f"{quote(fields[k].column)} = s.{quote(fields[k].column)}" for k in names)
        cursor.execute(
            f"UPDATE {table} SET {sets} FROM {temp} s WHERE {table}.id = s.id"  # noqa: S608
        )
        cursor.execute(f"DROP TABLE {temp}")
    if progress is not None:
        progress(f"{model._meta.label} updated", n, n)
    return n


def _values(spec, lo: int, hi: int) -> list:
    if hasattr(spec, "values"):
        return list(spec.values(lo, hi))
    if isinstance(spec, np.ndarray):
        return spec[lo:hi].tolist()
    return [spec] * (hi - lo)


def write_rejected(con, *, run_id: int, owner_id: int, malformed: list[tuple[int, str]]) -> int:
    listable = ", ".join(f"'{f}', {f}_raw" for f in LISTABLE_FIELDS)
    data = _fetch(
        con,
        f"""
        SELECT _row, to_json(list_transform(list_filter(issues, lambda i: i.reject),
                                            lambda i: i.message)) AS reasons,
          json_object('key', key, {listable})::VARCHAR AS vals
        FROM rows WHERE rejected ORDER BY _row
        """,  # noqa: S608
    )
    rows = [int(r) for r in data["_row"]] + [line for line, _ in malformed]
    reasons = list(data["reasons"]) + [_json_list([reason]) for _, reason in malformed]
    values = list(data["vals"]) + ["{}"] * len(malformed)
    order = np.argsort(np.array(rows, dtype=np.int64), kind="stable")
    n = len(rows)
    insert_tables(
        [
            Table(
                RejectedRow,
                n,
                {
                    "id": max_id(RejectedRow) + 1 + np.arange(n),
                    "owning_agency_id": owner_id,
                    "run_id": run_id,
                    "row": np.array(rows, dtype=np.int64)[order],
                    "reasons": Texts([reasons[i] for i in order]),
                    "values": Texts([_strip_nulls(values[i]) for i in order]),
                },
            )
        ]
    )
    return n


def _json_list(items: list[str]) -> str:
    import json

    return json.dumps(items)


def _strip_nulls(text: str) -> str:
    import json

    return json.dumps({k: v for k, v in json.loads(text).items() if v is not None})
