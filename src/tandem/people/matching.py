"""Match at intake: the people already on record who may be the person being entered.

Candidates are the people who share a blocking key with the query (`matching_keys`),
looked up by index with a bound per key, then narrowed to the people the actor may see
through the privacy gate *before* anything is scored or returned. Each candidate gets a
transparent score out of 100: points per field, and a short reason for each.

| field         | points | partial credit (and penalty)                                 |
|---------------|--------|--------------------------------------------------------------|
| given name    | 25     | nickname or first word 22, similar 18/10, initial 4          |
| family name   | 28     | sounds alike 22, similar 20/12, shares a part 18             |
| date of birth | 35     | day/month swapped 28, a digit off or two transposed 24,      |
|               |        | year off by one 20, same year 6 (different date -10)         |
| sex           | 2      | (different -10)                                              |
| address       | 5      | same house number and street                                 |
| phone         | 5      | same last ten digits                                         |

Fields the query leaves blank count nothing either way, so a query without a date of
birth tops out at 65: the score says how much the records agree, not a probability.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain

from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from tandem.people import matching_keys as keys
from tandem.people.models import Person, PersonKey
from tandem.privacy import policy
from tandem.privacy import selectors as gate

KEY_LIMIT = 50  # candidates read per key; a block this full is read again for own agencies
MIN_SCORE = 40  # below this a candidate shares too little to show
_KIND, _VALUE = "\x00kind", "\x00value"  # SQL parameter placeholders no key can equal
FULL_REBUILD_AT = 50_000  # people without keys beyond which rebuilding all is faster


@dataclass
class Match:
    """A person who may be the one entered: how well they agree, and in what."""

    person: Person
    score: int
    reasons: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Query:
    """What intake knows about the person being entered."""

    given: str
    family: str
    dob: dt.date | None
    sex: str
    phone: str
    address: str


def person_matches(
    *,
    actor,
    given_name: str,
    family_name: str,
    date_of_birth: dt.date | None = None,
    sex: str = "",
    address: str = "",
    phone: str = "",
    limit: int = 10,
    min_score: int = MIN_SCORE,
) -> list[Match]:
    """People the actor may see who may be this person, best first."""
    query = Query(
        given=given_name.strip(),
        family=family_name.strip(),
        dob=date_of_birth,
        sex=sex.strip().upper()[:1],
        phone=phone,
        address=address,
    )
    lookups = keys.query_keys(query.given, query.family, query.dob, query.phone, query.address)
    ids = _candidate_ids(actor, lookups)
    if not ids:
        return []
    candidates = Person.objects.filter(pk__in=ids).select_related("owning_agency").order_by()
    scored = [Match(p, *score(query, p)) for p in gate.summaries(actor, candidates, limit=None)]
    scored = [m for m in scored if m.score >= min_score]
    return sorted(scored, key=lambda m: (-m.score, m.person.pk))[:limit]


def match_dicts(matches: list[Match]) -> list[dict]:
    """Matches as plain data for JSON and htmx partials."""
    return [
        {
            "id": m.person.pk,
            "given_name": m.person.given_name,
            "family_name": m.person.family_name,
            "preferred_name": m.person.preferred_name,
            "date_of_birth": m.person.date_of_birth.isoformat() if m.person.date_of_birth else None,
            "sex": m.person.sex,
            "agency": m.person.owning_agency.name,
            "score": m.score,
            "reasons": m.reasons,
        }
        for m in matches
    ]


# --- candidates ------------------------------------------------------------------------


def _candidate_ids(actor, lookups: list[tuple[str, str]]) -> set[int]:
    """Ids of people sharing a key. A full block is read again, limited to the actor's
    own agencies, so a large region's people cannot crowd a small agency's out."""
    if not lookups:
        return set()
    found = _lookup(lookups)
    ids = set(chain.from_iterable(found.values()))
    full = [key for key, people in found.items() if len(people) >= KEY_LIMIT]
    agencies = policy.actor_for(actor).casework_agencies if full else frozenset()
    if agencies:
        ids.update(chain.from_iterable(_lookup(full, agencies).values()))
    return ids


def _lookup(lookups, agencies=None) -> dict[tuple[str, str], list[int]]:
    """One UNION ALL of index lookups, each bounded by KEY_LIMIT.

    The ORM writes the SQL of one lookup, with placeholders for kind and value; the
    union repeats it as derived tables (Django will not compile a union of sliced
    querysets on SQLite, and compiling each of a dozen lookups costs more than running it).
    """
    rows = PersonKey.objects.filter(kind=_KIND, value=_VALUE)
    if agencies is not None:
        rows = rows.filter(owning_agency__in=sorted(agencies))
    part, template = rows.values_list("kind", "value", "person_id")[
        :KEY_LIMIT
    ].query.sql_with_params()
    parts = (f"SELECT * FROM ({part}) AS k{i}" for i in range(len(lookups)))  # noqa: S608
    sql = " UNION ALL ".join(parts)
    params = [{_KIND: kind, _VALUE: value}.get(p, p) for kind, value in lookups for p in template]
    found: dict[tuple[str, str], list[int]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for kind, value, person_id in cursor.fetchall():
            found.setdefault((kind, value), []).append(person_id)
    return found


# --- scoring ---------------------------------------------------------------------------


def score(query: Query, person: Person) -> tuple[int, list[str]]:
    """Points out of 100 and the reasons they were given, for one candidate."""
    parts = [
        *_names(query, person.given_name, person.preferred_name, person.family_name),
        _dob(query.dob, person.date_of_birth),
        _sex(query.sex, person.sex),
        _same("same address", query.address, person.address, keys.address_key, 5),
        _same("same phone", query.phone, person.phone, keys.phone_key, 5),
    ]
    points = sum(p for p, _ in parts)
    return max(0, min(100, points)), [reason for p, reason in parts if reason]


def _names(query: Query, given: str, preferred: str, family: str) -> list[tuple[int, str]]:
    first = max(_given(query.given, given), _given(query.given, preferred))
    last = _family(query.family, family)
    if not first[0] and not last[0] and _swapped(query, given, family):
        return [(45, "given and family names swapped")]
    return [first, last]


def _given(asked: str, known: str) -> tuple[int, str]:
    a, b = keys.normal(asked), keys.normal(known)
    if not a or not b:
        return 0, ""
    if a == b:
        return 25, "same given name"
    if keys.name_parts(asked)[:1] == keys.name_parts(known)[:1]:
        return 22, "same first given name"
    if keys.nickname_of(asked, known):
        return 22, f"nickname: {asked} = {known}"
    similarity = jaro_winkler(a, b)
    if similarity >= 0.9:
        return 18, f"given name similar: {asked} ~ {known}"
    if similarity >= 0.8:
        return 10, f"given name similar: {asked} ~ {known}"
    if a[0] == b[0]:
        return 4, "same given initial"
    return 0, ""


def _family(asked: str, known: str) -> tuple[int, str]:
    a, b = keys.normal(asked), keys.normal(known)
    if not a or not b:
        return 0, ""
    if a == b:
        return 28, "same family name"
    sounds_a, sounds_b = keys.family_sounds(asked), keys.family_sounds(known)
    if sounds_a and sounds_a[:1] == sounds_b[:1]:
        return 22, f"family name sounds alike: {asked} ~ {known}"
    similarity = jaro_winkler(a, b)
    if similarity >= 0.9:
        return 20, f"family name similar: {asked} ~ {known}"
    if set(sounds_a) & set(sounds_b):
        return 18, f"shares part of family name: {asked} ~ {known}"
    if similarity >= 0.8:
        return 12, f"family name similar: {asked} ~ {known}"
    return 0, ""


def _swapped(query: Query, given: str, family: str) -> bool:
    asked = (keys.normal(query.given), keys.normal(query.family))
    return bool(asked[0]) and asked == (keys.normal(family), keys.normal(given))


def _dob(asked: dt.date | None, known: dt.date | None) -> tuple[int, str]:
    if asked is None or known is None:
        return 0, ""
    if asked == known:
        return 35, "same date of birth"
    if known in keys.dob_variants(asked):
        return 28, "date of birth with day and month swapped"
    typo = _digit_typo(asked.strftime("%Y%m%d"), known.strftime("%Y%m%d"))
    if typo:
        return 24, f"date of birth {typo}"
    if (asked.month, asked.day) == (known.month, known.day) and abs(asked.year - known.year) == 1:
        return 20, "birth year off by one"
    if asked.year == known.year:
        return 6, "same birth year"
    return -10, "different date of birth"


def _digit_typo(a: str, b: str) -> str:
    """'one digit off', 'with two digits transposed' or '' for two YYYYMMDD strings."""
    diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    if len(diff) == 1:
        return "one digit off"
    i = diff[0] if len(diff) == 2 and diff[1] == diff[0] + 1 else None
    if i is not None and (a[i], a[i + 1]) == (b[i + 1], b[i]):
        return "with two digits transposed"
    return ""


def _sex(asked: str, known: str) -> tuple[int, str]:
    if not asked or not known:
        return 0, ""
    return (2, "same sex") if asked == known else (-10, "different sex")


def _same(reason: str, asked: str, known: str, key, points: int) -> tuple[int, str]:
    value = key(asked) if asked else ""
    return (points, reason) if value and value == key(known or "") else (0, "")


@lru_cache(maxsize=65536)
def jaro_winkler(a: str, b: str) -> float:
    """Jaro-Winkler similarity, 0..1 (prefix scale 0.1, up to four letters)."""
    if a == b:
        return 1.0
    if not a or not b:
        return 0.0
    window = max(0, max(len(a), len(b)) // 2 - 1)
    taken = [False] * len(b)
    matched_a = []
    for i, letter in enumerate(a):
        for j in range(max(0, i - window), min(len(b), i + window + 1)):
            if not taken[j] and b[j] == letter:
                taken[j] = True
                matched_a.append(letter)
                break
    m = len(matched_a)
    if not m:
        return 0.0
    matched_b = [letter for letter, hit in zip(b, taken, strict=True) if hit]
    half_transpositions = sum(x != y for x, y in zip(matched_a, matched_b, strict=True)) / 2
    jaro = (m / len(a) + m / len(b) + (m - half_transpositions) / m) / 3
    prefix = 0
    for x, y in zip(a[:4], b[:4], strict=False):
        if x != y:
            break
        prefix += 1
    return jaro + prefix * 0.1 * (1 - jaro)


# --- storing keys ----------------------------------------------------------------------

KEY_COLUMNS = ("created_at", "updated_at", "owning_agency_id", "person_id", "kind", "value")
INDEX_FIELDS = ("id", "owning_agency_id", "given_name", "family_name", "date_of_birth")
INDEX_FIELDS += ("phone", "address")


def keys_write(person: Person) -> int:
    """Replace one person's keys; call it in the transaction that saves the person."""
    PersonKey.objects.filter(person=person).delete()
    person_row = (person.pk, person.owning_agency_id, person.given_name, person.family_name)
    person_row += (person.date_of_birth, person.phone, person.address)
    rows = _key_rows([person_row], now=timezone.now())
    PersonKey.objects.bulk_create(
        PersonKey(
            created_at=created,
            updated_at=updated,
            owning_agency_id=agency,
            person_id=pk,
            kind=kind,
            value=value,
        )
        for created, updated, agency, pk, kind, value in rows
    )
    return len(rows)


