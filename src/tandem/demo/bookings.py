"""The county jail's bookings for the demo: the jail's export, imported like a real one.

Stepping Up's four measures (people with serious mental illness booked into jail, their
length of stay, their connection to treatment and their return to jail) count jail
bookings, which only the jail bookings import brings in. So the demo writes the jail's
export as a CSV in the format `profiles/county-jail.yaml` reads, and imports it with
`imports.services.import_file`: the checks, the pseudonyms, the links to program people,
the report and the audit event are the real import's.

The export covers the months of the generated history and a baseline year before them,
as a county taking up Stepping Up measures against its baseline would have: return to
jail is counted only for releases a full year before the snapshot, which a year of
history alone never has. Its size follows the history's calls a day.

Who is booked. People the program met are booked when an encounter of the history ended
in arrest (an hour or so later, by the arresting city's police), and, more often the
more contacts the program had with them, at other times too; the jail's number for each
of them is written as their identifier (system `jms`, owned by the jail), which is how
the import links a booking to a program person. Everyone else is unknown to the program.
About one person in six has a serious mental illness (nearly half of the program's
people); they stay longer and come back sooner. Like the history generator, this is a
system service writing fictional data: it reads the generated calls, the names and dates
of birth of the people they were about, and which encounters ended in arrest; nothing
clinical. The same seed and history always give the same export.
"""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
from django.db import transaction
from django.db.models import Count, Max, Min

from tandem.agencies.models import Agency, Jurisdiction
from tandem.demo.history_tables import GENERATED_NUMBER_RE
from tandem.demo.history_text import FAMILY_NAMES, GIVEN_NAMES
from tandem.dispatch.models import Call
from tandem.encounters.models import Disposition, Encounter
from tandem.imports.bookings import PERSON_SYSTEM
from tandem.imports.models import ImportRun, JailBooking, RunStatus, SmiAssessment
from tandem.imports.services import import_file, profile_load
from tandem.people.models import Person, PersonIdentifier

PROFILE = "county-jail"
BOOKINGS_PER_CALL = 0.4  # bookings a day for each call a day of the history
BASELINE_YEARS = 1
DAY, YEAR = 86_400.0, 365 * 86_400.0
SMI_SHARE = {"known": 0.45, "unknown": 0.16}  # of people booked
RATE = 0.2  # mean bookings a year of a person once booked; x1.5 with SMI, x1.3 if known
KNOWN_PER_CONTACT = 0.08  # chance 1 - exp(-0.08 x contacts) the program's person is booked
TREATED = {"known": 0.6, "unknown": 0.35}  # SMI bookings connected to treatment
CHARGES = {  # the export's degree: share of bookings, charge texts, bonds
    "F": (0.32, ("POSSESSION OF CONTROLLED SUBSTANCE", "BURGLARY 2ND", "ASSAULT 2ND"),
          (5000, 10000, 25000)),
    "M": (0.52, ("TRESPASS 1ST", "DISTURBING THE PEACE", "DWI", "STEALING", "ASSAULT 4TH"),
          (500, 1000, 2500)),
    "INF": (0.06, ("PEACE DISTURBANCE (ORD)", "OPEN CONTAINER (ORD)"), (100, 250)),
    "HOLD": (0.10, ("FAILURE TO APPEAR WARRANT", "PROBATION VIOLATION HOLD"), ()),
}  # fmt: skip
SMI_FINDING = "SMI CONFIRMED"  # the clinician's (QMHP's) finding, as exported
HEADER = (
    "Booking No", "SO Number", "Last Name", "First Name", "DOB", "Booking Date/Time",
    "Release Date/Time", "Arresting Agency", "Highest Charge Degree", "Charge Description",
    "BJMHS Result", "QMHP Finding", "Linked To Treatment", "Housing Unit", "Bond Amount",
)  # fmt: skip
TIME_FORMAT, DATE_FORMAT = "%m/%d/%Y %I:%M %p", "%m/%d/%Y"


class BookingsFailed(RuntimeError):
    """The import of the demo's export did not finish: nothing of it was kept."""


@dataclass
class BookedPerson:
    person_id: int | None  # the program's person, if the program knows them
    smi: bool
    agency: str  # the arresting agency as the export spells it
    name: tuple[str, str, str]  # last name, first name, date of birth as exported
    number: str = ""  # the jail's number for the person (SO Number), given last


