"""Jail bookings: the jail's export checked and stored, and the four Stepping Up measures
counted from it.

samples/jail_bookings.csv, counted by hand (the snapshot is taken on 1 June 2025):

| row | booking  | person | booked → released          | screen | assessment | treatment  |
|-----|----------|--------|----------------------------|--------|------------|------------|
| 2   | J23-0001 | SO100  | 2023-01-10 → 01-20 (10 d)  | POS    | SMI        | 2023-01-25 |
| 3   | J23-0002 | SO200  | 2023-02-01 → 02-21         | NEG    |            |            |
| 4   | J23-0003 | SO300  | 2023-03-05 → 03-08 (3 d)   | pos    | SMI        | 2023-03-10 |
| 5   | J23-0004 | SO400  | 2023-04-10, "released" 04-09: left empty | POS | SMI |       |
| 6   | J23-0005 | SO500  | 2023-05-05 → 05-07         | POS    | (none)     |            |
| 7   | J23-0006 | SO100  | 2023-06-01 → 06-06 (5 d)   | POS    | SMI        |            |
| 8   | J23-0007 | SO600  | 2023-07-01 → 07-03 (2 d)   | (none) | SMI        | 2023-06-01 (*) |
| 9   | J23-0008 | SO700  | 2023-08-01 00:00 (midnight) | NEG   |            |            |
| 10  | J23-0009 | SO800  | no booking date: rejected  |        |            |            |
| 11  | J23-0001 | SO100  | repeated booking number: rejected |  |            |            |
| 12  | J23-0010 | (none) | no person number: rejected |        |            |            |
| 13  | J24-0011 | SO300  | 2024-05-01, still held     | POS    | SMI        |            |

(*) before the booking: left empty.

1. People with SMI booked: SO100, SO300, SO400, SO600 = 4.
2. Length of stay of released SMI bookings: 10, 5, 3, 2 days = 20 / 4 = 5.0.
3. Connected to treatment: J23-0001 and J23-0003 of the 6 SMI bookings.
4. Return within a year of release, over SMI bookings released a year before the
   snapshot (J23-0001, -0003, -0006, -0007): only J23-0001 (rebooked 132 days later;
   J23-0003's next booking came 420 days after release) = 1 / 4.
"""

import datetime as dt
import shutil

import pytest

from tandem.agencies.models import Agency, AgencyKind
from tandem.imports.models import ImportRun, JailBooking, RejectedRow
from tandem.imports.services import import_file
from tandem.metrics import engine
from tandem.metrics.snapshot import snapshot_take
from tandem.people.models import Person, PersonIdentifier
from tandem.privacy.models import AuditEvent
from tandem.privacy.segments import CJI, CLINICAL, field_segment

from .conftest import SAMPLES

pytestmark = pytest.mark.django_db
FILE = SAMPLES / "jail_bookings.csv"
PROFILE = str(SAMPLES / "lakeview-jail.yaml")
AS_OF = dt.datetime(2025, 6, 1, tzinfo=dt.UTC).timestamp()
PERSON_NUMBERS = [f"SO{n}00" for n in range(1, 9)]


@pytest.fixture
def jail(region):
    region.jail = Agency.objects.create(
        code="lakeview-jail", name="Lakeview County Jail", kind=AgencyKind.JAIL,
        owning_agency=region.admin,
    )  # fmt: skip
    region.cole = Person.objects.create(
        owning_agency=region.pd, given_name="Jamie", family_name="C"
    )
    PersonIdentifier.objects.create(
        owning_agency=region.jail, person=region.cole, system="jms", value="SO300"
    )
    return region


def run_import(region, path=FILE) -> ImportRun:
    run = import_file(actor=region.regional_admin, path=path, profile_name=PROFILE)
    assert run.status == "done", run.error
    return run


def check(run, code, field) -> dict:
    [found] = [c for c in run.report["checks"] if (c["code"], c["field"]) == (code, field)]
    return found


def booking(number) -> JailBooking:
    return JailBooking.objects.get(booking_number=number)


def test_every_booking_is_imported_or_rejected_with_its_reason(jail):
    run = run_import(jail)
    assert (run.rows_read, run.rows_imported, run.rows_rejected) == (12, 9, 3)
    assert {r.row: r.reasons for r in run.rejected_rows.all()} == {
        10: ["booked_at is empty"],
        11: ["same booking number as row 2"],
        12: ["person number is empty"],
    }
    assert JailBooking.objects.count() == 9
    assert run.report["bookings"] == {
        "bookings": 9, "people": 7, "released": 7,
        # 6 bookings of 4 people, 2 connected: clinical counts below 11 are not kept
        "smi_bookings": "fewer than 11", "smi_people": "fewer than 11",
        "smi_connected": "fewer than 11",
    }  # fmt: skip


def test_each_booking_check_counts_its_rows(jail):
    run = run_import(jail)
    assert check(run, "order", "released_at")["examples"] == [
        {"row": 5, "message": "released before booked (04/09/2023 1000): release time left empty"}
    ]
    assert check(run, "midnight", "booked_at")["examples"][0]["row"] == 9
    assert check(run, "duplicate_key", "key")["label"] == "Booking number given twice"
    assert check(run, "unmapped", "charge_level")["examples"][0]["row"] == 9
    assert run.report["unmapped"] == [{"field": "charge_level", "value": "XYZ", "rows": 1}]
    spellings = {v["field"]: {s["value"] for s in v["spellings"]} for v in run.report["variants"]}
    assert spellings == {
        "smi_screen": {"POS", "pos"},
        "jurisdiction": {"LAKEVIEW PD", "Lakeview PD"},
    }
    assert booking("J23-0004").released_at is None
    assert booking("J23-0004").warnings == [
        "released before booked (04/09/2023 1000): release time left empty"
    ]