def keys_rebuild(
    *, only_missing: bool = False, batch: int = 20_000, progress: Callable | None = None
) -> tuple[int, int]:
    """Build the keys of every person (or of people without any) in bulk.

    People inserted by raw SQL (the synthetic history) have no keys until this runs.
    A full rebuild drops the key table's indexes while it loads and builds each once at
    the end, several times faster than updating them row by row; on PostgreSQL intake
    matching waits for the rebuild's transaction meanwhile. When many people lack keys
    (`FULL_REBUILD_AT`), `only_missing` rebuilds everything: that is faster.
    Returns (people indexed, keys written); `progress(done, total, keys)` after each batch.
    """
    people = Person.objects.order_by("pk")
    missing = people.filter(~Exists(PersonKey.objects.filter(person=OuterRef("pk"))))
    if only_missing and missing.count() <= FULL_REBUILD_AT:
        people, full = missing, False
    else:
        full = True
    total, done, written = people.count(), 0, 0
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    # Every key row is derived from a person read in the same transaction, so checking
    # its foreign keys row by row would only slow SQLite down (it also stops SQLite's
    # fast table truncation). Outside a transaction only: SQLite ignores it inside one.
    with connection.constraint_checks_disabled(), transaction.atomic():
        restore = _unindex_for_load() if full else []
        if full:
            _truncate_keys()
        for chunk in _person_batches(people, batch):
            rows = _key_rows(chunk, now=now)
            _insert_keys(rows)
            done, written = done + len(chunk), written + len(rows)
            if progress:
                progress(done, total, written)
        _reindex(restore)
    return done, written


