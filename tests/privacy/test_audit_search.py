"""The privacy officer's audit search: filters, paging, the CSV export, the name lookup."""

import csv
import io
import re
from datetime import date, datetime

import pytest
from django.utils import timezone

from tandem.accounts.roles import Role
from tandem.encounters.models import Encounter
from tandem.people.models import Person, PersonLink
from tandem.privacy.models import AuditEvent
from tandem.privacy.selectors import AuditCriteria, audit_events, get_visible
from tandem.privacy.services import audit_record
from tests.conftest import _user

pytestmark = pytest.mark.django_db


def at(day: str, hour: int = 12):
    return timezone.make_aware(datetime.fromisoformat(day).replace(hour=hour))


def dated(event: AuditEvent, day: str, hour: int = 12) -> AuditEvent:
    """Move an event to a given day (a test shortcut past the append-only save)."""
    AuditEvent.objects.filter(pk=event.pk).update(at=at(day, hour))
    return event


@pytest.fixture
def trail(region):
    """Events of the clinic, of the police department, and between them."""
    r = region
    r.pd_privacy = _user("pd_privacy", r.pd, Role.PRIVACY_OFFICER)
    r.clinic_read = dated(
        audit_record(
            actor=r.clinician,
            action="read",
            obj=r.encounter,
            person_id=r.person.pk,
            segments={"clinical"},
            reason="treatment",
        ),
        "2025-03-10",
    )
    r.part2_read = dated(
        audit_record(
            actor=r.navigator,
            action="read",
            obj=r.encounter,
            person_id=r.person.pk,
            segments={"clinical", "part2"},
            reason="treatment",
        ),
        "2025-03-12",
    )
    r.other = Person.objects.create(owning_agency=r.clinic, given_name="Lee", family_name="Park")
    r.other_update = dated(
        audit_record(actor=r.clinician, action="update", obj=r.other, person_id=r.other.pk),
        "2025-03-15",
    )
    r.pd_login = dated(audit_record(actor=r.officer, action="login"), "2025-03-11")
    r.other_pd_login = dated(audit_record(actor=r.other_officer, action="login"), "2025-03-11")
    return r


def found(officer, /, **criteria) -> set[int]:
    events = audit_events(actor=officer, criteria=AuditCriteria(**criteria))
    return set(events.values_list("pk", flat=True))


def test_a_privacy_officer_sees_the_events_of_their_own_agency_only(trail):
    r = trail
    clinic = {r.clinic_read.pk, r.part2_read.pk, r.other_update.pk}
    assert found(r.privacy_officer) >= clinic
    assert r.pd_login.pk not in found(r.privacy_officer)
    assert r.other_pd_login.pk not in found(r.privacy_officer)
    assert r.pd_login.pk in found(r.pd_privacy)
    assert not clinic & found(r.pd_privacy)


def test_a_disclosure_between_agencies_concerns_the_officers_of_both(trail):
    r = trail
    event = audit_record(
        actor=r.officer, action="read", obj=r.encounter, person_id=r.person.pk, segments={"safety"}
    )
    assert event.owning_agency == r.pd and event.record_agency == r.clinic
    assert event.pk in found(r.privacy_officer)
    assert event.pk in found(r.pd_privacy)


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        ({"actor": "NAVIGATOR"}, {"part2_read"}),
        ({"action": "update"}, {"other_update"}),
        ({"segment": "part2"}, {"part2_read"}),
        ({"segment": "clinical"}, {"clinic_read", "part2_read"}),
        ({"since": "2025-03-12"}, {"part2_read", "other_update"}),
        ({"until": "2025-03-11"}, {"clinic_read"}),
        ({"since": "2025-03-12", "until": "2025-03-12"}, {"part2_read"}),
    ],
)
def test_each_filter_narrows_the_trail(trail, criteria, expected):
    r = trail
    criteria = {
        k: date.fromisoformat(v) if k in {"since", "until"} else v for k, v in criteria.items()
    }
    names = {getattr(r, name).pk: name for name in ("clinic_read", "part2_read", "other_update")}
    assert {names.get(pk, pk) for pk in found(r.privacy_officer, **criteria)} == expected


