"""The intake form names the person in crisis: likely matches offered, chosen or created."""

import datetime as dt

import pytest
from django.urls import reverse

from tandem.dispatch.models import Call
from tandem.people.models import Person, PersonKey
from tandem.people.services import person_create

pytestmark = pytest.mark.django_db

FORM = {
    "source": "911",
    "call_type": "WELFARE",
    "priority": "3",
    "narrative": "",
    "answer_weapon": "no",
    "answer_violence": "no",
    "answer_medical": "no",
    "answer_crime": "no",
    "answer_location_known": "yes",
    "answer_caller_is_person": "unknown",
    "answer_intoxication": "unknown",
}


def _known_person(region, **fields):
    """A person the 911 center may see: one named on an earlier call."""
    person = person_create(actor=region.officer, **fields)
    Call.objects.filter(pk=region.call.pk).update(subject=person)
    return person


def test_the_match_list_offers_a_nickname_match_with_its_score_and_reasons(client, dispatch_region):
    robert = _known_person(
        dispatch_region,
        given_name="Robert",
        family_name="Okafor",
        date_of_birth=dt.date(1979, 2, 3),
    )
    client.force_login(dispatch_region.dispatcher)

    response = client.post(
        reverse("people:match_list"),
        {"given_name": "Bob", "family_name": "Okafor", "date_of_birth": "1979-03-02"},
    )

    html = response.content.decode()
    assert f'value="{robert.pk}"' in html
    assert "nickname: Bob = Robert" in html
    assert "day and month swapped" in html
    assert "record a new person" in html


def test_the_match_list_never_offers_a_person_the_viewer_may_not_see(client, dispatch_region):
    hidden = person_create(
        actor=dispatch_region.clinician, given_name="Robert", family_name="Okafor"
    )
    client.force_login(dispatch_region.dispatcher)

    html = client.post(
        reverse("people:match_list"), {"given_name": "Robert", "family_name": "Okafor"}
    ).content.decode()

    assert f'value="{hidden.pk}"' not in html
    assert "No one on record matches" in html


def test_choosing_a_match_makes_that_person_the_subject_of_the_call(client, dispatch_region):
    robert = _known_person(dispatch_region, given_name="Robert", family_name="Okafor")
    client.force_login(dispatch_region.dispatcher)

    response = client.post(
        reverse("dispatch:intake"),
        {**FORM, "given_name": "Bob", "family_name": "Okafor", "person_id": robert.pk},
    )

    assert response.status_code == 302
    call = Call.objects.latest("pk")
    assert call.subject_id == robert.pk
    assert Person.objects.filter(family_name="Okafor").count() == 1


def test_a_new_person_is_recorded_with_matching_keys_when_no_match_is_chosen(
    client, dispatch_region
):
    client.force_login(dispatch_region.dispatcher)

    client.post(
        reverse("dispatch:intake"),
        {**FORM, "given_name": "Ama", "family_name": "Mensah", "date_of_birth": "1990-05-06"},
    )

    call = Call.objects.latest("pk")
    assert (call.subject.given_name, call.subject.family_name) == ("Ama", "Mensah")
    assert call.subject.date_of_birth == dt.date(1990, 5, 6)
    assert PersonKey.objects.filter(person=call.subject).exists()


def test_a_new_person_needs_both_names_and_the_form_keeps_what_was_typed(client, dispatch_region):
    client.force_login(dispatch_region.dispatcher)
    calls = Call.objects.count()

    response = client.post(
        reverse("dispatch:intake"), {**FORM, "given_name": "Ama", "narrative": "crying"}
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "Give both names of a new person" in html
    assert 'value="Ama"' in html and "crying" in html
    assert Call.objects.count() == calls


def test_a_person_the_call_taker_may_not_see_cannot_be_named_by_id(client, dispatch_region):
    hidden = person_create(actor=dispatch_region.clinician, given_name="Lee", family_name="Ng")
    client.force_login(dispatch_region.dispatcher)
    calls = Call.objects.count()

    response = client.post(reverse("dispatch:intake"), {**FORM, "person_id": hidden.pk})

    assert response.status_code == 404
    assert "Ng" not in response.content.decode()
    assert Call.objects.count() == calls
