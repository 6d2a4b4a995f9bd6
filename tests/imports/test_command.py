"""`tandem import FILE --profile P`."""

import pytest
from django.core.management import CommandError, call_command

from .conftest import SAMPLES, history_of

pytestmark = pytest.mark.django_db


def test_the_command_imports_and_prints_the_report_and_rejected_rows(region, capsys):
    call_command(
        "import", str(SAMPLES / "cad_messy.csv"), profile=str(SAMPLES / "lakeview-cad.yaml"),
        user="regional",
    )  # fmt: skip
    out, err = capsys.readouterr()
    assert "Rows read: 22; imported: 16 (16 new calls, 0 updated); rejected: 6" in out
    assert "  row 11: same incident number as row 2" in out
    assert "Behavioral-health calls: 11" in out
    assert "checking" in err and "writing" in err  # progress on long imports
    assert len(history_of("lakeview-cad")) == 16


def test_a_dry_run_writes_nothing(region, capsys):
    call_command(
        "import", str(SAMPLES / "cad_messy.csv"), profile=str(SAMPLES / "lakeview-cad.yaml"),
        dry_run=True,
    )  # fmt: skip
    assert "Checked (dry run, nothing written)" in capsys.readouterr().out
    assert not history_of("lakeview-cad")


def test_an_invalid_profile_lists_each_problem_by_line_and_imports_nothing(
    region, tmp_path, capsys
):
    profile = tmp_path / "p.yaml"
    profile.write_text(
        (SAMPLES / "lakeview-cad.yaml").read_text().replace("kind: cad", "kind: cab")
    )
    with pytest.raises(CommandError, match="the profile is invalid; nothing was imported"):
        call_command("import", str(SAMPLES / "cad_messy.csv"), profile=str(profile))
    assert (
        f"{profile}:5: kind: expected 'cad', 'crisis_team' or 'jail_bookings'; got 'cab'"
        in capsys.readouterr().err
    )


def test_an_unknown_user_is_refused(region):
    with pytest.raises(CommandError, match="--user nobody: no such user"):
        call_command(
            "import", str(SAMPLES / "cad_messy.csv"), profile=str(SAMPLES / "lakeview-cad.yaml"),
            user="nobody",
        )  # fmt: skip
