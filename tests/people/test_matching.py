"""Match at intake: likely existing people, ranked and explained, within the viewer's scope."""

import datetime as dt
import io
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.http import Http404

from tandem.people import matching_keys as keys
from tandem.people.matching import jaro_winkler, match_dicts, person_matches
from tandem.people.models import Person, PersonKey
from tandem.people.services import person_create, person_update
from tandem.privacy.models import AuditEvent

pytestmark = pytest.mark.django_db

BIRTH = dt.date(1980, 3, 14)


def _person(actor, given, family, dob=BIRTH, **extra):
    return person_create(
        actor=actor, given_name=given, family_name=family, date_of_birth=dob, **extra
    )


def _matches(actor, given, family, dob=None, **extra):
    return person_matches(
        actor=actor, given_name=given, family_name=family, date_of_birth=dob, **extra
    )


def test_a_nickname_with_a_typo_in_the_family_name_finds_the_person(region):
    robert = _person(region.officer, "Robert", "Smith")
    _person(region.officer, "Rachel", "Moss")

    matches = _matches(region.officer, "Bob", "Smiht", BIRTH)

    assert matches[0].person == robert
    assert "nickname: Bob = Robert" in matches[0].reasons
    assert "same date of birth" in matches[0].reasons
    assert len(matches) == 1


def test_a_date_of_birth_with_day_and_month_swapped_finds_the_person(region):
    person = _person(region.officer, "Maria", "Lopez", dt.date(1975, 4, 9))

    (match,) = _matches(region.officer, "Maria", "Lopez", dt.date(1975, 9, 4))

    assert match.person == person
    assert "date of birth with day and month swapped" in match.reasons


def test_a_family_name_spelled_as_it_sounds_finds_the_person_without_a_date_of_birth(region):
    person = _person(region.officer, "Helen", "Thompson", dob=None)

    (match,) = _matches(region.officer, "Helen", "Tomson")

    assert match.person == person
    assert "family name sounds alike: Tomson ~ Thompson" in match.reasons


def test_an_exact_match_ranks_above_a_partial_one(region):
    exact = _person(region.officer, "James", "Carter", dt.date(1990, 6, 2))
    partial = _person(region.officer, "Jim", "Karter", dt.date(1990, 2, 6))

    matches = _matches(region.officer, "James", "Carter", dt.date(1990, 6, 2))

    assert [m.person for m in matches] == [exact, partial]
    assert matches[0].score > matches[1].score
    assert matches[0].score == 88  # names and date of birth; nothing else was asked


def test_a_twin_ranks_below_the_person_named(region):
    address = "14 Elm St"
    twin = _person(region.officer, "Mark", "Ellis", sex="M", address=address)
    person = _person(region.officer, "Luke", "Ellis", sex="M", address=address)

    matches = _matches(region.officer, "Luke", "Ellis", BIRTH, sex="M", address=address)

    assert [m.person for m in matches] == [person, twin]
    assert (matches[0].score, matches[1].score) == (95, 70)  # all but a phone; no given name


def test_a_different_sex_and_date_of_birth_push_a_namesake_down(region):
    person = _person(region.officer, "Sam", "Rivera", sex="F")
    namesake = _person(region.officer, "Sam", "Rivera", dt.date(1961, 11, 30), sex="M")

    matches = _matches(region.officer, "Sam", "Rivera", BIRTH, sex="F", min_score=0)

    assert [m.person for m in matches] == [person, namesake]
    assert {"different sex", "different date of birth"} <= set(matches[1].reasons)


def test_the_matcher_never_returns_a_person_outside_the_actors_scope(region):
    person = _person(region.officer, "Kate", "Holloway")

    assert _matches(region.other_officer, "Kate", "Holloway", BIRTH) == []
    assert _matches(region.analyst, "Kate", "Holloway", BIRTH) == []
    assert [m.person for m in _matches(region.officer, "Kate", "Holloway", BIRTH)] == [person]


def test_a_person_saved_without_the_service_is_found_once_index_people_ran(region):
    assert _matches(region.officer, "Dana", "Reyes") == []  # the fixture wrote no keys

    call_command("index_people", stdout=io.StringIO())

    assert [m.person for m in _matches(region.officer, "Dana", "Reyes")] == [region.person]
    assert _matches(region.other_officer, "Dana", "Reyes") == []


def test_a_crowded_key_still_yields_the_actors_own_people(region, monkeypatch):
    monkeypatch.setattr("tandem.people.matching.KEY_LIMIT", 3)
    for n in range(5):
        _person(region.other_officer, "Alex", "Marsh", dt.date(1980 + n, 1, 1))
    own = _person(region.officer, "Alex", "Marsh", dob=None)

    matches = _matches(region.officer, "Alex", "Marsh")

    assert [m.person for m in matches] == [own]


