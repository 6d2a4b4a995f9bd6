"""Vectorised sampling of calls and the people they concern.

All draws come from one `numpy.random.Generator` in a fixed order, so a seed and a
region give the same arrays every time. Times are int64 epoch seconds (UTC); the daily
and weekly patterns are laid out in the region's local time.
"""

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np

from tandem.demo.history_region import Region
from tandem.demo.history_text import (
    FAMILY_NAMES,
    GIVEN_NAMES,
    NARRATIVE_DETAILS,
    NARRATIVE_OPENINGS,
    STREETS,
    address_pool,
)

DAY = 86_400
EPOCH = dt.date(1970, 1, 1)

# Share of calls whose type is a behavioral-health type; the rest are BH-adjacent types
# (welfare checks, citizen assists) that a co-responder team also answers.
BH_TYPE_SHARE = 0.7
SOURCES = ("911", "988", "officer_request", "self_initiated")
SOURCE_P = (0.80, 0.07, 0.09, 0.04)
# Calls by local hour: quiet before dawn, a peak in the afternoon and early evening.
# fmt: off
HOUR_WEIGHTS = np.array([
    0.45, 0.35, 0.30, 0.25, 0.25, 0.30, 0.45, 0.60, 0.80, 0.95, 1.05, 1.15,
    1.20, 1.25, 1.35, 1.45, 1.55, 1.60, 1.55, 1.45, 1.30, 1.10, 0.85, 0.60,
])
# fmt: on
WEEKDAY_WEIGHTS = np.array([1.02, 1.00, 1.00, 1.03, 1.08, 0.95, 0.90])  # Monday first
SEASONAL_AMPLITUDE = 0.08  # a little busier in summer

UNKNOWN_SUBJECT_P = 0.03
# Contacts per person follow a Zipf law: most people are seen once, a few "familiar
# faces" dozens of times.
ZIPF_A = 2.2
ZIPF_CAP = 200
SEXES = ("F", "M", "X")
SEX_P = (0.46, 0.50, 0.04)
PHONE_P = 0.6
HOMELESS_P = 0.15


@dataclass
class Calls:
    n: int
    received: np.ndarray
    local_day: np.ndarray  # days since 1970-01-01 in local time
    weekday: np.ndarray
    hour: np.ndarray
    jurisdiction: np.ndarray
    call_type: np.ndarray
    final_call_type: np.ndarray  # -1 when not recoded
    behavioral_health: np.ndarray
    source: np.ndarray
    priority: np.ndarray
    latitude: np.ndarray
    longitude: np.ndarray
    location: np.ndarray
    narrative: np.ndarray
    subject: np.ndarray  # person index or -1
    team: np.ndarray  # team index or -1 (filled by the response sampler)


@dataclass
class People:
    n: int
    jurisdiction: np.ndarray
    given: np.ndarray
    family: np.ndarray
    sex: np.ndarray
    birth_day: np.ndarray  # days since 1970-01-01
    phone: np.ndarray  # index into phone_pool() or -1
    address: np.ndarray  # index into the address pool or -1
    first_seen: np.ndarray


def location_pool() -> list[str]:
    return [f"{n}00 block of {street}" for n in range(1, 30) for street in STREETS]


def phone_pool() -> list[str]:
    return [f"(555) 555-01{n:02d}" for n in range(100)]  # numbers reserved for fiction


def _local_days(start: dt.date, days: int, tz: ZoneInfo) -> tuple[np.ndarray, np.ndarray]:
    """Days since epoch, and each day's UTC offset in seconds (taken at local noon)."""
    first = (start - EPOCH).days
    offsets = np.array(
        [
            (
                tz.utcoffset(dt.datetime.combine(start + dt.timedelta(d), dt.time(12)))
                or dt.timedelta()
            ).total_seconds()
            for d in range(days)
        ],
        dtype=np.int64,
    )
    return first + np.arange(days, dtype=np.int64), offsets


def _sample_times(rng, n: int, start: dt.date, days: int, tz: ZoneInfo):
    local_day, offset = _local_days(start, days, tz)
    weekday = (local_day + 3) % 7  # 1970-01-01 was a Thursday
    season = 1 + SEASONAL_AMPLITUDE * np.sin(2 * np.pi * (local_day - 80) / 365.25)
    day_w = WEEKDAY_WEIGHTS[weekday] * season
    day = rng.choice(days, size=n, p=day_w / day_w.sum())
    hour = rng.choice(24, size=n, p=HOUR_WEIGHTS / HOUR_WEIGHTS.sum())
    received = local_day[day] * DAY + hour * 3600 + rng.integers(0, 3600, n) - offset[day]
    order = np.argsort(received, kind="stable")
    day, hour = day[order], hour[order]
    return received[order], local_day[day], weekday[day], hour


