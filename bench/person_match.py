"""Benchmark: match at intake with 1,000,000 people stored.

For each database (a fresh SQLite file; a fresh PostgreSQL database on the server of
DATABASE_URL when it is set) it migrates, inserts `--people` synthetic people in bulk,
builds their keys with the bulk indexer (`tandem index-people`) and, as a clinician of
the agency that owns them, runs `--queries` intake searches for existing people whose
names and dates of birth were corrupted the way intake gets them wrong: nicknames,
typos, phonetic spellings, day and month swapped, a digit off, no date at all.

Reported: latency percentiles of `person_matches` (privacy gate included), recall at
10 (the true person among the first ten), and as a reference in the same run, a plain
indexed lookup `Person.objects.filter(family_name=..., date_of_birth=...)[:10]` with
the same corrupted input. Prints one JSON object.

    .venv/bin/python bench/person_match.py [--people 1000000] [--queries 500]
        [--db sqlite|postgres|both]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parents[1]
TARGET_MS = 200
WARMUP = 20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default=None)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_run(args.people, args.queries, args.seed)))
        return
    url = os.environ.get("DATABASE_URL", "")
    kinds = {"sqlite": ["sqlite"], "postgres": ["postgres"], "both": ["sqlite", "postgres"]}[
        args.db or ("both" if url.startswith("postgres") else "sqlite")
    ]
    results = {kind: _child(kind, url, args) for kind in kinds}
    first = results.pop(kinds[0])
    print(json.dumps({**first, **{k: v for k, v in results.items()}}, indent=2))


# --- driver: one child process per database, each with its own fresh database ---------


def _child(kind: str, url: str, args) -> dict:
    with tempfile.TemporaryDirectory(prefix="tandem-match-") as var_dir:
        env = {**os.environ, "TANDEM_VAR_DIR": var_dir, "DJANGO_SETTINGS_MODULE": "tandem.settings"}
        env.pop("DATABASE_URL", None)
        command = [sys.executable, __file__, "--child", f"--people={args.people}"]
        command += [f"--queries={args.queries}", f"--seed={args.seed}"]
        if kind == "sqlite":
            return _json(subprocess.run(command, env=env, cwd=REPO, capture_output=True, text=True))
        if not url.startswith("postgres"):
            url = "postgres://postgres@127.0.0.1:5432/postgres"
        name = f"tandem_match_{secrets.token_hex(4)}"
        _admin(url, f'CREATE DATABASE "{name}"')
        try:
            parts = urlsplit(url)
            env["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{name}"))
            done = subprocess.run(command, env=env, cwd=REPO, capture_output=True, text=True)
            return {"database": "postgresql", **_json(done)}
        finally:
            _admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _json(done: subprocess.CompletedProcess) -> dict:
    sys.stderr.write(done.stderr)
    if done.returncode != 0:
        raise SystemExit(f"benchmark child failed ({done.returncode})")
    return json.loads(done.stdout)


def _admin(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql)


# --- child: Django side -----------------------------------------------------------------


def _run(people: int, queries: int, seed: int) -> dict:
    sys.path.insert(0, str(REPO / "src"))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    actor, agency_id = _actor()
    started = time.perf_counter()
    _load_people(people, agency_id, seed)
    loaded = time.perf_counter()
    from tandem.people.matching import keys_rebuild

    _, keys = keys_rebuild(progress=_progress)
    indexed = time.perf_counter()
    cases = _cases(queries + WARMUP, seed)
    measured = _measure(actor, cases)
    return {
        "database": connection.vendor,
        "people": people,
        "queries": queries,
        **measured,
        "target_ms": TARGET_MS,
        "met": measured["p99_ms"] <= TARGET_MS,
        "load_seconds": round(loaded - started, 1),
        "index_seconds": round(indexed - loaded, 1),
        "keys": keys,
    }


def _progress(done: int, total: int, keys: int) -> None:
    if done == total or done % 200_000 == 0:
        sys.stderr.write(f"indexed {done:,} / {total:,} people, {keys:,} keys\n")


def _actor():
    from tandem.accounts.models import Membership, User
    from tandem.accounts.roles import Role
    from tandem.agencies.models import Agency, AgencyKind

    agency = Agency.objects.create(
        code="bench-clinic", name="Bench clinic", kind=AgencyKind.BEHAVIORAL_HEALTH
    )
    user = User.objects.create(username="bench-clinician")
    Membership.objects.create(user=user, owning_agency=agency, role=Role.CLINICIAN)
    return User.objects.get(pk=user.pk), agency.pk


def _load_people(n: int, agency_id: int, seed: int) -> None:
    """Insert n people in one transaction: COPY on PostgreSQL, executemany on SQLite."""
    from django.db import connection, transaction
    from django.utils import timezone

    now = connection.ops.adapt_datetimefield_value(timezone.now())
    columns = "created_at, updated_at, owning_agency_id, given_name, family_name, "
    columns += "preferred_name, date_of_birth, sex, phone, address"
    postgres = connection.vendor == "postgresql"
    with transaction.atomic(), connection.cursor() as cursor:
        for rows in _people_rows(n, seed, iso_dates=not postgres):
            rows = [(now, now, agency_id, *row) for row in rows]
            if postgres:
                with cursor.cursor.copy(f"COPY people_person ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                cursor.executemany(
                    f"INSERT INTO people_person ({columns}) VALUES ({', '.join(['%s'] * 10)})",
                    rows,
                )
        if postgres:  # what autovacuum does after a load this size; SQLite has no such daemon
            cursor.execute("ANALYZE people_person")


def _people_rows(n: int, seed: int, *, iso_dates: bool, batch: int = 100_000):
    """Synthetic people: ~64,000 family names with a Zipf-like spread (the commonest
    about 1 %, like Smith in the US), ~250 given names, births 1930-2012."""
    import numpy as np

    rng = np.random.default_rng(seed)
    given, family, streets = _given_names(), _family_names(), _streets()
    given_p = _zipf(len(given), 3)
    family_p = _zipf(len(family), 10)
    first_day = dt.date(1930, 1, 1).toordinal()
    for start in range(0, n, batch):
        m = min(batch, n - start)
        g = rng.choice(len(given), m, p=given_p)
        f = rng.choice(len(family), m, p=family_p)
        days = rng.integers(0, 83 * 365, m) + first_day
        sex = rng.choice(np.array(["F", "M", "X"]), m, p=[0.49, 0.49, 0.02])
        phone = rng.integers(2_000_000, 9_999_999, m)
        has_phone = rng.random(m) < 0.6
        number = rng.integers(1, 9999, m)
        street = rng.integers(0, len(streets), m)
        has_address = rng.random(m) < 0.85
        rows = []
        for i in range(m):
            born = dt.date.fromordinal(int(days[i]))
            rows.append(
                (
                    given[g[i]],
                    family[f[i]],
                    "",
                    born.isoformat() if iso_dates else born,
                    str(sex[i]),
                    f"(816) {phone[i] // 10_000:03d}-{phone[i] % 10_000:04d}"
                    if has_phone[i]
                    else "",
                    f"{number[i]} {streets[street[i]]}" if has_address[i] else "",
                )
            )
        yield rows


def _zipf(n: int, offset: int):
    import numpy as np

    weights = 1.0 / (np.arange(n) + offset)
    return weights / weights.sum()


def _words(text: str) -> list[str]:
    return text.split()


# fmt: off
COMMON_FAMILY = _words(
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez "
    "Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson "
    "White Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott "
    "Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter "
    "Roberts Gomez Phillips Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart Morris "
    "Morales Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed Kelly Howard "
    "Ramos Kim Cox Ward Richardson Watson Brooks Chavez Wood James Bennett Gray Mendoza Ruiz "
    "Hughes Price Alvarez Castillo Sanders Patel Myers Long Ross Foster Jimenez Powell Jenkins "
    "Perry Russell Sullivan Bell Coleman Butler Henderson Barnes Gonzales Fisher Vasquez Simmons "
    "Romero Jordan Patterson Alexander Hamilton Graham Reynolds Griffin Wallace Moreno West Cole "
    "Hayes Bryant Herrera Gibson Ellis Tran Medina Aguilar Stevens Murray Ford Castro Marshall "
    "Owens Harrison Fernandez McDonald Woods Washington Kennedy Wells Vargas Henry Chen Freeman "
    "Webb Tucker Guzman Burns Crawford Olson Simpson Porter Hunter Gordon Mendez Silva Shaw Snyder"
)
PREFIXES = _words(
    "Ash Bel Cor Dun El Far Gar Hal Ker Lan Mor Nor Pem Quin Ros Sal Tam Ul Var Wes Yor Zel "
    "Brad Crom Dal Fen Gil Hart Kin Lind Mar Ned Os Pen Red Stan Thorn Wil Al Bran"
)
MIDDLES = _words(
    "a e i o u er an in on el ar or en il ing ow ey ab ad ag am ap as at ul um us "
    "ell ill orr ett add ibb ott ick ugg aff egg imm oll"
)
SUFFIXES = _words(
    "by ford ton well ley son man wood field worth er ick ings more den ham stead wick "
    "ridge brook croft dale gate hurst land lock low mont ney rick shaw stone thwaite ville "
    "ward win castle berg"
)
EXTRA_GIVEN = _words(
    "Aaron Adam Adrian Aiden Alan Alicia Allison Amber Amy Andrea Angela Ann Ashley Austin "
    "Brandon Brenda Brian Brittany Bruce Bryan Carl Carlos Carol Carolyn Chad Cheryl Cody "
    "Connor Courtney Craig Crystal Curtis Dana Danielle Denise Dennis Derek Diana Diane Dylan "
    "Emma Eric Erica Erin Ethan Evan Gary Gloria Grace Hannah Heather Holly Ian Jack Janet "
    "Janice Jason Jared Jasmine Jeremy Jesse Joan Jordan Joyce Juan Julie Justin Karen Kathleen "
    "Keith Kelly Kevin Kyle Laura Lauren Linda Lisa Logan Lori Luis Luke Marcus Maria Marie "
    "Marilyn Mark Megan Melissa Michelle Monica Nancy Natalie Nicole Noah Olivia Paul Rachel "
    "Randy Regina Renee Rita Roger Rose Ruth Ryan Scott Sean Seth Shannon Sharon Shawn Sheila "
    "Shirley Sophia Stacy Tammy Tara Tiffany Todd Tracy Travis Tyler Vanessa Wayne Wendy"
)
STREET_WORDS = _words(
    "Maple Cedar Elm Oak Pine Walnut Cherry Spruce Birch Willow Hickory Ash Poplar Sycamore "
    "Main Church Mill Park Lake River Hill Ridge Valley Spring Meadow Forest Prairie Sunset "
    "Lincoln Washington Jefferson Madison Adams Jackson Grant Franklin Monroe Wilson Highland "
    "College Center Market Union Water Bridge Depot Railroad School Summit Orchard Garden"
)
# fmt: on


def _family_names() -> list[str]:
    made = [p + m + s for p in PREFIXES for m in MIDDLES for s in SUFFIXES]
    seen = dict.fromkeys(n.title() for n in COMMON_FAMILY + made)
    return list(seen)


def _given_names() -> list[str]:
    from tandem.people.matching_keys import NICKNAMES

    return list(dict.fromkeys([n.title() for n in NICKNAMES] + EXTRA_GIVEN))


def _streets() -> list[str]:
    kinds = ("St", "Ave", "Rd", "Dr", "Ln", "Ct", "Blvd", "Way", "Pl")
    ordinals = [
        f"{n}{'st' if n == 1 else 'nd' if n == 2 else 'rd' if n == 3 else 'th'}"
        for n in range(1, 40)
    ]
    return [f"{d}{w} {k}" for w in STREET_WORDS + ordinals for k in kinds for d in ("", "N ", "S ")]


# --- queries ---------------------------------------------------------------------------


def _cases(count: int, seed: int) -> list[tuple[int, dict]]:
    """(true person id, query) pairs; every query differs from the record somewhere."""
    import random

    from tandem.people.models import Person

    rng = random.Random(seed)
    top = Person.objects.order_by("-pk").values_list("pk", flat=True).first()
    ids = rng.sample(range(1, top + 1), count)
    rows = Person.objects.filter(pk__in=ids).values_list(
        "pk", "given_name", "family_name", "date_of_birth", "sex"
    )
    cases = []
    for pk, given, family, dob, sex in rows:
        query = {"given_name": given, "family_name": family, "date_of_birth": dob, "sex": ""}
        while (query["given_name"], query["family_name"], query["date_of_birth"]) == (
            given,
            family,
            dob,
        ):
            query = {
                "given_name": _corrupt_given(rng, given),
                "family_name": _typo(rng, family) if rng.random() < 0.4 else family,
                "date_of_birth": _corrupt_dob(rng, dob),
                "sex": sex if rng.random() < 0.5 else "",
            }
        cases.append((pk, query))
    rng.shuffle(cases)
    return cases


def _corrupt_given(rng, given: str) -> str:
    from tandem.people.matching_keys import NICKNAMES

    roll = rng.random()
    nicknames = NICKNAMES.get(given.upper(), ())
    if roll < 0.35 and nicknames:
        return rng.choice(nicknames).title()
    if roll < 0.6:
        return _typo(rng, given)
    return given


def _typo(rng, name: str) -> str:
    """One keyboard slip away from the name (never in the first letter)."""
    if len(name) < 4:
        return name
    i = rng.randrange(1, len(name) - 1)
    kind = rng.choice(["swap", "drop", "double", "replace"])
    if kind == "swap":
        return name[:i] + name[i + 1] + name[i] + name[i + 2 :]
    if kind == "drop":
        return name[:i] + name[i + 1 :]
    if kind == "double":
        return name[:i] + name[i] + name[i:]
    return name[:i] + rng.choice("aeiourstnl") + name[i + 1 :]


def _corrupt_dob(rng, dob: dt.date) -> dt.date | None:
    roll = rng.random()
    if roll < 0.2 and dob.day <= 12 and dob.day != dob.month:
        return dob.replace(month=dob.day, day=dob.month)
    if roll < 0.35:
        for _ in range(10):
            digits = list(dob.strftime("%Y%m%d"))
            i = rng.randrange(2, 8)
            digits[i] = str(rng.randrange(10))
            try:
                return dt.datetime.strptime("".join(digits), "%Y%m%d").date()
            except ValueError:
                continue
    if roll < 0.45:
        return None
    return dob


def _measure(actor, cases: list[tuple[int, dict]]) -> dict:
    from tandem.people.matching import person_matches
    from tandem.people.models import Person

    ours, reference, hits = [], [], 0
    for n, (pk, query) in enumerate(cases):
        started = time.perf_counter()
        matches = person_matches(actor=actor, **query)
        middle = time.perf_counter()
        list(
            Person.objects.filter(
                family_name=query["family_name"], date_of_birth=query["date_of_birth"]
            )[:10]
        )
        ended = time.perf_counter()
        if n < WARMUP:
            continue
        ours.append((middle - started) * 1000)
        reference.append((ended - middle) * 1000)
        hits += pk in {m.person.pk for m in matches}
    return {
        **_percentiles(ours),
        "recall_at_10": round(hits / len(ours), 4),
        "reference": _percentiles(reference),
    }


def _percentiles(ms: list[float]) -> dict:
    cuts = statistics.quantiles(ms, n=100, method="inclusive")
    return {
        "p50_ms": round(cuts[49], 2),
        "p95_ms": round(cuts[94], 2),
        "p99_ms": round(cuts[98], 2),
    }


if __name__ == "__main__":
    main()