def _person_batches(people, batch: int):
    """Pages of INDEX_FIELDS tuples by primary key, read with a bare cursor (the ORM
    builds the SQL; rows skip model and converter overhead)."""
    last = 0
    with connection.cursor() as cursor:
        while True:
            page = people.filter(pk__gt=last).values_list(*INDEX_FIELDS)[:batch]
            cursor.execute(*page.query.sql_with_params())
            if not (chunk := cursor.fetchall()):
                return
            yield chunk
            last = chunk[-1][0]


def _key_rows(people: list[tuple], *, now) -> list[tuple]:
    """PersonKey rows (KEY_COLUMNS order) for (pk, agency, given, family, dob, phone,
    address) tuples."""
    found = keys.bulk_keys([p[2:] for p in people])
    return [(now, now, people[i][1], people[i][0], kind, value) for i, kind, value in found]


def _insert_keys(rows: list[tuple]) -> None:
    table = connection.ops.quote_name(PersonKey._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in KEY_COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join(["%s"] * len(KEY_COLUMNS))
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)  # noqa: S608


def _truncate_keys() -> None:
    table = connection.ops.quote_name(PersonKey._meta.db_table)
    verb = "TRUNCATE" if connection.vendor == "postgresql" else "DELETE FROM"
    with connection.cursor() as cursor:
        cursor.execute(f"{verb} {table}")