@dataclass
class Stay:
    who: BookedPerson
    booked: float  # seconds since 1970
    released: float | None  # None: still held when the export was made
    agency: str


@dataclass(frozen=True)
class Window:
    start: float  # the baseline's first day, local midnight
    end: float  # the history's end (local midnight): when the jail made the export
    per_day: float  # bookings a day

    @property
    def bookings(self) -> int:
        return round(self.per_day * (self.end - self.start) / DAY)


@dataclass(frozen=True)
class Places:
    spelling: dict[int, str]  # jurisdiction id -> its arresting agency, as exported
    agencies: list[str]  # the same, one per jurisdiction ...
    weights: np.ndarray  # ... weighted by population


def demo_bookings_import(*, seed: int, actor=None) -> dict[str, object]:
    """Write the jail's export for the history in the database, and import it as
    `actor` (None: the system)."""
    profile = profile_load(PROFILE)
    jail = Agency.objects.get(code=profile.agency)
    tz = ZoneInfo(profile.timezone)
    window = history_window(tz)
    places = _places(profile.fields.jurisdiction.values)
    rng = np.random.default_rng([seed, 17])  # a stream of its own, not the history's
    stays = _known_stays(rng, window, places)
    stays += _unknown_stays(rng, window, places, want=window.bookings - len(stays))
    _number_people(rng, stays)
    known = {s.who.person_id: s.who.number for s in stays if s.who.person_id is not None}
    with tempfile.TemporaryDirectory() as folder, transaction.atomic():
        PersonIdentifier.objects.bulk_create(
            PersonIdentifier(owning_agency=jail, person_id=pid, system=PERSON_SYSTEM, value=number)
            for pid, number in sorted(known.items())
        )
        path = Path(folder) / "blue-prairie-jail-bookings.csv"
        export_write(path, export_rows(rng, stays, tz=tz, end=window.end))
        run = import_file(actor=actor, path=path, profile_name=PROFILE)
        if run.status != RunStatus.DONE:
            raise BookingsFailed(run.error)  # which rolls the identifiers back
    return _summary(run, window, tz)


def history_window(tz: ZoneInfo) -> Window:
    """The generated history's months and a baseline year before them."""
    calls = Call._base_manager.filter(number__regex=GENERATED_NUMBER_RE).aggregate(
        first=Min("received_at"), last=Max("received_at"), n=Count("id")
    )
    if not calls["n"]:
        raise ValueError("there is no generated history to write the jail's bookings for")
    first = calls["first"].astimezone(tz).date()
    end = calls["last"].astimezone(tz).date() + dt.timedelta(days=1)
    start = first.replace(year=first.year - BASELINE_YEARS, day=min(first.day, 28))
    return Window(
        start=_midnight(start, tz),
        end=_midnight(end, tz),
        per_day=BOOKINGS_PER_CALL * calls["n"] / (end - first).days,
    )


def _places(values: dict[str, str]) -> Places:
    """Each jurisdiction's arrests are made by its police, whom the export names as the
    profile maps them (a town names the city police it contracts with)."""
    raw = {}
    for spelling, code in values.items():
        raw.setdefault(code, spelling)
    rows = list(
        Jurisdiction.objects.order_by("code").values_list(
            "id", "code", "owning_agency_id", "population"
        )
    )
    police = {owner: raw[code] for _, code, owner, _ in rows if code in raw}
    spelling = {jid: raw.get(code) or police.get(owner, "") for jid, code, owner, _ in rows}
    weights = np.array([population or 1000 for *_, population in rows], dtype=float)
    return Places(spelling, [spelling[row[0]] for row in rows], weights / weights.sum())


