"""`tandem directory-import` / `directory-export`, and the demo directory with the history."""

import datetime as dt
import json

import pytest
from django.core.management import CommandError, call_command

from tandem.agencies.models import Agency
from tandem.demo.history import history_delete, history_generate
from tandem.demo.small_region import small_region_create
from tandem.directory.models import Service
from tandem.referrals.models import Referral, ReferralEvent

from .conftest import DEMO_DIRECTORY

pytestmark = pytest.mark.django_db


def test_import_then_export_writes_an_hsds_page(directory_agencies, tmp_path, capsys):
    call_command("directory_import", str(DEMO_DIRECTORY))
    assert "24 services imported, 0 rejected" in capsys.readouterr().out
    out = tmp_path / "directory.json"
    call_command("directory_export", "-o", str(out))
    page = json.loads(out.read_text())
    assert page["total_items"] == Service.objects.count() == len(page["contents"])


def test_import_reports_each_rejected_service_on_stderr(directory_agencies, tmp_path, capsys):
    document = json.loads(DEMO_DIRECTORY.read_text())
    document["contents"][2]["status"] = "open"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document))
    call_command("directory_import", str(path))
    captured = capsys.readouterr()
    assert f"{path}: $.contents[2].status: must be one of 'active', 'inactive'" in captured.err
    assert "23 services imported, 1 rejected" in captured.out


def test_import_of_a_file_that_is_not_json_fails_clearly(region, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text("{nope")
    with pytest.raises(CommandError, match="cannot read JSON"):
        call_command("directory_import", str(path))


def test_an_unknown_owner_agency_is_refused(region):
    with pytest.raises(CommandError, match="--agency: no agency with code 'nobody'"):
        call_command("directory_import", str(DEMO_DIRECTORY), agency="nobody")


def test_the_history_refers_people_to_the_imported_directory_and_deletes_cleanly(db):
    small_region_create()
    admin = Agency.objects.get(code="tri-admin")
    for code in ("prairie-behavioral", "ridgeway-recovery"):
        Agency.objects.create(code=code, name=code, kind="behavioral_health", owning_agency=admin)
    call_command("directory_import", str(DEMO_DIRECTORY))
    history_generate(months=1, seed=7, end=dt.date(2025, 3, 1), calls_per_day=40)
    imported = set(Service.objects.values_list("pk", flat=True))
    used = set(Referral._base_manager.values_list("service_id", flat=True))
    assert used and used <= imported
    referral = Referral._base_manager.filter(status="sent").first()
    from tandem.core.models import service_write

    with service_write():  # a demo user later changes a generated referral's status
        ReferralEvent.objects.create(
            owning_agency_id=referral.owning_agency_id,
            referral=referral,
            from_status="sent",
            to_status="accepted",
            at=referral.sent_at,
        )
    deleted = history_delete()
    assert deleted["referral_events"] == 1
    assert not Referral._base_manager.exists()