def _unindex_for_load() -> list[str]:
    """Drop the key table's plain indexes, and on PostgreSQL its foreign keys (deferred,
    they would queue one trigger event per row); return the SQL that restores them.

    PersonKey declares only plain column indexes (its own and its foreign keys'), so
    creating them again by name and columns loses nothing.
    """
    quote = connection.ops.quote_name
    table = quote(PersonKey._meta.db_table)
    indexes, foreign_keys = [], []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # ALTER TABLE refuses pending deferred checks
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        found = connection.introspection.get_constraints(cursor, PersonKey._meta.db_table)
        for name, info in found.items():
            columns = ", ".join(map(quote, info["columns"]))
            if info["foreign_key"] and connection.vendor == "postgresql":
                cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {quote(name)}")
                target, column = map(quote, info["foreign_key"])
                foreign_keys.append(
                    f"ALTER TABLE {table} ADD CONSTRAINT {quote(name)} FOREIGN KEY ({columns}) "
                    f"REFERENCES {target} ({column}) DEFERRABLE INITIALLY DEFERRED"
                )
            elif info["index"] and not info["unique"] and not info["primary_key"]:
                cursor.execute(f"DROP INDEX {quote(name)}")
                indexes.append(f"CREATE INDEX {quote(name)} ON {table} ({columns})")
    return indexes + foreign_keys


def _reindex(statements: list[str]) -> None:
    """Restore what `_unindex_for_load` dropped, then fresh planner statistics."""
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
        if statements:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(PersonKey._meta.db_table)}")
        if statements and connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # as they were declared