def _sample_types(rng, region: Region, jurisdiction: np.ndarray) -> np.ndarray:
    """A call type per call from the jurisdiction's own list, BH types ~70% of calls."""
    types = region.call_types
    want_bh = rng.random(len(jurisdiction)) < BH_TYPE_SHARE
    out = np.zeros(len(jurisdiction), dtype=np.int64)
    for j, options in enumerate(types.by_jurisdiction):
        for wanted in (True, False):
            rows = np.flatnonzero((jurisdiction == j) & (want_bh == wanted))
            pool = options[types.bh[options] == wanted]
            if len(pool) == 0:
                pool = options
            w = types.weight[pool]
            out[rows] = pool[rng.choice(len(pool), size=len(rows), p=w / w.sum())]
    return out


def _sample_points(rng, region: Region, jurisdiction: np.ndarray):
    """Uniform points in a disc around the jurisdiction's centroid, rounded to ~1 m."""
    n = len(jurisdiction)
    r = region.radius_km[jurisdiction] * np.sqrt(rng.random(n))
    theta = rng.random(n) * 2 * np.pi
    lat0 = region.latitude[jurisdiction]
    lat = lat0 + r * np.cos(theta) / 111.32
    lon = region.longitude[jurisdiction] + r * np.sin(theta) / (111.32 * np.cos(np.radians(lat0)))
    return np.round(lat, 5), np.round(lon, 5)


def sample_calls(rng, region: Region, *, n: int, start: dt.date, days: int, tz) -> Calls:
    received, local_day, weekday, hour = _sample_times(rng, n, start, days, tz)
    jurisdiction = rng.choice(len(region.share), size=n, p=region.share)
    call_type = _sample_types(rng, region, jurisdiction)
    urgent = region.call_types.urgent[call_type]
    latitude, longitude = _sample_points(rng, region, jurisdiction)
    return Calls(
        n=n,
        received=received,
        local_day=local_day,
        weekday=weekday,
        hour=hour,
        jurisdiction=jurisdiction,
        call_type=call_type,
        final_call_type=np.full(n, -1, dtype=np.int64),
        behavioral_health=region.call_types.bh[call_type].copy(),
        source=rng.choice(len(SOURCES), size=n, p=SOURCE_P),
        priority=np.where(urgent, 1, 2) + rng.integers(0, 2, n),
        latitude=latitude,
        longitude=longitude,
        location=rng.integers(0, len(location_pool()), n),
        narrative=rng.integers(0, len(NARRATIVE_OPENINGS) * len(NARRATIVE_DETAILS), n),
        subject=np.full(n, -1, dtype=np.int64),
        team=np.full(n, -1, dtype=np.int64),
    )


def _contact_counts(rng, calls: int) -> np.ndarray:
    """Contacts per person, heavy-tailed, summing exactly to `calls`."""
    if calls == 0:
        return np.zeros(0, dtype=np.int64)
    counts = np.minimum(rng.zipf(ZIPF_A, size=calls), ZIPF_CAP)
    total = np.cumsum(counts)
    people = int(np.searchsorted(total, calls)) + 1
    counts = counts[:people]
    counts[-1] -= total[people - 1] - calls
    return counts


def sample_people(rng, region: Region, calls: Calls, *, end_day: int) -> People:
    """People per jurisdiction with repeat contacts; fills `calls.subject`.

    People are numbered in order of first contact so ids rise with time.
    """
    known = rng.random(calls.n) >= UNKNOWN_SUBJECT_P
    subject = np.full(calls.n, -1, dtype=np.int64)
    jurisdiction_parts = []
    offset = 0
    for j in range(len(region.share)):
        rows = np.flatnonzero(known & (calls.jurisdiction == j))
        counts = _contact_counts(rng, len(rows))
        subject[rows] = offset + rng.permutation(np.repeat(np.arange(len(counts)), counts))
        jurisdiction_parts.append(np.full(len(counts), j, dtype=np.int64))
        offset += len(counts)
    n = offset
    first_seen = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    has = subject >= 0
    np.minimum.at(first_seen, subject[has], calls.received[has])
    order = np.argsort(first_seen, kind="stable")
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    subject[has] = rank[subject[has]]
    calls.subject = subject

    age_years = np.clip(rng.normal(38, 15, n), 12, 88)
    return People(
        n=n,
        jurisdiction=np.concatenate(jurisdiction_parts)[order] if n else np.zeros(0, np.int64),
        given=rng.integers(0, len(GIVEN_NAMES), n),
        family=rng.integers(0, len(FAMILY_NAMES), n),
        sex=rng.choice(len(SEXES), size=n, p=SEX_P),
        birth_day=end_day - (age_years * 365.25).astype(np.int64) - rng.integers(0, 365, n),
        phone=np.where(rng.random(n) < PHONE_P, rng.integers(0, 100, n), -1),
        address=np.where(rng.random(n) < HOMELESS_P, -1, rng.integers(0, len(address_pool()), n)),
        first_seen=first_seen[order],
    )