def test_the_person_filter_takes_the_records_linked_to_the_person(trail):
    r = trail
    own = Person.objects.create(owning_agency=r.clinic, given_name="Dana", family_name="Reyes")
    low, high = sorted((r.person.pk, own.pk))
    PersonLink.objects.create(
        owning_agency=r.admin, person_a_id=low, person_b_id=high, probability=0.99, status="auto"
    )
    on_own = audit_record(actor=r.clinician, action="update", obj=own, person_id=own.pk)
    assert found(r.privacy_officer, person_id=own.pk) == {
        r.clinic_read.pk,
        r.part2_read.pk,
        on_own.pk,
    }
    assert found(r.privacy_officer, person_id=r.other.pk) == {r.other_update.pk}


def test_the_agency_filter_takes_events_by_its_staff_or_on_its_records(trail):
    r = trail
    by_police = audit_record(
        actor=r.officer, action="read", obj=r.encounter, person_id=r.person.pk, segments={"safety"}
    )
    assert found(r.privacy_officer, agency_id=r.pd.pk) == {by_police.pk}


def test_the_page_filters_counts_and_pages_newest_first(trail, client):
    r = trail
    for _ in range(52):
        audit_record(actor=r.clinician, action="read", obj=r.encounter, person_id=r.person.pk)
    client.force_login(r.privacy_officer)
    first = client.get("/privacy/audit/", {"action": "read", "actor": "clinician"})
    assert first.status_code == 200
    assert "53 events" in first.content.decode()
    shown = first.context["events"]
    assert len(shown) == 50 and first.context["has_next"]
    assert [e.at for e in shown] == sorted((e.at for e in shown), reverse=True)
    second = client.get("/privacy/audit/", {"action": "read", "actor": "clinician", "page": 2})
    assert [e.pk for e in second.context["events"]] == sorted(
        {e.pk for e in second.context["events"]}, reverse=True
    )
    assert second.context["events"][-1].pk == r.clinic_read.pk
    assert not second.context["has_next"]
    assert "action=read&amp;actor=clinician&amp;page=1" in second.content.decode()


def test_a_person_filter_names_the_person_on_the_page_but_not_in_any_link(trail, client):
    client.force_login(trail.privacy_officer)
    page = client.get("/privacy/audit/", {"person": trail.person.pk}).content.decode()
    assert "about Dana Reyes" in page
    links = re.findall(r'href="([^"]*)"', page)
    assert f"/privacy/people/{trail.person.pk}/disclosures/" in links
    assert not [link for link in links if "Dana" in link or "Reyes" in link]


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"since": "2025-13-01"}, "since", "Enter the date as YYYY-MM-DD, for example 2025-03-01."),
        ({"until": "10/03/2025"}, "until", "Enter the date as YYYY-MM-DD, for example 2025-03-01."),
        (
            {"since": "2025-03-12", "until": "2025-03-01"},
            "until",
            "The end date is before the start date.",
        ),
        ({"person": "Reyes"}, "person", "Enter the person's record number in digits"),
        ({"actor": "nobody"}, "actor", "No staff member has the username “nobody”."),
    ],
)
def test_bad_filters_are_named_with_what_was_expected(trail, client, params, field, message):
    client.force_login(trail.privacy_officer)
    response = client.get("/privacy/audit/", params)
    assert response.status_code == 400
    assert any(message in e for e in response.context["form"].errors[field])
    page = response.content.decode()
    assert "There is a problem" in page
    assert f'href="#id_{field}"' in page
    assert f'value="{params[field]}"' in page  # what was typed is kept


