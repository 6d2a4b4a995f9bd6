"""The demo's jail bookings: the county jail's export for the history's months and a
baseline year, imported through the real import, feeding the four Stepping Up measures."""

import datetime as dt
from collections import Counter

import pytest
from django.db import transaction
from django.utils import timezone

from tandem.agencies.services import program_load
from tandem.demo.bookings import demo_bookings_import
from tandem.demo.history import history_generate
from tandem.demo.management.commands.demo import REGION
from tandem.dispatch.models import Call
from tandem.encounters.models import Disposition, Encounter
from tandem.imports.models import ImportRun, JailBooking
from tandem.metrics import engine
from tandem.metrics.snapshot import snapshot_take
from tandem.people.models import PersonIdentifier

from .conftest import END

pytestmark = pytest.mark.django_db
TZ = timezone.get_default_timezone()
HISTORY_START = dt.datetime(2025, 2, 1, tzinfo=TZ)
BASELINE_START = dt.datetime(2024, 2, 1, tzinfo=TZ)
END_AT = dt.datetime.combine(END, dt.time(), tzinfo=TZ)
STEPPING_UP = ["su_smi_bookings", "su_smi_length_of_stay", "su_smi_connected", "su_smi_recidivism"]


@pytest.fixture
def region(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    program_load(path=REGION)
    history_generate(months=1, seed=7, end=END, calls=300)


@pytest.fixture
def imported(region):
    return demo_bookings_import(seed=7)


def _rows() -> list[tuple]:
    return list(
        JailBooking.objects.order_by("booking_number").values_list(
            "booking_number", "person_key", "person_id", "booked_at", "released_at",
            "smi_assessment", "treatment_connected_on",
        )
    )  # fmt: skip


def test_the_jails_export_is_imported_whole_for_the_history_and_a_baseline_year(imported):
    run = ImportRun.objects.get(pk=imported["run"])
    assert (run.status, run.rows_rejected, run.report["unmapped"]) == ("done", 0, [])
    assert imported["bookings"] == JailBooking.objects.count() > 1000
    assert (imported["start"], imported["end"]) == ("2024-02-01", END.isoformat())
    booked = JailBooking.objects.values_list("booked_at", flat=True)
    assert all(BASELINE_START <= b < END_AT for b in booked)
    assert JailBooking.objects.filter(booked_at__gte=HISTORY_START).count() > 100
    assert JailBooking.objects.exclude(jurisdiction=None).exists()


def test_some_bookings_are_of_people_the_program_met_the_rest_unknown_to_it(imported):
    linked = JailBooking.objects.exclude(person=None)
    # A month's program met few of the 13 months' people booked (a year's: about a tenth).
    assert 10 < linked.count() < 0.3 * JailBooking.objects.count()
    subjects = set(Call.objects.values_list("subject_id", flat=True))
    assert set(linked.values_list("person_id", flat=True)) <= subjects
    jms = PersonIdentifier.objects.filter(system="jms", owning_agency__code="blue-prairie-sheriff")
    assert set(jms.values_list("person_id", flat=True)) == set(
        linked.values_list("person_id", flat=True)
    )
    # Each arrest the history recorded is followed by a booking of that person.
    arrests = Encounter._base_manager.filter(disposition=Disposition.ARREST).exclude(
        call__subject=None
    )
    for subject, ended in arrests.values_list("call__subject_id", "ended_at"):
        assert linked.filter(
            person_id=subject, booked_at__gt=ended, booked_at__lt=ended + dt.timedelta(hours=3)
        ).exists()


def test_about_a_sixth_are_smi_stays_last_days_to_weeks_and_some_return(imported):
    bookings = JailBooking.objects.all()
    smi = bookings.filter(smi_assessment="smi")
    assert 0.12 < smi.count() / bookings.count() < 0.24
    assert smi.exclude(treatment_connected_on=None).exists()
    assert smi.filter(treatment_connected_on=None).exists()
    stays = [
        (r - b).total_seconds() / 86400
        for b, r in bookings.exclude(released_at=None).values_list("booked_at", "released_at")
    ]
    assert len(stays) > 0.9 * bookings.count()
    assert 1 < sorted(stays)[len(stays) // 2] < 7  # a median of days
    assert 4 < sum(stays) / len(stays) < 30  # a mean of about a week: some stay for weeks
    per_person = Counter(bookings.values_list("person_key", flat=True))
    assert 0.05 < sum(1 for n in per_person.values() if n > 1) / len(per_person) < 0.5
    assert bookings.exclude(prior_booking=None).exists()


def test_the_four_stepping_up_measures_have_values(imported):
    snap = snapshot_take(as_of=END_AT.timestamp())
    con = engine.duckdb_connect(snap.tables, as_of=snap.as_of)
    for metric, table in engine.run(con, STEPPING_UP).items():
        [row] = table.to_pylist()
        assert row["value"] is not None and row["numerator"] > 0, metric


def test_the_same_seed_and_history_give_the_same_bookings(region):
    def imported_rows(seed):
        with transaction.atomic():
            demo_bookings_import(seed=seed)
            rows = _rows()
            transaction.set_rollback(True)
        return rows

    first = imported_rows(3)
    assert first == imported_rows(3)
    assert first != imported_rows(4)


def test_regenerating_the_history_keeps_the_jails_bookings_unlinked(imported):
    history_generate(months=1, seed=8, end=END, calls=300, replace=True)
    assert JailBooking.objects.count() == imported["bookings"]
    assert not JailBooking.objects.exclude(person=None).exists()
