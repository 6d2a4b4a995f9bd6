"""The synthetic history generator: deterministic, ordered, calibrated, owned, refusing."""

import datetime as dt
import hashlib
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.utils import timezone

from tandem.agencies.models import Code, CodeList, Jurisdiction, Shift, Team
from tandem.demo import history_sql
from tandem.demo.history import HistoryExists, history_generate
from tandem.demo.history_region import FALLBACK_CALL_TYPES
from tandem.directory.models import Service
from tandem.dispatch.models import Assignment, Call
from tandem.encounters.models import Encounter
from tandem.followups.models import FollowUp
from tandem.people.models import Person, PersonIdentifier
from tandem.referrals.models import Referral

from .conftest import END

GENERATED = [Person, PersonIdentifier, Call, Assignment, Encounter, Referral, FollowUp]


def _digest() -> str:
    """A hash of every generated row, every column, in id order."""
    digest = hashlib.sha256()
    for model in GENERATED:
        for row in model._base_manager.order_by("id").values_list():
            digest.update(repr(row).encode())
    return digest.hexdigest()


def _generate_and_digest(generate, **options) -> str:
    with transaction.atomic():
        generate(**options)
        digest = _digest()
        transaction.set_rollback(True)
    return digest


def test_the_same_seed_and_end_give_identical_rows(generate):
    first = _generate_and_digest(generate, seed=11)
    second = _generate_and_digest(generate, seed=11)
    other_seed = _generate_and_digest(generate, seed=12)
    assert first == second
    assert first != other_seed


def test_generated_volume_follows_calls_per_day(generate):
    summary = generate(calls_per_day=50)
    assert summary["calls"] == Call.objects.count() == 28 * 50
    assert summary["start"] == "2025-02-01"


def test_calls_fall_inside_the_period_and_are_closed(generate):
    generate()
    tz = timezone.get_default_timezone()
    start = dt.datetime(2025, 2, 1, tzinfo=tz)
    end = dt.datetime.combine(END, dt.time(), tzinfo=tz)
    assert not Call.objects.exclude(received_at__gte=start, received_at__lt=end).exists()
    assert set(Call.objects.values_list("status", flat=True)) == {"closed"}
    numbers = list(Call.objects.values_list("number", flat=True))
    assert len(set(numbers)) == len(numbers)
    assert all(n.startswith("H2025-") for n in numbers)


def test_assignment_times_run_assigned_en_route_on_scene_cleared(generate):
    generate()
    rows = Assignment.objects.values_list(
        "call__received_at",
        "assigned_at",
        "en_route_at",
        "on_scene_at",
        "cleared_at",
        "officer_returned_at",
    )
    assert rows
    for received, assigned, en_route, on_scene, cleared, officer_returned in rows:
        assert received < assigned < en_route < cleared
        if on_scene is not None:
            assert en_route < on_scene < cleared
        if officer_returned is not None:
            assert on_scene < officer_returned < cleared
    assert Assignment.objects.filter(officer_returned_at__isnull=False).exists()
    for started, ended in Encounter.objects.values_list("started_at", "ended_at"):
        assert started < ended


def test_officers_return_to_patrol_only_on_ride_along_and_on_call_teams(generate):
    generate()
    models = set(
        Assignment.objects.filter(officer_returned_at__isnull=False).values_list(
            "team__program_model", flat=True
        )
    )
    assert models <= {"ride_along", "on_call"}


def test_teams_cover_the_jurisdiction_and_are_on_duty_at_that_hour(generate):
    generate()
    tz = timezone.get_default_timezone()
    coverage = {t.id: set(t.coverage.values_list("id", flat=True)) for t in Team.objects.all()}
    shifts = Counter()
    for shift in Shift.objects.all():
        start = shift.start.hour
        end = shift.end.hour if shift.end > shift.start else shift.end.hour + 24
        for hour in range(start, end):
            shifts[(shift.team_id, (shift.weekday * 24 + hour) % 168)] += 1
    assignments = Assignment.objects.select_related("call", "team")
    assert assignments
    for a in assignments:
        local = a.call.received_at.astimezone(tz)
        assert a.team.program_model != "navigator"
        assert a.call.jurisdiction_id in coverage[a.team_id]
        assert shifts[(a.team_id, local.weekday() * 24 + local.hour)], a.call.number


