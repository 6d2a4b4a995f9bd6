"""The 42 CFR 2.32 notice travels with Part 2 data disclosed outside its program."""

import pytest
from django.http import HttpResponse, JsonResponse
from django.template import Context, Template

from tandem.encounters.models import Encounter
from tandem.privacy import notices
from tandem.privacy.notices import (
    HEADER,
    JSON_KEY,
    PART2_REDISCLOSURE,
    PART2_REDISCLOSURE_CASES,
    PART2_REDISCLOSURE_CLOSING,
    PART2_REDISCLOSURE_INTRO,
)
from tests.privacy.factories import agreement, consent, other_provider

pytestmark = pytest.mark.django_db


@pytest.fixture
def disclosed(region):
    """Valley's clinician may read the clinic's Part 2 detail (agreement and consent)."""
    other_provider(region)
    Encounter.objects.filter(pk=region.encounter.pk).update(
        substance_use_notes="Methadone 80 mg daily"
    )
    agreement(region.clinic, region.valley, segments=["clinical", "part2"])
    consent(region.clinic, region.person, [region.valley], part2=True)
    return region


def test_the_notice_is_the_2024_text():
    assert PART2_REDISCLOSURE.startswith(
        "This record which has been disclosed to you is protected by Federal "
        "confidentiality rules (42 CFR part 2)."
    )
    assert "civil, criminal, administrative, or legislative proceedings" in PART2_REDISCLOSURE
    assert "42 CFR 2.12(c)(5)" in PART2_REDISCLOSURE
    assert PART2_REDISCLOSURE.isascii()  # fits an HTTP header as it is


def test_a_page_showing_part2_data_to_another_program_carries_the_notice(disclosed, client):
    client.force_login(disclosed.valley_clinician)
    response = client.get(f"/encounters/{disclosed.encounter.pk}/")
    body = response.content.decode()
    assert "Methadone 80 mg daily" in body
    for part in (PART2_REDISCLOSURE_INTRO, *PART2_REDISCLOSURE_CASES, PART2_REDISCLOSURE_CLOSING):
        assert part in body
    assert body.index(PART2_REDISCLOSURE_INTRO) < body.index("Methadone 80 mg daily")
    assert response[HEADER] == PART2_REDISCLOSURE


def test_the_api_carries_the_notice_in_the_body_and_a_header(disclosed, client):
    client.force_login(disclosed.valley_clinician)
    response = client.get(f"/api/encounters/{disclosed.encounter.pk}")
    body = response.json()
    assert body["substance_use_notes"] == "Methadone 80 mg daily"
    assert body[JSON_KEY] == PART2_REDISCLOSURE
    assert response[HEADER] == PART2_REDISCLOSURE


def test_the_programs_own_staff_get_no_notice(disclosed, client):
    client.force_login(disclosed.clinician)
    page = client.get(f"/encounters/{disclosed.encounter.pk}/")
    api = client.get(f"/api/encounters/{disclosed.encounter.pk}")
    assert "Methadone 80 mg daily" in page.content.decode()
    assert PART2_REDISCLOSURE_INTRO not in page.content.decode()
    assert JSON_KEY not in api.json() and not api.has_header(HEADER)


def test_no_notice_when_only_clinical_data_crosses(disclosed, client):
    Encounter.objects.filter(pk=disclosed.encounter.pk).update(substance_use_notes="")
    client.force_login(disclosed.valley_clinician)
    response = client.get(f"/api/encounters/{disclosed.encounter.pk}")
    assert response.json()["clinical_notes"] and JSON_KEY not in response.json()


def test_no_notice_when_part2_stays_withheld(disclosed, client):
    client.force_login(disclosed.officer)
    response = client.get(f"/encounters/{disclosed.encounter.pk}/")
    assert response.status_code == 200
    assert PART2_REDISCLOSURE_INTRO not in response.content.decode()


def test_a_csv_export_gets_the_notice_as_its_first_line():
    response = HttpResponse("id,note\r\n1,x\r\n", content_type="text/csv")
    notices.stamp(response)
    first, rest = response.content.decode().split("\r\n", 1)
    assert first == f'"{PART2_REDISCLOSURE}"' and rest.startswith("id,note")


def test_a_json_list_keeps_its_shape_and_carries_the_header():
    response = JsonResponse([{"id": 1}], safe=False)
    notices.stamp(response)
    assert response.content == b'[{"id": 1}]' and response[HEADER] == PART2_REDISCLOSURE


def test_a_page_that_places_the_notice_itself_is_not_stamped_twice(disclosed):
    class Record:
        redisclosure_notice = PART2_REDISCLOSURE

    html = Template("{% load notices %}<main>{% part2_notice record %}<p>data</p></main>").render(
        Context({"record": Record()})
    )
    response = HttpResponse(html)
    notices.stamp(response)
    assert response.content.decode().count(PART2_REDISCLOSURE_INTRO) == 1


def test_the_tag_renders_nothing_for_a_record_without_an_outward_disclosure():
    html = Template("{% load notices %}{% part2_notice record %}").render(
        Context({"record": object()})
    )
    assert html.strip() == ""
