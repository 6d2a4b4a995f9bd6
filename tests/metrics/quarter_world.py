"""A small region's third quarter of 2026, counted by hand, for the grant report and the
row-level exports.

Q3 2026 (July to September):
- Lakeview PD (`region.pd`): 30 behavioral-health calls in Lakeview about people 1 to 30
  (1-12 in July, 13-22 in August, 23-30 in September), each answered on scene by the
  ride-along team (dispatched 5 minutes after the call, on scene 10 minutes later).
  People 1 to 24 were met, one encounter each: 1-12 resolved on scene (and diverted
  from hospital), 13-16 taken to the emergency department, 17-19 held involuntarily,
  20-21 arrested (an offence call type), 22-24 declined services. People 1-12 were
  each given a referral; 1-11 attended it.
- Hillside PD (`region.other_pd`): 5 behavioral-health calls about people 31 to 35, no
  team.
Q2 2026 (April to June): Lakeview PD, 15 behavioral-health calls about people 101 to 115,
no team.
"""

import functools
from datetime import UTC, datetime
from types import SimpleNamespace

from tandem.metrics import engine

from .tables import snapshot

MIN = 60


def at(year: int, month: int, day: int = 15) -> int:
    return int(datetime(year, month, day, 12, tzinfo=UTC).timestamp())


AS_OF = at(2026, 10, 2)
DISPOSITIONS = (
    ["resolved_on_scene"] * 12
    + ["transport_ed"] * 4
    + ["involuntary_hold"] * 3
    + ["arrest"] * 2
    + ["declined"] * 3
)


def tables(region):
    pd, other, clinic = region.pd.pk, region.other_pd.pk, region.clinic.pk
    city = region.city.pk
    calls, assignments, encounters, referrals = [], [], [], []
    for person in range(1, 31):
        month = 7 if person <= 12 else 8 if person <= 22 else 9
        received = at(2026, month, 1 + person % 10)
        arrest = person in (20, 21)
        calls.append(
            {"id": person, "person_id": person, "agency_id": pd, "received_at": received,
             "apco_code": "TRESPASS" if arrest else "EDP", "jurisdiction_id": city}
        )  # fmt: skip
        assignments.append(
            {"id": person, "call_id": person, "team_id": 1, "assigned_at": received + 5 * MIN,
             "on_scene_at": received + 15 * MIN, "cleared_at": received + 75 * MIN}
        )  # fmt: skip
        if person <= 24:
            disposition = DISPOSITIONS[person - 1]
            encounters.append(
                {"id": person, "call_id": person, "assignment_id": person, "person_id": person,
                 "agency_id": clinic, "started_at": received + 15 * MIN,
                 "minutes_on_scene": 40, "disposition": disposition,
                 "clinician_assessed": True, "arrestable_offence": arrest,
                 "has_charges": arrest, "diverted_from_hospital": person <= 12}
            )  # fmt: skip
        if person <= 12:
            referrals.append(
                {"id": person, "encounter_id": person, "person_id": person, "agency_id": clinic,
                 "sent_at": received + 60 * MIN,
                 "status": "attended" if person <= 11 else "sent"}
            )  # fmt: skip
    for person in range(31, 36):
        calls.append({"id": person, "person_id": person, "agency_id": other,
                      "received_at": at(2026, 8)})  # fmt: skip
    for i, person in enumerate(range(101, 116)):
        calls.append({"id": 100 + i, "person_id": person, "agency_id": pd,
                      "received_at": at(2026, 4 + i % 3)})  # fmt: skip
    teams = [
        {"id": 1, "agency_id": pd, "clinical_agency_id": clinic, "program_model": "ride_along"}
    ]
    return snapshot(
        calls=calls,
        assignments=assignments,
        encounters=encounters,
        referrals=referrals,
        teams=teams,
    )


def connect(region):
    """The world's DuckDB connection; shared by tests whose region has the same agency ids,
    so the SQL each metric compiles to is compiled once (engine.run_one keeps it)."""
    return _connect(region.pd.pk, region.other_pd.pk, region.clinic.pk, region.city.pk)


@functools.cache
def _connect(pd: int, other: int, clinic: int, city: int):
    ids = SimpleNamespace(
        **{name: SimpleNamespace(pk=pk) for name, pk in
           (("pd", pd), ("other_pd", other), ("clinic", clinic), ("city", city))}
    )  # fmt: skip
    return engine.duckdb_connect(tables(ids), as_of=AS_OF)