def test_about_a_quarter_of_bh_calls_are_assessed_and_few_end_in_arrest(generate):
    generate()
    bh_calls = Call.objects.filter(behavioral_health=True)
    assessed = bh_calls.filter(encounters__clinician_assessed=True).distinct().count()
    assert 0.20 <= assessed / bh_calls.count() <= 0.30

    encounters = Encounter._base_manager
    total = encounters.count()
    dispositions = Counter(encounters.values_list("disposition", flat=True))
    assert dispositions["arrest"] / total <= 0.05
    assert (dispositions["transport_ed"] + dispositions["involuntary_hold"]) / total <= 0.15
    assert 0.30 <= dispositions["resolved_on_scene"] / total <= 0.50


def test_clinical_fields_are_filled_only_after_a_clinician_assessment(generate):
    generate()
    encounters = Encounter._base_manager
    assert not encounters.filter(clinician_assessed=False).exclude(clinical_notes="").exists()
    assert not encounters.filter(clinician_assessed=False).exclude(risk_level="").exists()
    assessed = encounters.filter(clinician_assessed=True)
    assert not assessed.filter(clinical_notes="").exists()
    assert all("Synthetic" in note for note in assessed.values_list("clinical_notes", flat=True))


def test_some_people_are_familiar_faces_with_many_contacts(generate):
    generate()
    contacts = Counter(Call.objects.exclude(subject=None).values_list("subject_id", flat=True))
    seen_once = sum(1 for n in contacts.values() if n == 1)
    assert seen_once / len(contacts) > 0.5
    assert max(contacts.values()) >= 10


def test_each_agency_knows_a_person_by_its_own_identifier(generate):
    generate()
    person = Person.objects.order_by("id").first()
    rms = PersonIdentifier.objects.get(person=person, system="rms")
    assert rms.owning_agency_id == person.owning_agency_id
    ehr = PersonIdentifier.objects.filter(system="ehr")
    assert ehr.exists()
    assert not ehr.filter(owning_agency__kind="police").exists()


def test_calls_belong_to_their_police_and_encounters_to_the_treating_provider(generate):
    generate()
    for model in GENERATED:
        assert not model._base_manager.filter(owning_agency__isnull=True).exists()
    owners = dict(Jurisdiction.objects.values_list("id", "owning_agency_id"))
    for jurisdiction_id, owner in Call.objects.values_list("jurisdiction_id", "owning_agency_id"):
        assert owners[jurisdiction_id] == owner
    # Encounters belong to the treating provider: the team's clinical agency, if any.
    for team_owner, clinical, owner in Encounter._base_manager.values_list(
        "assignment__team__owning_agency_id",
        "assignment__team__clinical_agency_id",
        "owning_agency_id",
    ):
        assert (clinical or team_owner) == owner


def test_referrals_close_the_loop_and_follow_ups_fall_due_72_hours_later(generate):
    generate()
    referrals = Referral._base_manager
    statuses = Counter(referrals.values_list("status", flat=True))
    assert {"attended", "no_show", "sent"} <= set(statuses)
    for referral in referrals.all():
        assert referral.status_changed_at >= referral.sent_at
    followups = FollowUp._base_manager.select_related("referral")
    assert followups.count() == referrals.count()
    for followup in followups:
        assert followup.due_at - followup.referral.sent_at == dt.timedelta(hours=72)
        assert (followup.completed_at is None) == (followup.status == "open")
    end = dt.datetime.combine(END, dt.time(), tzinfo=timezone.get_default_timezone())
    assert followups.filter(status="open", due_at__lt=end).exists()  # overdue
    assert followups.filter(status="open", due_at__gte=end).exists()  # not yet due


def test_a_region_without_call_types_or_services_gets_the_built_in_ones(generate):
    Code.objects.filter(list=CodeList.CALL_TYPE).delete()
    generate()
    built_in = {code for code, _label, _bh in FALLBACK_CALL_TYPES}
    assert set(Call.objects.values_list("call_type", flat=True)) <= built_in
    assert Service.objects.count() == 7
    assert Referral._base_manager.exists()