def test_problems_with_clinical_values_are_counted_never_listed_by_row(jail):
    run = run_import(jail)
    for field, code in [
        ("smi_assessment", "inconsistent"),  # row 8: assessed SMI, no screening
        ("smi_assessment", "missing"),  # row 6: screened positive, never assessed
        ("treatment_connected_on", "order"),  # row 8: treatment before the booking
    ]:
        found = check(run, code, field)
        assert (found["rows"], found["examples"]) == (1, [])
    assert booking("J23-0007").treatment_connected_on is None
    assert booking("J23-0007").smi  # assessed: counted, whatever the screening says
    assert not booking("J23-0005").smi  # screened positive only
    assert booking("J23-0007").warnings == []  # nothing clinical on the record's warnings
    months = {m["month"]: m for m in run.report["months"]}
    # its one row was screened positive only: counted in the totals, not in its month
    assert (months["2023-05"]["checks"], months["2023-05"]["flagged"]) == ({}, 0)
    assert all("smi" not in m for m in months.values())


def test_the_jails_person_number_is_kept_only_as_a_pseudonym(jail):
    run = run_import(jail)
    first, again = booking("J23-0001"), booking("J23-0006")
    assert first.person_key == again.person_key != booking("J23-0002").person_key
    assert len(first.person_key) == 64 and first.person is None
    assert booking("J23-0003").person == booking("J24-0011").person == jail.cole
    stored = [
        str(list(JailBooking.objects.values())),
        str(run.report),
        str(list(RejectedRow.objects.values_list("values", "reasons"))),
    ]
    for number in PERSON_NUMBERS:
        assert not any(number in text for text in stored), number


def test_each_booking_points_at_the_same_persons_booking_before_it(jail):
    run_import(jail)
    prior = {b.booking_number: b.prior_booking for b in JailBooking.objects.all()}
    assert prior["J23-0006"] == booking("J23-0001")
    assert prior["J24-0011"] == booking("J23-0003")
    assert {n for n, p in prior.items() if p is not None} == {"J23-0006", "J24-0011"}


def test_the_four_stepping_up_measures_count_the_imported_bookings(jail):
    run_import(jail)
    snap = snapshot_take(as_of=AS_OF)
    con = engine.duckdb_connect(snap.tables, as_of=snap.as_of)
    measures = ["su_smi_bookings", "su_smi_length_of_stay", "su_smi_connected", "su_smi_recidivism"]
    got = {
        m: (row["numerator"], row["denominator"], row["value"])
        for m, table in engine.run(con, measures).items()
        for row in table.to_pylist()
    }
    assert got["su_smi_bookings"] == (4, None, 4)
    assert got["su_smi_length_of_stay"] == pytest.approx((20.0, 4, 5.0))
    assert got["su_smi_connected"] == pytest.approx((2, 6, 2 / 6))
    assert got["su_smi_recidivism"] == pytest.approx((1, 4, 0.25))


def test_importing_the_bookings_again_updates_them_in_place(jail, tmp_path):
    path = tmp_path / "bookings.csv"
    shutil.copy(FILE, path)
    run_import(jail, path)
    ids = sorted(JailBooking.objects.values_list("id", flat=True))
    path.write_text(path.read_text().replace("03/08/2023,0930", "03/09/2023,0930"))
    second = run_import(jail, path)
    assert (second.rows_created, second.rows_updated) == (0, 9)
    assert sorted(JailBooking.objects.values_list("id", flat=True)) == ids
    assert booking("J23-0003").released_at.isoformat() == "2023-03-09T15:30:00+00:00"


def test_one_audit_event_says_clinical_and_justice_data_were_written(jail):
    run = run_import(jail)
    [event] = AuditEvent.objects.filter(action="import")
    assert event.object_id == str(run.pk)
    assert set(event.segments.split(",")) == {CJI, CLINICAL}
    assert "9 bookings created" in event.reason and "3 rows rejected" in event.reason


def test_screening_assessment_and_treatment_are_clinical_and_the_charge_is_cji():
    segments = {f.name: field_segment(f) for f in JailBooking._meta.get_fields()}
    assert segments["smi_screen"] == segments["smi_assessment"] == CLINICAL
    assert segments["treatment_connected_on"] == CLINICAL
    assert segments["charge_level"] == CJI


def test_the_report_page_shows_smi_counts_but_no_clinical_value_by_row(jail, client):
    run = run_import(jail)
    client.force_login(jail.regional_admin)
    page = client.get(f"/imports/{run.pk}/").content.decode()
    assert "Imported 9 of 12 rows" in page and "9 bookings of 7 people" in page
    assert "serious mental illness: fewer than 11 bookings of fewer than 11 people" in page
    assert "Counted only: rows are not listed for clinical values." in page
    assert "screened positive with no clinical assessment" not in page  # no row is named
    for number in PERSON_NUMBERS:
        assert number not in page
