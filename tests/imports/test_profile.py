"""Profiles: every mistake reported with its file, line and field path."""

import pytest

from tandem.agencies.configfile import ConfigInvalid
from tandem.imports.profile import PROFILE_DIR, profile_parse, profile_read
from tandem.imports.services import ImportFailed, profile_load

from .conftest import SAMPLES

GOOD = """\
source: test-cad
label: Test
kind: cad
agency: lakeview-pd
timezone: America/Chicago
key: Incident
fields:
  received_at: {column: Received, formats: ["%m/%d/%Y %H:%M"]}
  call_type: {column: Nature}
"""


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigInvalid) as caught:
        profile_parse(text, filename="p.yaml")
    return caught.value.lines()


def test_a_minimal_profile_parses():
    profile = profile_parse(GOOD)
    assert profile.columns() == {"Incident", "Received", "Nature"}


def test_an_unknown_field_is_reported_with_its_line_and_the_allowed_names():
    [line] = problems(GOOD + "  narative: {column: Comments}\n")
    assert line.startswith("p.yaml:10: fields.narative: unknown field; expected one of")
    assert "narrative" in line


def test_a_bad_timestamp_format_and_time_zone_are_each_reported():
    text = GOOD.replace('["%m/%d/%Y %H:%M"]', '["MM/DD/YYYY"]').replace(
        "America/Chicago", "Mars/Olympus"
    )
    lines = problems(text)
    assert any(line.startswith("p.yaml:5: timezone: expected an IANA time zone") for line in lines)
    assert any(
        line.startswith("p.yaml:8: fields.received_at.formats[0]: expected a strptime")
        for line in lines
    )


def test_a_time_field_needs_either_one_column_or_a_date_and_a_time():
    text = GOOD.replace(
        '{column: Received, formats: ["%m/%d/%Y %H:%M"]}', "{date: D, date_formats: ['%Y']}"
    )
    [line] = problems(text)
    assert line.startswith("p.yaml:8: fields.received_at: expected date, time, date_formats")


def test_a_value_spec_takes_a_column_or_a_constant_not_both():
    [line] = problems(GOOD.replace("{column: Nature}", "{column: Nature, value: EDP}"))
    assert line.startswith("p.yaml:9: fields.call_type: expected exactly one of column or value")


def test_a_column_both_read_and_ignored_is_a_contradiction():
    [line] = problems(GOOD + "ignore: [Nature]\n")
    assert (
        line == "p.yaml:10: ignore[0]: expected columns the profile does not read; "
        "got 'Nature', which it reads"
    )


def test_missing_required_sections_are_listed():
    lines = problems("source: x\nlabel: y\n")
    assert "p.yaml:1: kind: required field is missing" in lines
    assert "p.yaml:1: fields: required field is missing" in lines


@pytest.mark.django_db
def test_a_mapped_value_that_is_not_a_program_code_is_reported_by_line(region, tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(GOOD.replace("{column: Nature}", "{column: Nature, values: {Crazy: NOPE}}"))
    with pytest.raises(ImportFailed) as caught:
        profile_load(str(path))
    [line] = caught.value.lines
    assert line == (
        f"{path}:9: fields.call_type.values.Crazy: expected a call type of the program's list "
        "or the triage protocol; got 'NOPE'"
    )


@pytest.mark.django_db
def test_an_unknown_agency_is_reported(region, tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(GOOD.replace("lakeview-pd", "nowhere-pd"))
    with pytest.raises(ImportFailed) as caught:
        profile_load(str(path))
    assert caught.value.lines[0].startswith(f"{path}:4: agency: expected an agency code (")


@pytest.mark.parametrize(
    "path", sorted(PROFILE_DIR.glob("*.yaml")) + sorted(SAMPLES.glob("*.yaml"))
)
def test_shipped_and_sample_profiles_are_valid(path):
    profile = profile_read(path)
    first = "booked_at" if profile.kind == "jail_bookings" else "received_at"
    assert first in profile.fields.given()


BOOKINGS = """\
source: test-jail
label: Test jail
kind: jail_bookings
agency: lakeview-pd
timezone: America/Chicago
key: Booking
person: Inmate
fields:
  booked_at: {column: Booked, formats: ["%m/%d/%Y %H:%M"]}
  smi_screen: {column: Screen, values: {POS: positive}}
"""


def test_a_booking_profile_needs_the_persons_column_and_takes_only_booking_fields():
    lines = problems(
        BOOKINGS.replace("person: Inmate\n", "").replace(
            "fields:\n", "fields:\n  call_type: {column: X}\n"
        )
    )
    assert "p.yaml:1: person: required field is missing" in lines
    assert any(
        line.startswith("p.yaml:8: fields.call_type: unknown field; expected one of booked_at")
        for line in lines
    )


@pytest.mark.django_db
def test_a_booking_profiles_screening_values_must_be_screening_results(region, tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(BOOKINGS.replace("POS: positive", "POS: maybe"))
    with pytest.raises(ImportFailed) as caught:
        profile_load(str(path))
    [line] = caught.value.lines
    assert line == (
        f"{path}:10: fields.smi_screen.values.POS: expected a screening result "
        "(positive, negative); got 'maybe'"
    )
