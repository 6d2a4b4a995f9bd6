"""Familiar faces and the person timeline."""

from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from tandem.dispatch.models import Call
from tandem.people.familiar import Rule, familiar_faces, rules_parse
from tandem.people.models import Person
from tandem.people.selectors import person_history

pytestmark = pytest.mark.django_db


def _contacts(region, person, days_ago: list[int], bh=True):
    now = timezone.now()
    for n, days in enumerate(days_ago):
        Call.objects.create(
            owning_agency=region.pd,
            number=f"F-{person.pk}-{n}-{bh}",
            source="911",
            received_at=now - timedelta(days=days, hours=1),
            call_type="EDP",
            jurisdiction=region.city,
            behavioral_health=bh,
            subject=person,
            status="closed",
        )


def test_the_worklist_matches_an_independent_count_of_contacts(region):
    frequent = Person.objects.create(owning_agency=region.pd, given_name="A", family_name="B")
    yearly = Person.objects.create(owning_agency=region.pd, given_name="C", family_name="D")
    rare = Person.objects.create(owning_agency=region.pd, given_name="E", family_name="F")
    _contacts(region, frequent, [1, 10, 20, 80])  # 4 in 90 days
    _contacts(region, yearly, [100, 150, 200, 250, 300, 330, 360])  # 7 in 365 days
    _contacts(region, rare, [1, 2, 3])
    _contacts(region, rare, [4, 5], bh=False)  # not crisis contacts
    rules = [Rule(4, 90), Rule(7, 365)]
    faces = {f.person.pk: f for f in familiar_faces(actor=region.police_supervisor, rules=rules)}

    now = timezone.now()
    independent = Counter(
        c.subject_id
        for c in Call.objects.filter(behavioral_health=True)
        if now - c.received_at <= timedelta(days=365)
    )
    expected = {pid for pid, n in independent.items() if n >= 7} | {
        pid
        for pid, n in Counter(
            c.subject_id
            for c in Call.objects.filter(behavioral_health=True)
            if now - c.received_at <= timedelta(days=90)
        ).items()
        if n >= 4
    }
    assert set(faces) == expected == {frequent.pk, yearly.pk}
    assert faces[frequent.pk].counts == {90: 4, 365: 4}
    assert faces[yearly.pk].counts[365] == 7
    assert len(faces[yearly.pk].months) == 12 and sum(faces[frequent.pk].months) == 4


def test_the_worklist_shows_only_people_the_viewer_may_see(region):
    hidden = Person.objects.create(owning_agency=region.other_pd, given_name="G", family_name="H")
    _contacts(region, hidden, [1, 2, 3, 4])
    Call.objects.filter(subject=hidden).update(owning_agency=region.other_pd)
    faces = familiar_faces(actor=region.officer, rules=[Rule(4, 90)])
    assert hidden.pk not in {f.person.pk for f in faces}


def test_familiar_face_rules_are_read_from_text_and_bad_text_fails_loudly():
    assert rules_parse("4/90, 7/365") == [Rule(4, 90), Rule(7, 365)]
    with pytest.raises(Exception, match="expected rules like"):
        rules_parse("4 in 90")


def test_the_timeline_lists_each_kind_of_contact_the_viewer_may_see(region):
    items = person_history(actor=region.clinician, person=region.person)
    assert {i.kind for i in items} == {"call", "encounter"}
    officer_items = person_history(actor=region.other_officer, person=region.person)
    assert officer_items == []


def test_the_timeline_never_carries_clinical_text(region, client):
    client.force_login(region.officer)
    page = client.get(f"/people/{region.person.pk}/").content.decode()
    assert "Calm after talking." not in page
    assert "Resolved on scene" in page


def test_police_never_see_that_a_person_was_referred_or_followed_up(region):
    from tandem.core.models import service_write
    from tandem.directory.models import Service
    from tandem.followups.models import FollowUp
    from tandem.referrals.models import Referral

    now = timezone.now()
    detox = Service.objects.create(
        owning_agency=region.clinic,
        name="Harbor detox",
        organization_name="Harbor",
        category="detox",
    )
    with service_write():
        referral = Referral.objects.create(
            owning_agency=region.clinic,
            encounter=region.encounter,
            person=region.person,
            service=detox,
            sent_at=now,
            status_changed_at=now,
        )
        FollowUp.objects.create(
            owning_agency=region.clinic,
            person=region.person,
            encounter=region.encounter,
            referral=referral,
            kind="referral_check",
            due_at=now,
        )
    for persona in ("officer", "police_supervisor", "dispatcher"):
        kinds = {
            i.kind for i in person_history(actor=getattr(region, persona), person=region.person)
        }
        assert not kinds & {"referral", "follow-up"}, persona
    kinds = {i.kind for i in person_history(actor=region.clinician, person=region.person)}
    assert {"referral", "follow-up"} <= kinds