def test_the_csv_export_holds_the_filtered_events_and_is_itself_audited(trail, client):
    r = trail
    client.force_login(r.privacy_officer)
    response = client.get("/privacy/audit/export.csv", {"segment": "part2"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv"
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [row["seq"] for row in rows] == [str(r.part2_read.seq)]
    assert rows[0]["actor"] == "navigator" and rows[0]["record_agency"] == r.clinic.name
    export = AuditEvent.objects.get(action="export")
    assert export.actor == r.privacy_officer
    assert export.owning_agency == r.clinic
    assert "1 events" in export.reason and "segment=part2" in export.reason


def test_the_csv_export_refuses_bad_filters_and_records_nothing(trail, client):
    client.force_login(trail.privacy_officer)
    response = client.get("/privacy/audit/export.csv", {"since": "yesterday"})
    assert response.status_code == 400
    assert not AuditEvent.objects.filter(action="export").exists()


def test_free_text_a_spreadsheet_would_run_is_exported_as_text(trail, client):
    audit_record(actor=trail.clinician, action="note", reason='=HYPERLINK("x")')
    client.force_login(trail.privacy_officer)
    response = client.get("/privacy/audit/export.csv", {"action": "note"})
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0]["reason"] == '\'=HYPERLINK("x")'


def test_the_name_search_finds_people_the_agency_holds_and_is_audited(trail, client):
    r = trail
    Person.objects.create(owning_agency=r.other_pd, given_name="Dana", family_name="Reeve")
    client.force_login(r.privacy_officer)
    response = client.post("/privacy/audit/people/", {"name": "Da Re"})
    assert response.status_code == 200
    # Dana Reyes: the police's person record, about whom the clinic holds an encounter.
    assert [p.pk for p in response.context["people"]] == [r.person.pk]
    event = AuditEvent.objects.get(action="person_search")
    assert event.actor == r.privacy_officer
    assert event.reason == "Privacy review: name search, 1 found"  # the name is not kept
    page = response.content.decode()
    assert f'href="/privacy/audit/?person={r.person.pk}"' in page
    assert f'href="/privacy/people/{r.person.pk}/disclosures/"' in page


def test_the_name_search_is_never_a_get_and_an_empty_name_is_named(trail, client):
    client.force_login(trail.privacy_officer)
    assert client.get("/privacy/audit/people/", {"name": "Dana"}).context["people"] is None
    response = client.post("/privacy/audit/people/", {"name": ""})
    assert response.status_code == 400
    assert response.context["form"].errors["name"] == ["Enter the start of the person's name."]
    assert "Enter the start of the person" in response.content.decode()
    assert not AuditEvent.objects.filter(action="person_search").exists()


def test_a_privacy_officer_finds_nobody_another_agency_holds(trail, client):
    client.force_login(trail.pd_privacy)
    response = client.post("/privacy/audit/people/", {"name": "Park"})
    assert response.context["people"] == []


def test_audit_rows_link_to_the_accounting_of_people_the_agency_holds(trail, client):
    client.force_login(trail.privacy_officer)
    page = client.get("/privacy/audit/").content.decode()
    assert f'href="/privacy/people/{trail.person.pk}/disclosures/"' in page
    assert f'href="/privacy/people/{trail.other.pk}/disclosures/"' in page


@pytest.mark.parametrize(
    "persona",
    ["officer", "police_supervisor", "clinician", "navigator", "analyst", "regional_admin"],
)
@pytest.mark.parametrize(
    "url",
    [
        "/privacy/audit/",
        "/privacy/audit/export.csv",
        "/privacy/audit/people/",
        "/privacy/people/{person}/disclosures/",
        "/privacy/people/{person}/disclosures.pdf",
    ],
)
def test_other_roles_find_no_such_page(trail, client, persona, url):
    client.force_login(getattr(trail, persona))
    assert client.get(url.format(person=trail.person.pk)).status_code == 404
    assert client.post(url.format(person=trail.person.pk), {"name": "Dana"}).status_code in {
        404,
        405,
    }
    assert not AuditEvent.objects.filter(action__in={"export", "person_search"}).exists()


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/privacy/audit/")
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_chain_still_verifies_after_searches_and_exports(region, client):
    from tandem.privacy.chain import verify

    client.force_login(region.privacy_officer)
    client.post("/privacy/audit/people/", {"name": "Dana"})
    b"".join(client.get("/privacy/audit/export.csv").streaming_content)
    assert verify().intact


def test_reading_through_the_gate_appears_in_the_search(region, client):
    get_visible(region.clinician, Encounter.objects.all(), region.encounter.pk)
    client.force_login(region.privacy_officer)
    response = client.get("/privacy/audit/", {"action": "read", "person": region.person.pk})
    [event] = response.context["events"]
    assert event.actor == region.clinician and "clinical" in event.segments


def test_the_privacy_officers_home_page_leads_to_the_audit_search(region, client):
    client.force_login(region.privacy_officer)
    page = client.get("/").content.decode()
    assert '<a class="usa-button" href="/privacy/audit/">Search the audit trail</a>' in page
    client.force_login(region.clinician)
    assert "Search the audit trail" not in client.get("/").content.decode()