def test_a_jurisdiction_with_its_own_codes_uses_them(generate):
    generate()
    northtown = Call.objects.filter(jurisdiction__code="northtown")
    assert set(northtown.values_list("call_type", flat=True)) <= {
        "MENTAL",
        "SUICIDAL",
        "ODPILL",
        "WELF",
    }
    assert set(northtown.values_list("apco_code", flat=True)) <= {
        "EDP",
        "SUICTHRT",
        "OD",
        "WELFARE",
    }


def test_a_second_run_is_refused_without_replace(generate):
    generate()
    with pytest.raises(HistoryExists):
        generate(seed=8)


def test_replace_deletes_the_previous_history_first(generate):
    first = generate(seed=1)
    second = generate(seed=2, replace=True)
    assert Call.objects.count() == second["calls"]
    assert Person.objects.count() == second["people"] + second["provider_person_records"]
    assert Encounter._base_manager.count() == second["encounters"]
    assert first["calls"] == second["calls"]


def test_the_command_reports_progress_and_refuses_a_second_run(small_region):
    out, err = StringIO(), StringIO()
    options = {"months": 1, "seed": 3, "end": dt.date(2025, 3, 1), "calls_per_day": 20}
    call_command("generate_history", stdout=out, stderr=err, **options)
    assert "Generated 560 calls" in out.getvalue()
    assert "100% of" in err.getvalue()
    with pytest.raises(CommandError, match="--replace"):
        call_command("generate_history", stdout=out, stderr=err, **options)
    call_command("generate_history", stdout=out, stderr=err, replace=True, **options)
    assert Call.objects.count() == 560


def test_months_reach_back_by_calendar_months(small_region):
    summary = history_generate(months=1, seed=1, end=dt.date(2025, 3, 31), calls=10)
    assert summary["start"] == "2025-02-28"


def test_records_made_after_generation_get_fresh_ids(generate, small_region):
    generate()
    jurisdiction = small_region["jurisdictions"][0]
    person = Person.objects.create(
        owning_agency_id=jurisdiction.owning_agency_id, given_name="New", family_name="Person"
    )
    assert person.id > Person.objects.exclude(id=person.id).order_by("-id").first().id


def _sqlite_indexes() -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name")
        return cursor.fetchall()


@pytest.mark.django_db(transaction=True)
def test_a_bulk_load_outside_a_transaction_restores_indexes_and_foreign_keys(
    small_region, monkeypatch
):
    if connection.vendor != "sqlite":
        pytest.skip("index rebuild and foreign-key switch are SQLite's bulk-load path")
    monkeypatch.setattr(history_sql, "DEFER_INDEXES_ROWS", 0)  # take the large-run path
    checked, check = [], connection.check_constraints
    monkeypatch.setattr(
        connection,
        "check_constraints",
        lambda table_names=None: checked.append(table_names) or check(table_names=table_names),
    )
    before = _sqlite_indexes()
    history_generate(months=1, seed=5, end=END, calls_per_day=20)
    assert checked and "dispatch_call" in checked[0]  # foreign keys checked once, at the end
    assert _sqlite_indexes() == before
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA foreign_keys")
        assert cursor.fetchone()[0] == 1
    assert Call.objects.count() == 560


def test_clinics_keep_their_own_slightly_different_record_of_the_people_they_assessed(generate):
    generate()
    pairs = [
        (e.call.subject, e.person)
        for e in Encounter._base_manager.filter(clinician_assessed=True)
        .exclude(person=None)
        .select_related("call__subject", "person")
        if e.call.subject.owning_agency_id != e.owning_agency_id
    ]
    assert pairs
    for police, clinic in pairs:
        assert clinic.pk != police.pk
        assert clinic.owning_agency.kind == "behavioral_health"
        assert clinic.date_of_birth.year == police.date_of_birth.year
    same = [p.given_name == c.given_name and p.family_name == c.family_name for p, c in pairs]
    assert 0.5 < sum(same) / len(same) < 1, "most agree, some are written differently"
    assert PersonIdentifier.objects.filter(person=pairs[0][1], system="ehr").exists()
