"""Batch linkage in the database: links stored, reviewed, kept across runs, never merged."""

from datetime import date

import pytest
from bench.synthetic_people import generate
from django.db.models import Q

from tandem.people.links import link_decide, linkage_execute, review_queue
from tandem.people.models import LinkStatus, Person, PersonLink
from tandem.people.selectors import linked_ids, person_history
from tandem.privacy.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(region):
    """A few hundred background people across two agencies, and one person twice."""
    owners = [region.pd, region.clinic]
    Person.objects.bulk_create(
        [
            Person(
                owning_agency=owners[i % 2],
                given_name=row.given_name or "",
                family_name=row.family_name or "",
                sex=(row.sex or "")[:1].upper(),
                date_of_birth=date.fromisoformat(row.date_of_birth) if row.date_of_birth else None,
                address=row.address or "",
                phone=row.phone or "",
            )
            for i, row in enumerate(generate(600, seed=11).itertuples())
        ]
    )
    region.robert = Person.objects.create(
        owning_agency=region.pd,
        given_name="Robert",
        family_name="Okonkwo",
        date_of_birth=date(1979, 4, 12),
        sex="M",
        address="14 Larch Street",
    )
    region.bob = Person.objects.create(
        owning_agency=region.clinic,
        given_name="Bob",
        family_name="Okonkow",
        date_of_birth=date(1979, 4, 12),
        sex="M",
        address="14 Larch St",
    )
    return region


def _link(a, b):
    low, high = sorted((a.pk, b.pk))
    return PersonLink.objects.filter(person_a_id=low, person_b_id=high).first()


def test_a_run_links_one_persons_records_across_agencies_without_merging(records):
    run = linkage_execute()
    link = _link(records.robert, records.bob)
    assert link is not None and link.status in {LinkStatus.AUTO, LinkStatus.REVIEW}
    assert run.records == Person.objects.count()
    assert Person.objects.filter(pk__in=[records.robert.pk, records.bob.pk]).count() == 2


def test_a_rejected_link_stays_rejected_on_the_next_run(records):
    linkage_execute()
    link = _link(records.robert, records.bob)
    link_decide(actor=records.police_supervisor, link_id=link.pk, confirm=False)
    linkage_execute()
    assert _link(records.robert, records.bob).status == LinkStatus.REJECTED
    assert records.bob.pk not in linked_ids(records.robert.pk)
    assert AuditEvent.objects.filter(action="link_reject").exists()


def test_a_confirmed_link_joins_the_two_histories(records):
    linkage_execute()
    link = _link(records.robert, records.bob)
    link_decide(actor=records.police_supervisor, link_id=link.pk, confirm=True)
    records.call.subject = records.bob
    records.call.save()
    assert linked_ids(records.robert.pk) >= {records.robert.pk, records.bob.pk}
    history = person_history(actor=records.police_supervisor, person=records.robert)
    assert any(item.kind == "call" for item in history)


def test_the_review_queue_holds_only_pairs_the_reviewer_may_see(records):
    linkage_execute(link_threshold=0.999999, review_threshold=0.5)
    for link in review_queue(actor=records.other_officer):
        assert records.other_pd.pk in {
            link.person_a.owning_agency_id,
            link.person_b.owning_agency_id,
        }


def test_a_reviewer_settles_a_pair_from_the_review_page(records, client):
    linkage_execute(link_threshold=0.999999, review_threshold=0.5)
    link = (
        PersonLink.objects.filter(status=LinkStatus.REVIEW)
        .filter(Q(person_a__owning_agency=records.pd) | Q(person_b__owning_agency=records.pd))
        .order_by("pk")
        .first()
    )
    assert link is not None, "a pair with a record the police supervisor may see"
    client.force_login(records.police_supervisor)
    response = client.post(f"/people/links/{link.pk}/decide/", {"decision": "confirm"})
    assert response.status_code == 302
    link.refresh_from_db()
    assert link.status == LinkStatus.CONFIRMED and link.decided_by == records.police_supervisor


def test_the_review_page_says_why_a_pair_needs_a_person_and_what_differs(records, client):
    records.twin = Person.objects.create(
        owning_agency=records.clinic,
        given_name="Grace",
        family_name="Okonkwo",
        date_of_birth=date(1979, 4, 12),
        sex="F",
        address="14 Larch Street",
    )
    linkage_execute()
    link = _link(records.robert, records.twin)
    assert link.status == LinkStatus.REVIEW
    assert link.reason == "Given names differ"
    assert link.differences == {"name", "sex"}

    client.force_login(records.navigator)
    html = client.get("/people/links/review/").content.decode()
    assert "Why it needs you: Given names differ." in html
    assert "differs" in html