def _known_stays(rng, window: Window, places: Places) -> list[Stay]:
    """Bookings of the people the history's calls were about: after each arrest, and at
    other times for some (the more contacts, the likelier)."""
    generated = Call._base_manager.filter(number__regex=GENERATED_NUMBER_RE)
    contacts: Counter[int] = Counter()
    home: dict[int, int] = {}
    calls = generated.exclude(subject=None).order_by("received_at", "id")
    for subject, jurisdiction in calls.values_list("subject_id", "jurisdiction_id"):
        contacts[subject] += 1
        home.setdefault(subject, jurisdiction)
    arrests = defaultdict(list)
    ended_in_arrest = Encounter._base_manager.filter(
        call__in=generated, disposition=Disposition.ARREST, call__subject__isnull=False
    ).exclude(ended_at=None)
    for subject, ended, jurisdiction in ended_in_arrest.order_by("ended_at", "id").values_list(
        "call__subject_id", "ended_at", "call__jurisdiction_id"
    ):
        arrests[subject].append((ended.timestamp(), places.spelling[jurisdiction]))
    people = sorted(contacts)
    chance = 1 - np.exp(-KNOWN_PER_CONTACT * np.array([contacts[p] for p in people]))
    booked = dict(zip(people, rng.random(len(people)) < chance, strict=True))
    chosen = [p for p in people if booked[p] or p in arrests]
    names = _program_names(chosen)
    stays = []
    for pid in chosen:
        smi = bool(rng.random() < SMI_SHARE["known"])
        who = BookedPerson(pid, smi, places.spelling[home[pid]], names[pid])
        after_arrest = _arrest_stays(rng, who, arrests.get(pid, []), window.end)
        stays += after_arrest
        if booked[pid]:
            stays += _sequence(rng, who, window, avoid=after_arrest)
    return stays


def _unknown_stays(rng, window: Window, places: Places, *, want: int) -> list[Stay]:
    stays: list[Stay] = []
    while len(stays) < want:
        agency = places.agencies[rng.choice(len(places.agencies), p=places.weights)]
        who = BookedPerson(None, bool(rng.random() < SMI_SHARE["unknown"]), agency, _fictional(rng))
        stays += _sequence(rng, who, window)
    return stays


def _arrest_stays(
    rng, who: BookedPerson, arrests: list[tuple[float, str]], end: float
) -> list[Stay]:
    """Booked an hour or so after the encounter; released before the program next met
    them in an arrest."""
    stays: list[Stay] = []
    for at, agency in arrests:
        booked = at + rng.uniform(0.5, 2.0) * 3600
        if booked >= end or (stays and booked < stays[-1].booked + 4 * 3600):
            continue
        if stays and (stays[-1].released or end) > booked:
            stays[-1].released = booked - rng.uniform(1.0, 3.0) * 3600
        stays.append(Stay(who, booked, _release(rng, booked, who.smi, end), agency))
    return stays


def _sequence(rng, who: BookedPerson, window: Window, avoid: Sequence[Stay] = ()) -> list[Stay]:
    """Bookings at the person's own rate (most people rarely, a few often), each a while
    after the last release. They run round the window from a random point, as if it were
    a circle, so that the jail is as busy in its first months as in its last."""
    mean = RATE * (1.5 if who.smi else 1.0) * (1.3 if who.person_id else 1.0)
    rate = max(rng.exponential(mean), 1e-6)  # bookings a year
    length = window.end - window.start
    offset, elapsed = rng.uniform(0, length), 0.0
    stays: list[Stay] = []
    while elapsed < length:
        booked = window.start + (offset + elapsed) % length
        held = _stay_days(rng, who.smi) * DAY
        released = booked + held if booked + held < window.end else None
        stay = Stay(who, booked, released, who.agency)
        if not any(_overlap(stay, other, window.end) for other in (*avoid, *stays)):
            stays.append(stay)
        elapsed += held + rng.exponential(YEAR / rate)
    return stays


def _release(rng, booked: float, smi: bool, end: float) -> float | None:
    released = booked + _stay_days(rng, smi) * DAY
    return released if released < end else None  # None: still held


def _stay_days(rng, smi: bool) -> float:
    """Most leave within days, some stay weeks or months; people with SMI stay longer."""
    median, sigma = (5.0, 1.5) if smi else (2.0, 1.6)
    return float(np.clip(rng.lognormal(np.log(median), sigma), 0.1, 365.0))


def _overlap(a: Stay, b: Stay, end: float) -> bool:
    return a.booked < (b.released or end) and b.booked < (a.released or end)


def _number_people(rng, stays: list[Stay]) -> None:
    people = list({id(s.who): s.who for s in stays}.values())
    numbers = rng.choice(900_000, size=len(people), replace=False) + 100_000
    for who, number in zip(people, numbers, strict=True):
        who.number = f"SO{number}"