def test_person_update_rewrites_the_keys(region):
    person = _person(region.officer, "Peggy", "Fenwick")

    person_update(actor=region.officer, person_id=person.pk, family_name="Garrow")

    assert ("fd", f"{keys.sound('Garrow')}|19800314") in set(
        PersonKey.objects.filter(person=person).values_list("kind", "value")
    )
    assert not PersonKey.objects.filter(person=person, value__contains=keys.sound("Fenwick"))
    (match,) = _matches(region.officer, "Margaret", "Garrow", BIRTH)
    assert match.person == person
    assert "nickname: Margaret = Peggy" in match.reasons


def test_creating_and_changing_a_person_write_audit_events(region):
    person = _person(region.officer, "Tony", "Larkin")
    person_update(actor=region.officer, person_id=person.pk, phone="555-555-0199")

    events = AuditEvent.objects.filter(object_type="people.person", person=person)
    assert sorted(events.values_list("action", "reason")) == [
        ("create", ""),
        ("update", "changed phone"),
    ]
    assert {e.owning_agency_id for e in events} == {region.pd.pk}


def test_people_of_another_agency_can_be_neither_changed_nor_created(region):
    person = _person(region.officer, "Ruth", "Ingram")

    with pytest.raises(Http404):
        person_update(actor=region.other_officer, person_id=person.pk, given_name="Ruthie")
    with pytest.raises(PermissionDenied):
        _person(region.other_officer, "Ruth", "Ingram", owning_agency_id=region.pd.pk)
    with pytest.raises(PermissionDenied):
        _person(region.analyst, "Ruth", "Ingram")


def test_index_people_builds_keys_for_people_inserted_without_them(region):
    Person.objects.bulk_create(
        Person(owning_agency=region.pd, given_name="Liz", family_name=f"Wardle{n}")
        for n in range(3)
    )
    PersonKey.objects.all().delete()

    out = io.StringIO()
    call_command("index_people", "--missing", stdout=out)

    elizabeth = keys.sound("Elizabeth")
    assert PersonKey.objects.filter(kind="gf", value__startswith=f"{elizabeth}|").count() == 3
    assert PersonKey.objects.values("person").distinct().count() == Person.objects.count()
    assert "Indexed 4 people" in out.getvalue()  # the three and the fixture's person


def test_the_bulk_indexer_writes_the_keys_the_service_writes(region):
    person = _person(
        region.officer, "Bill", "O'Neil-Garcia", phone="816 555 0100", address="12 N. Main St"
    )
    written = set(PersonKey.objects.filter(person=person).values_list("kind", "value"))

    call_command("index_people", stdout=io.StringIO())

    assert set(PersonKey.objects.filter(person=person).values_list("kind", "value")) == written
    assert {kind for kind, _ in written} == {
        "fd",
        "fmd",
        "gd",
        "gym",
        "gf",
        "fiy",
        "di",
        "ph",
        "ad",
    }
    assert ("ad", "12 MAIN") in written
    assert ("fd", f"{keys.sound('Garcia')}|19800314") in written  # each part of the name


def test_matches_as_plain_data_carry_score_reasons_and_agency(region):
    _person(region.officer, "William", "Sedge", phone="(555) 555-0142")

    (row,) = match_dicts(_matches(region.officer, "Bill", "Sedge", BIRTH, phone="5555550142"))

    assert row["date_of_birth"] == "1980-03-14"
    assert row["agency"] == region.pd.name
    assert row["score"] == 22 + 28 + 35 + 5
    assert row["reasons"] == [
        "nickname: Bill = William",
        "same family name",
        "same date of birth",
        "same phone",
    ]


@pytest.mark.parametrize(
    ("a", "b"),
    [("Thompson", "Tomson"), ("Smith", "Smyth"), ("Stephens", "Stevens"), ("Knight", "Night")],
)
def test_names_that_sound_alike_share_a_sound_key(a, b):
    assert keys.sound(a) == keys.sound(b)


def test_a_nickname_shared_by_two_names_keys_both():
    assert keys.given_forms("Pat") == ("PATRICIA", "PATRICK")
    assert keys.given_forms("bob") == ("ROBERT",)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [("MARTHA", "MARHTA", 0.961), ("DWAYNE", "DUANE", 0.84), ("DIXON", "DICKSONX", 0.813)],
)
def test_jaro_winkler_gives_the_published_values(a, b, expected):
    assert jaro_winkler(a, b) == pytest.approx(expected, abs=0.001)


@pytest.mark.django_db
def test_the_match_api_ranks_existing_people_and_rejects_bad_input(region, client):
    from tandem.people.services import person_create

    person_create(
        actor=region.officer,
        given_name="Robert",
        family_name="Okafor",
        date_of_birth=date(1980, 3, 4),
    )
    client.force_login(region.officer)
    found = client.post(
        "/api/people/matches",
        {"given_name": "Bob", "family_name": "Okafor", "date_of_birth": "1980-03-04"},
        content_type="application/json",
    )
    assert found.status_code == 200
    assert found.json()["matches"][0]["family_name"] == "Okafor"
    bad = client.post(
        "/api/people/matches",
        {"family_name": "Okafor", "date_of_birth": "4/3/80"},
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert {e["path"] for e in bad.json()["errors"]} == {"$.given_name", "$.date_of_birth"}
