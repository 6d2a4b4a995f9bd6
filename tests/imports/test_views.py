"""The upload page and the report, for program managers only."""

import shutil

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tandem.imports.models import ImportRun

from .conftest import SAMPLES

pytestmark = pytest.mark.django_db
_capture = None


@pytest.fixture(autouse=True)
def on_commit(django_capture_on_commit_callbacks):
    """The upload starts the import once its transaction commits: run those callbacks."""
    global _capture
    _capture = django_capture_on_commit_callbacks


@pytest.fixture
def program_profiles(var_dir):
    folder = var_dir / "import-profiles"
    folder.mkdir()
    shutil.copy(SAMPLES / "lakeview-cad.yaml", folder)
    return folder


def upload(client, name="cad_messy.csv", profile="lakeview-cad", **extra):
    data = SimpleUploadedFile(name, (SAMPLES / "cad_messy.csv").read_bytes())
    with _capture(execute=True):
        return client.post("/imports/", {"file": data, "profile": profile, **extra})


@pytest.mark.parametrize("persona", ["officer", "clinician", "analyst", "dispatcher"])
def test_people_who_do_not_run_the_program_cannot_see_imports(region, client, persona):
    client.force_login(getattr(region, persona))
    assert client.get("/imports/").status_code == 404


def test_the_upload_page_offers_shipped_and_program_profiles(region, client, program_profiles):
    client.force_login(region.regional_admin)
    page = client.get("/imports/").content.decode()
    assert '<option value="lakeview-cad"' in page and '<option value="generic-cad"' in page
    assert 'aria-describedby="id_file-hint"' in page


def test_an_upload_runs_and_shows_the_report(region, client, program_profiles, inline_launch):
    client.force_login(region.regional_admin)
    response = upload(client)
    run = ImportRun.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/imports/{run.pk}/"
    page = client.get(f"/imports/{run.pk}/").content.decode()
    assert "Imported 16 of 22 rows" in page
    assert "same incident number as row 2" in page
    assert "<svg" in page and "Rows and problems per month" in page
    assert "WEIRD THING" in page
    assert "Bike stolen" not in page and "hearing voices" not in page  # no narrative
    assert not list(program_profiles.parent.glob("imports/upload-*"))  # the upload is deleted


def test_a_file_of_another_type_is_refused_with_a_message_tied_to_the_field(
    region, client, program_profiles
):
    client.force_login(region.regional_admin)
    response = upload(client, name="calls.pdf")
    page = response.content.decode()
    assert response.status_code == 400
    assert "Expected a .csv or .xlsx file; got &#x27;calls.pdf&#x27;." in page
    assert 'aria-describedby="id_file-hint id_file-error"' in page
    assert not ImportRun.objects.exists()


def test_an_invalid_profile_is_shown_line_by_line(region, client, program_profiles):
    bad = program_profiles / "broken.yaml"
    bad.write_text((SAMPLES / "lakeview-cad.yaml").read_text().replace("kind: cad", "kind: cab"))
    client.force_login(region.regional_admin)
    page = upload(client, profile="broken").content.decode()
    assert f"{bad}:5: kind: expected" in page
    assert not ImportRun.objects.exists()


def test_a_running_import_shows_progress_and_polls(region, client, program_profiles, monkeypatch):
    from tandem.imports import services

    monkeypatch.setattr(services, "launch", lambda run_id, path: None)  # never starts
    client.force_login(region.regional_admin)
    upload(client)
    run = ImportRun.objects.get()
    page = client.get(f"/imports/{run.pk}/").content.decode()
    assert 'hx-trigger="every 1s"' in page and "Waiting to start" in page
    partial = client.get(f"/imports/{run.pk}/", HTTP_HX_REQUEST="true")
    assert "<html" not in partial.content.decode()
    ImportRun.objects.filter(pk=run.pk).update(status="done")
    assert client.get(f"/imports/{run.pk}/", HTTP_HX_REQUEST="true")["HX-Refresh"] == "true"


def test_another_agencys_run_is_not_found(region, client, program_profiles, inline_launch):
    client.force_login(region.regional_admin)
    upload(client)
    run = ImportRun.objects.get()
    client.force_login(region.sysadmin)  # same agency: sees it
    assert client.get(f"/imports/{run.pk}/").status_code == 200
    ImportRun.objects.filter(pk=run.pk).update(owning_agency=region.other_pd)
    assert client.get(f"/imports/{run.pk}/").status_code == 404
