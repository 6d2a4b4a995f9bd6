"""Is a service open at a given moment? HSDS weekly schedules, evaluated in local time.

Rules (HSDS leaves them to the publisher; these are Tandem's, and the import follows
them):
- A schedule applies on the days of `byday` (MO..SU); no `byday` means every day.
- `opens_at`/`closes_at` are wall-clock times in the program's time zone
  (settings.TIME_ZONE). A closing time of 23:59 means midnight (end of the day).
- Closing after opening: open from one to the other on each day.
- Closing at or before opening runs past midnight into the next day (Friday 22:00 to
  06:00 is open at 03:00 on Saturday); equal times, or neither given, mean all day.
- `valid_from`/`valid_to` bound the days a schedule applies (inclusive).
- Only WEEKLY (or unset) schedules are evaluated; MONTHLY ones are stored and exported
  but do not make a service "open now".

`open_at()` answers True, False, or None when the service has no usable schedule.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import timezone

DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_MIDNIGHT = dt.time(0, 0)
_END_OF_DAY = dt.time(23, 59)


@dataclass(frozen=True)
class Weekly:
    """The parts of a schedule that decide opening hours."""

    days: frozenset[int]  # 0 = Monday
    opens: dt.time | None
    closes: dt.time | None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None

    @classmethod
    def of(cls, schedule) -> Weekly | None:
        """From a directory.Schedule; None if it is not a weekly rule."""
        if schedule.freq not in ("", "WEEKLY"):
            return None
        return cls(
            days=parse_byday(schedule.byday),
            opens=schedule.opens_at,
            closes=schedule.closes_at,
            valid_from=schedule.valid_from,
            valid_to=schedule.valid_to,
        )

    def _applies(self, day: dt.date) -> bool:
        if self.valid_from and day < self.valid_from:
            return False
        if self.valid_to and day > self.valid_to:
            return False
        return day.weekday() in self.days

    def open_at(self, local: dt.datetime) -> bool:
        today, now = local.date(), local.time()
        yesterday = today - dt.timedelta(days=1)
        opens = self.opens or _MIDNIGHT
        closes = self.closes
        if closes is None or closes >= _END_OF_DAY:
            closes = None  # until midnight
        if closes is None:
            return self._applies(today) and now >= opens
        if opens < closes:
            return self._applies(today) and opens <= now < closes
        if opens == closes:
            return self._applies(today)
        # Past midnight: the evening of an applicable day, or the small hours after one.
        return (self._applies(today) and now >= opens) or (
            self._applies(yesterday) and now < closes
        )


def parse_byday(byday: str) -> frozenset[int]:
    """ "MO,WE" -> {0, 2}; empty -> every day. Raises ValueError on an unknown day."""
    tokens = [t.strip().upper() for t in byday.split(",") if t.strip()]
    if not tokens:
        return frozenset(range(7))
    unknown = [t for t in tokens if t not in DAYS]
    if unknown:
        raise ValueError(f"unknown day {unknown[0]!r}; expected two-letter days MO..SU")
    return frozenset(DAYS.index(t) for t in tokens)


def local(moment: dt.datetime | None = None) -> dt.datetime:
    """The moment (default now) in the program's time zone."""
    return timezone.localtime(moment or timezone.now())


def open_at(schedules: Iterable, moment: dt.datetime | None = None) -> bool | None:
    """Whether any weekly schedule is open at the moment; None if there is none."""
    rules = [r for r in (Weekly.of(s) for s in schedules) if r is not None]
    if not rules:
        return None
    when = local(moment)
    return any(rule.open_at(when) for rule in rules)


def summary(schedules: Iterable) -> str:
    """A one-line description: the publisher's own, else one made from the rules."""
    schedules = list(schedules)
    described = [s.description for s in schedules if s.description]
    if described:
        return "; ".join(described)[:200]
    parts = []
    for s in schedules:
        rule = Weekly.of(s)
        if rule is None:
            continue
        days = "daily" if len(rule.days) == 7 else ",".join(DAYS[d] for d in sorted(rule.days))
        if rule.opens in (None, rule.closes) or (
            rule.opens == _MIDNIGHT and rule.closes in (None, _END_OF_DAY)
        ):
            parts.append(f"{days} 24 hours")
        else:
            closes = rule.closes.strftime("%H:%M") if rule.closes else "24:00"
            parts.append(f"{days} {rule.opens:%H:%M}-{closes}")
    return "; ".join(parts)[:200]
