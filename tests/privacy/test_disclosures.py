"""The accounting of disclosures (HIPAA 164.528, 42 CFR Part 2): page, PDF and audit."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from tandem.accounts.roles import Role
from tandem.agencies.models import AgencyKind, TeamMember
from tandem.core.models import service_write
from tandem.encounters.models import Encounter
from tandem.people.models import Person, PersonLink
from tandem.privacy.disclosures import (
    CONSENT_BASIS,
    PART2_NOTICE,
    UNRECORDED_BASIS,
    default_period,
    disclosures_account,
)
from tandem.privacy.emergency import emergency_access_open
from tandem.privacy.models import AuditEvent, Consent, DataSharingAgreement
from tandem.privacy.selectors import get_visible
from tandem.privacy.services import audit_record
from tests.conftest import _agency, _user
from tests.core.pdf_text import text

pytestmark = pytest.mark.django_db

EMERGENCY = {
    "legal_basis": "medical_emergency",
    "nature_of_emergency": "Unresponsive after a suspected overdose",
    "reason": "Need current medications and treatment history",
}


def read(user, region):
    return get_visible(user, Encounter.objects.all(), region.encounter.pk)


@pytest.fixture
def disclosed(region):
    return disclose_three_ways(region)


def disclose_three_ways(region):
    """The clinic's encounter with Dana Reyes, read three ways: by its own clinician
    (treatment, no disclosure), by another provider under Dana's consent (and the two
    providers' agreement), and by a third provider's clinician in a medical emergency."""
    r = region
    Encounter.objects.filter(pk=r.encounter.pk).update(substance_use_notes="Methadone 80 mg daily")
    now = timezone.now()

    r.ridge = _agency("ridge-clinic", AgencyKind.BEHAVIORAL_HEALTH, r.admin)
    r.ridge_clinician = _user("ridge_clinician", r.ridge, Role.CLINICIAN)
    r.ridge_privacy = _user("ridge_privacy", r.ridge, Role.PRIVACY_OFFICER)
    TeamMember.objects.create(
        owning_agency=r.pd, team=r.team, user=r.ridge_clinician, role="clinician"
    )
    with service_write():
        DataSharingAgreement.objects.create(
            owning_agency=r.clinic,
            disclosing_agency=r.clinic,
            receiving_agency=r.ridge,
            segments=["clinical", "part2"],
            purpose="Care coordination",
            starts_on=now.date() - timedelta(days=30),
            document_reference="MOU 2026-4",
        )
        r.consent = Consent.objects.create(
            owning_agency=r.clinic,
            person=r.person,
            recipient_description="Ridge Clinic",
            information_description="Crisis encounter records, including substance-use treatment",
            includes_part2=True,
            purpose="Care coordination",
            revocation_statement="In writing to Harbor Clinic",
            signed_by="Dana Reyes",
            signed_at=now - timedelta(days=1),
        )
        r.consent.recipients.add(r.ridge)
    read(r.ridge_clinician, r)

    r.bay = _agency("bay-clinic", AgencyKind.BEHAVIORAL_HEALTH, r.admin)
    r.er_clinician = _user("er_clinician", r.bay, Role.CLINICIAN)
    own = Person.objects.create(owning_agency=r.bay, given_name="Dana", family_name="Reyes")
    low, high = sorted((r.person.pk, own.pk))
    PersonLink.objects.create(
        owning_agency=r.admin, person_a_id=low, person_b_id=high, probability=0.99, status="auto"
    )
    r.access = emergency_access_open(actor=r.er_clinician, person_id=own.pk, **EMERGENCY)
    read(r.er_clinician, r)

    read(r.clinician, r)  # the treating provider's own reading: not a disclosure
    r.pd_privacy = _user("pd_privacy", r.pd, Role.PRIVACY_OFFICER)
    return r


def account(region, officer=None, **period):
    since, until = default_period()
    return disclosures_account(
        actor=officer or region.privacy_officer,
        person_id=region.person.pk,
        since=period.get("since", since),
        until=period.get("until", until),
    )


def test_consented_and_emergency_disclosures_are_listed_but_not_the_treating_providers_reads(
    disclosed,
):
    r = disclosed
    lines = account(r)
    assert [(line.kind, line.recipient_agency) for line in lines] == [
        ("read", r.ridge.name),
        ("emergency access", r.bay.name),
        ("read", r.bay.name),
    ]
    consented, access, emergency_read = lines
    assert consented.legal_basis == CONSENT_BASIS
    assert consented.purpose.startswith("Care coordination (consent signed ")
    assert consented.recipient == "Ridge_Clinician (Clinician)"
    assert consented.disclosed_by == r.clinic.name
    assert consented.description == (
        "Encounter: mental-health information, substance-use treatment information (42 CFR Part 2)"
    )
    assert consented.part2
    assert access.legal_basis == "Medical emergency (42 CFR 2.51)"
    assert "suspected overdose" in access.purpose
    assert r.clinic.name in access.disclosed_by
    assert emergency_read.legal_basis == "Medical emergency (42 CFR 2.51)"
    assert emergency_read.purpose.startswith("Emergency access opened ")


def test_repeated_disclosures_alike_share_one_line_with_first_last_and_count(disclosed):
    r = disclosed
    read(r.ridge_clinician, r)
    read(r.ridge_clinician, r)
    consented = account(r)[0]
    assert len(account(r)) == 3
    assert consented.times == 3 and consented.last_at > consented.at
    assert consented.when.endswith(", 3 times")


def test_no_line_carries_clinical_content(disclosed):
    for line in account(disclosed):
        values = " ".join(str(v) for v in vars(line).values())
        assert "Calm after talking" not in values and "Methadone" not in values


def test_a_read_with_neither_consent_nor_emergency_is_flagged_for_review(disclosed):
    r = disclosed
    before_consent = audit_record(
        actor=r.ridge_clinician,
        action="read",
        obj=r.encounter,
        person_id=r.person.pk,
        segments={"clinical"},
        reason="treatment",
    )
    AuditEvent.objects.filter(pk=before_consent.pk).update(
        at=r.consent.signed_at - timedelta(hours=1)
    )
    [first, *_] = account(r)
    assert first.legal_basis == UNRECORDED_BASIS and first.purpose == "treatment"
    assert not first.part2


def test_a_consent_without_part2_does_not_explain_a_part2_disclosure(disclosed):
    r = disclosed
    # Reads that recorded no basis are explained only by what was in force then.
    AuditEvent.objects.filter(action="read").update(legal_basis="")
    Consent.objects.filter(pk=r.consent.pk).update(includes_part2=False)
    consented = account(r)[0]
    assert consented.legal_basis == UNRECORDED_BASIS


def test_a_recorded_legal_basis_and_exports_are_listed(disclosed):
    r = disclosed
    audit_record(
        actor=r.clinician,
        action="export",
        obj=r.encounter,
        person_id=r.person.pk,
        segments={"clinical"},
        reason="Records sent to the person's new provider",
        legal_basis="HIPAA 164.506 (treatment)",
    )
    export = account(r)[-1]
    assert export.kind == "export"
    assert export.legal_basis == "HIPAA 164.506 (treatment)"
    assert export.purpose == "Records sent to the person's new provider"
    assert not export.part2


def test_the_period_bounds_the_accounting_and_defaults_to_six_years(disclosed):
    r = disclosed
    consented = AuditEvent.objects.filter(action="read", owning_agency=r.ridge).get()
    seven_years_ago = timezone.now() - timedelta(days=7 * 365 + 2)
    AuditEvent.objects.filter(pk=consented.pk).update(at=seven_years_ago)
    assert [line.recipient_agency for line in account(r)] == [r.bay.name, r.bay.name]
    since = timezone.localdate(seven_years_ago)
    older = account(r, since=since, until=since)
    assert [line.recipient_agency for line in older] == [r.ridge.name]
    assert default_period(date(2026, 5, 4)) == (date(2020, 5, 4), date(2026, 5, 4))
    assert default_period(date(2028, 2, 29)) == (date(2022, 2, 28), date(2028, 2, 29))


def test_each_officer_accounts_for_their_own_agencys_records_only(disclosed):
    r = disclosed
    # The police department holds Dana's person record, and the emergency opened it.
    assert [line.kind for line in account(r, officer=r.pd_privacy)] == ["emergency access"]


def test_the_accounting_is_itself_audited(disclosed, client):
    r = disclosed
    client.force_login(r.privacy_officer)
    client.get(f"/privacy/people/{r.person.pk}/disclosures/")
    client.get(f"/privacy/people/{r.person.pk}/disclosures.pdf")
    events = AuditEvent.objects.filter(action="accounting").order_by("seq")
    assert [e.reason.rsplit("(", 1)[1] for e in events] == ["page)", "PDF)"]
    assert {(e.actor, e.person_id, e.owning_agency) for e in events} == {
        (r.privacy_officer, r.person.pk, r.clinic)
    }
    assert "3 listed" in events[0].reason


def test_the_page_lists_each_disclosure_without_clinical_content(disclosed, client):
    r = disclosed
    client.force_login(r.privacy_officer)
    response = client.get(f"/privacy/people/{r.person.pk}/disclosures/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "3 disclosures from" in page
    assert "Dana Reyes" in page and r.ridge.name in page and r.bay.name in page
    assert "Medical emergency (42 CFR 2.51)" in page and CONSENT_BASIS in page
    assert "Calm after talking" not in page and "Methadone" not in page
    assert "redisclosure notice" in page  # Part 2 is listed
    assert f'href="/privacy/people/{r.person.pk}/disclosures.pdf?"' in page


def test_the_page_takes_a_period_and_names_a_bad_date(disclosed, client):
    r = disclosed
    client.force_login(r.privacy_officer)
    url = f"/privacy/people/{r.person.pk}/disclosures/"
    response = client.get(url, {"since": "2024-02-30"})
    assert response.status_code == 400
    assert response.context["form"].errors["since"] == [
        "Enter the date as YYYY-MM-DD, for example 2025-03-01."
    ]
    assert not AuditEvent.objects.filter(action="accounting").exists()
    response = client.get(url, {"since": "2025-06-01", "until": "2025-05-01"})
    assert response.context["form"].errors["until"] == ["The end date is before the start date."]
    response = client.get(url, {"since": "2020-01-01", "until": "2020-12-31"})
    assert response.status_code == 200 and response.context["lines"] == []
    assert "No disclosure was recorded in this period." in response.content.decode()
    pdf = client.get(url.replace("/disclosures/", "/disclosures.pdf"), {"until": "1/2/2025"})
    assert pdf.status_code == 400


def test_the_pdf_is_a_pdf_listing_the_disclosures_with_the_part2_notice_on_every_page(
    disclosed, client
):
    from tests.core.pdf_text import pages

    r = disclosed
    for n in range(40):  # enough lines for a second page
        audit_record(
            actor=r.clinician,
            action="export",
            obj=r.encounter,
            person_id=r.person.pk,
            segments={"clinical"},
            reason=f"Records sent to provider {n}",
        )
    client.force_login(r.privacy_officer)
    response = client.get(f"/privacy/people/{r.person.pk}/disclosures.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith(
        f'attachment; filename="accounting-of-disclosures-{r.person.pk}-'
    )
    assert "Reyes" not in response["Content-Disposition"]
    body = response.content
    assert body.startswith(b"%PDF-") and body.rstrip().endswith(b"%%EOF")
    printed = pages(body)
    assert len(printed) >= 2
    assert all(PART2_NOTICE in " ".join(page.split()) for page in printed)
    whole = " ".join(text(body).split())
    assert "Accounting of disclosures" in whole and "Dana Reyes" in whole
    assert "Disclosures (43)" in whole and "Records sent to provider 39" in whole
    assert r.ridge.name in whole and r.bay.name in whole
    assert "Medical emergency (42 CFR 2.51)" in whole
    assert "Calm after talking" not in whole and "Methadone" not in whole


def test_the_pdf_carries_no_part2_notice_when_no_part2_information_is_listed(region, client):
    client.force_login(region.privacy_officer)
    response = client.get(f"/privacy/people/{region.person.pk}/disclosures.pdf")
    whole = " ".join(text(response.content).split())
    assert "No disclosure was recorded in this period." in whole
    assert "42 CFR part 2" not in whole


def test_an_officer_whose_agency_holds_no_record_of_the_person_finds_no_such_page(
    disclosed, client
):
    r = disclosed
    client.force_login(r.ridge_privacy)  # ridge staff read Dana's record, ridge holds none
    assert client.get(f"/privacy/people/{r.person.pk}/disclosures/").status_code == 404
    assert client.get(f"/privacy/people/{r.person.pk}/disclosures.pdf").status_code == 404
    assert client.get("/privacy/people/999999/disclosures/").status_code == 404
    assert not AuditEvent.objects.filter(action="accounting").exists()


def test_the_emergency_queue_links_each_access_to_the_persons_accounting(disclosed, client):
    r = disclosed
    client.force_login(r.privacy_officer)
    page = client.get("/privacy/emergency/").content.decode()
    assert f'href="/privacy/people/{r.access.person_id}/disclosures/"' in page
    # The bay clinic's record is linked to Dana's, which the clinic holds records of.
    assert client.get(f"/privacy/people/{r.access.person_id}/disclosures/").status_code == 200
