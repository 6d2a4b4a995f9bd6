"""Small snapshot tables built by hand, for metrics counted by hand.

`snapshot()` takes lists of row dicts per table; missing columns get defaults, so a test
states only what it is about. Times are epoch seconds; `month` defaults from the main time.
"""

from datetime import UTC, date, datetime

import pyarrow as pa

from tandem.metrics.snapshot import BOOKINGS_SCHEMA

JAN = int(datetime(2025, 1, 15, 12, tzinfo=UTC).timestamp())
FEB = int(datetime(2025, 2, 15, 12, tzinfo=UTC).timestamp())
AS_OF = int(datetime(2026, 6, 1, tzinfo=UTC).timestamp())
MIN = 60

SCHEMAS = {
    "calls": {
        "id": pa.int64(), "agency_id": pa.int64(), "jurisdiction_id": pa.int64(),
        "received_at": pa.int64(), "apco_code": pa.string(), "behavioral_health": pa.bool_(),
        "person_id": pa.int64(), "recommended_mode": pa.string(), "month": pa.date32(),
    },
    "assignments": {
        "id": pa.int64(), "call_id": pa.int64(), "team_id": pa.int64(),
        "assigned_at": pa.int64(), "on_scene_at": pa.int64(), "cleared_at": pa.int64(),
        "officer_returned_at": pa.int64(),
    },
    "teams": {
        "id": pa.int64(), "agency_id": pa.int64(), "clinical_agency_id": pa.int64(),
        "program_model": pa.string(),
    },
    "encounters": {
        "id": pa.int64(), "call_id": pa.int64(), "assignment_id": pa.int64(),
        "person_id": pa.int64(), "agency_id": pa.int64(), "status": pa.string(),
        "started_at": pa.int64(), "ended_at": pa.int64(), "minutes_on_scene": pa.int64(),
        "disposition": pa.string(), "clinician_assessed": pa.bool_(), "force_used": pa.bool_(),
        "injuries": pa.bool_(), "arrestable_offence": pa.bool_(),
        "diverted_from_jail": pa.bool_(), "diverted_from_hospital": pa.bool_(),
        "has_charges": pa.bool_(), "month": pa.date32(),
    },
    "referrals": {
        "id": pa.int64(), "encounter_id": pa.int64(), "person_id": pa.int64(),
        "agency_id": pa.int64(), "status": pa.string(), "sent_at": pa.int64(),
        "month": pa.date32(),
    },
    "followups": {
        "id": pa.int64(), "encounter_id": pa.int64(), "person_id": pa.int64(),
        "agency_id": pa.int64(), "status": pa.string(), "due_at": pa.int64(),
        "completed_at": pa.int64(), "month": pa.date32(),
    },
    "bookings": {f.name: f.type for f in BOOKINGS_SCHEMA},
}  # fmt: skip

DEFAULTS = {
    "calls": {"agency_id": 1, "jurisdiction_id": 10, "received_at": JAN, "apco_code": "EDP",
              "behavioral_health": True, "recommended_mode": ""},
    "teams": {"agency_id": 1, "clinical_agency_id": 2, "program_model": "ride_along"},
    "encounters": {"agency_id": 2, "status": "submitted", "started_at": JAN,
                   "disposition": "resolved_on_scene", "clinician_assessed": False,
                   "force_used": False, "injuries": False, "arrestable_offence": False,
                   "diverted_from_jail": False, "diverted_from_hospital": False,
                   "has_charges": False},
    "referrals": {"agency_id": 2, "status": "sent", "sent_at": JAN},
    "followups": {"agency_id": 2, "status": "open", "due_at": JAN},
    "bookings": {"agency_id": 5, "smi": True, "connected_to_treatment": False},
}  # fmt: skip
MONTH_OF = {
    "calls": "received_at",
    "encounters": "started_at",
    "referrals": "sent_at",
    "followups": "due_at",
    "bookings": "booked_at",
}
DEFAULT_TEAMS = [
    {"id": 1, "program_model": "ride_along"},
    {"id": 2, "program_model": "clinician_only", "agency_id": 2},
]


def month(seconds: int) -> date:
    d = datetime.fromtimestamp(seconds, UTC)
    return date(d.year, d.month, 1)


def snapshot(**rows: list[dict]) -> dict[str, pa.Table]:
    rows.setdefault("teams", DEFAULT_TEAMS)
    tables = {}
    for name, schema in SCHEMAS.items():
        filled = []
        for i, row in enumerate(rows.get(name, []), start=1):
            full = {"id": i, **DEFAULTS.get(name, {}), **row}
            if name in MONTH_OF and "month" not in row and full.get(MONTH_OF[name]) is not None:
                full["month"] = month(full[MONTH_OF[name]])
            filled.append(full)
        columns = {col: pa.array([r.get(col) for r in filled], typ) for col, typ in schema.items()}
        tables[name] = pa.table(columns)
    return tables
