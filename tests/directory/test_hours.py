"""Open now: weekdays, overnight hours, 24/7, validity dates, no schedule."""

import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from tandem.directory.hours import open_at, parse_byday, summary

LOCAL = ZoneInfo("America/Chicago")  # settings.TIME_ZONE in tests


def schedule(byday="", opens=None, closes=None, freq="WEEKLY", **extra):
    return SimpleNamespace(
        freq=freq,
        byday=byday,
        opens_at=dt.time.fromisoformat(opens) if opens else None,
        closes_at=dt.time.fromisoformat(closes) if closes else None,
        valid_from=extra.get("valid_from"),
        valid_to=extra.get("valid_to"),
        description=extra.get("description", ""),
    )


def at(day: str, time: str) -> dt.datetime:
    """A moment on a weekday of the week of Monday 2025-03-03, local time."""
    monday = dt.date(2025, 3, 3)
    date = monday + dt.timedelta(days=["MO", "TU", "WE", "TH", "FR", "SA", "SU"].index(day))
    return dt.datetime.combine(date, dt.time.fromisoformat(time), tzinfo=LOCAL)


WEEKDAYS = schedule("MO,TU,WE,TH,FR", "09:00", "17:00")


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (at("MO", "09:00"), True),
        (at("FR", "16:59"), True),
        (at("FR", "17:00"), False),
        (at("TU", "08:59"), False),
        (at("SA", "12:00"), False),
    ],
)
def test_a_weekday_schedule_is_open_only_in_its_hours_on_its_days(moment, expected):
    assert open_at([WEEKDAYS], moment) is expected


OVERNIGHT = schedule("FR,SA", "22:00", "06:00")


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (at("FR", "23:30"), True),
        (at("SA", "03:00"), True),  # Friday night, after midnight
        (at("SA", "06:00"), False),
        (at("SA", "21:59"), False),
        (at("SU", "05:59"), True),  # Saturday night
        (at("FR", "03:00"), False),  # Thursday night is not listed
        (at("MO", "01:00"), False),
    ],
)
def test_overnight_hours_run_past_midnight_into_the_next_day(moment, expected):
    assert open_at([OVERNIGHT], moment) is expected


@pytest.mark.parametrize(
    "rule",
    [
        schedule("MO,TU,WE,TH,FR,SA,SU", "00:00", "23:59"),
        schedule("", "00:00", "00:00"),
        schedule(""),
    ],
)
@pytest.mark.parametrize("moment", [at("SU", "23:59"), at("MO", "00:00"), at("WE", "12:00")])
def test_a_24_7_service_is_always_open(rule, moment):
    assert open_at([rule], moment) is True


def test_closing_at_midnight_is_open_until_the_end_of_the_day():
    evenings = schedule("", "16:00", "00:00")
    assert open_at([evenings], at("TU", "23:59")) is True
    assert open_at([evenings], at("TU", "00:30")) is False
    assert open_at([evenings], at("TU", "15:59")) is False


def test_any_open_schedule_makes_the_service_open():
    evening_extra = schedule("TU,TH", "18:00", "20:00")
    assert open_at([WEEKDAYS, evening_extra], at("TU", "19:00")) is True
    assert open_at([WEEKDAYS, evening_extra], at("WE", "19:00")) is False


def test_a_schedule_outside_its_validity_dates_does_not_apply():
    winter = schedule(
        "", "00:00", "23:59", valid_from=dt.date(2025, 1, 1), valid_to=dt.date(2025, 3, 4)
    )
    assert open_at([winter], at("TU", "12:00")) is True
    assert open_at([winter], at("WE", "12:00")) is False


def test_no_schedule_or_only_monthly_ones_means_hours_unknown():
    assert open_at([], at("MO", "12:00")) is None
    assert open_at([schedule("2MO", "09:00", "12:00", freq="MONTHLY")], at("MO", "10:00")) is None


def test_an_aware_moment_in_another_zone_is_read_in_local_time():
    utc_moment = at("MO", "16:30").astimezone(dt.UTC)  # 22:30 UTC
    assert open_at([WEEKDAYS], utc_moment) is True


def test_unknown_days_are_refused():
    with pytest.raises(ValueError, match="unknown day 'MON'"):
        parse_byday("MON")


def test_the_summary_names_days_and_hours():
    assert summary([WEEKDAYS]) == "MO,TU,WE,TH,FR 09:00-17:00"
    assert summary([schedule("", "00:00", "23:59")]) == "daily 24 hours"
    assert summary([schedule("", description="By appointment")]) == "By appointment"