def _program_names(ids: list[int]) -> dict[int, tuple[str, str, str]]:
    """The jail's own record of the program's people: names and dates of birth."""
    people = Person._base_manager.filter(pk__in=ids)
    return {
        pk: (family.upper(), given.upper(), born.strftime(DATE_FORMAT) if born else "")
        for pk, family, given, born in people.values_list(
            "pk", "family_name", "given_name", "date_of_birth"
        )
    }


def _fictional(rng) -> tuple[str, str, str]:
    born = dt.date(1950, 1, 1) + dt.timedelta(days=int(rng.integers(0, 56 * 365)))
    return (
        str(rng.choice(FAMILY_NAMES)).upper(),
        str(rng.choice(GIVEN_NAMES)).upper(),
        born.strftime(DATE_FORMAT),
    )


def export_rows(rng, stays: list[Stay], *, tz: ZoneInfo, end: float) -> list[tuple[str, ...]]:
    """One row a booking, in booking order, numbered by year as the jail numbers them."""
    degrees = list(CHARGES)
    shares = [CHARGES[d][0] for d in degrees]
    seq: Counter[int] = Counter()
    rows = []
    for stay in sorted(stays, key=lambda s: s.booked):
        booked = _local(stay.booked, tz)
        seq[booked.year] += 1
        degree = degrees[rng.choice(len(degrees), p=shares)]
        _share, charges, bonds = CHARGES[degree]
        screen, finding = _screening(rng, stay.who.smi)
        rows.append(
            (
                f"J{booked:%y}-{seq[booked.year]:05d}",
                stay.who.number,
                *stay.who.name,
                booked.strftime(TIME_FORMAT),
                _local(stay.released, tz).strftime(TIME_FORMAT) if stay.released else "",
                stay.agency,
                degree,
                str(rng.choice(charges)),
                screen,
                finding,
                _treatment(rng, stay, finding == SMI_FINDING, tz, end),
                f"{'ABCD'[rng.integers(4)]}-{rng.integers(1, 40)}",
                f"{rng.choice(bonds):.2f}" if bonds else "",
            )
        )
    return rows


def _screening(rng, smi: bool) -> tuple[str, str]:
    """The screening at booking, and the clinical assessment of those it refers."""
    if rng.random() < 0.03:
        return "", ""  # released before anyone screened them
    if rng.random() >= (0.92 if smi else 0.12):
        return "NO REFER", ""
    if rng.random() < 0.05:
        return "REFER", ""  # referred, never assessed: the import counts these
    return "REFER", SMI_FINDING if smi else "NOT SMI"


def _treatment(rng, stay: Stay, smi: bool, tz: ZoneInfo, end: float) -> str:
    """Connected to treatment in jail, or within two weeks of release."""
    known = "known" if stay.who.person_id else "unknown"
    if not smi or rng.random() >= TREATED[known]:
        return ""
    if stay.released is None:
        day = rng.uniform(stay.booked, end)
    else:
        day = stay.released + rng.uniform(0, 14) * DAY
    return _local(day, tz).strftime(DATE_FORMAT) if day < end else ""


def export_write(path: Path, rows: list[tuple[str, ...]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(HEADER)
        writer.writerows(rows)


def _local(seconds: float, tz: ZoneInfo) -> dt.datetime:
    """To the minute; never midnight exactly, which the import takes for a placeholder."""
    local = dt.datetime.fromtimestamp(seconds, tz).replace(second=0, microsecond=0)
    return local + dt.timedelta(minutes=1) if local.hour == local.minute == 0 else local


def _midnight(day: dt.date, tz: ZoneInfo) -> float:
    return dt.datetime.combine(day, dt.time(), tzinfo=tz).timestamp()


def _summary(run: ImportRun, window: Window, tz: ZoneInfo) -> dict[str, object]:
    bookings = JailBooking.objects.filter(run=run)
    return {
        "run": run.pk,
        "start": dt.datetime.fromtimestamp(window.start, tz).date().isoformat(),
        "end": dt.datetime.fromtimestamp(window.end, tz).date().isoformat(),
        "bookings": run.rows_imported,
        "rejected": run.rows_rejected,
        "people": bookings.values("person_key").distinct().count(),
        "linked": bookings.exclude(person=None).count(),
        "smi": bookings.filter(smi_assessment=SmiAssessment.SMI).count(),
    }
