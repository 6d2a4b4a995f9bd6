"""Synthetic history: months of calls, responses, encounters, referrals and follow-ups.

The generator is a system service that writes synthetic, fictional data for demos,
training, analytics and load tests. It writes the sensitive tables (encounters,
referrals, follow-ups) with bulk SQL rather than through their per-record services, so
no audit events are written: no real person's data is read or changed. Every row it
writes hangs off a call whose number matches `GENERATED_NUMBER_RE`, which is how a
second run finds and (with `replace=True`) removes the first.

It uses whatever region is in the database (jurisdictions, teams, shifts, coverage,
call-type and disposition codes, directory services). The same seed, end date and
region always give identical rows.
"""

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
from django.db import connection, models, transaction
from django.utils import timezone

from tandem.demo.history_outcomes import DISPOSITION_CODES, sample_referrals, sample_responses
from tandem.demo.history_region import region_load
from tandem.demo.history_sample import EPOCH, sample_calls, sample_people
from tandem.demo.history_sql import Progress, delete_where, insert_tables, max_id
from tandem.demo.history_tables import (
    GENERATED_NUMBER_RE,
    Bases,
    assignment_table,
    call_table,
    encounter_people,
    encounter_table,
    person_tables,
    provider_records,
    referral_tables,
)
from tandem.dispatch.models import Assignment, Call
from tandem.encounters.models import Encounter
from tandem.followups.models import FollowUp
from tandem.imports.models import JailBooking
from tandem.people.models import Person, PersonIdentifier, PersonKey, PersonLink
from tandem.privacy.models import Consent
from tandem.referrals.models import Referral, ReferralEvent

__all__ = [
    "GENERATED_NUMBER_RE",
    "HistoryExists",
    "history_delete",
    "history_exists",
    "history_generate",
]

DEFAULT_CALLS_PER_DAY = 30.0


class HistoryExists(RuntimeError):
    """Generated history is already present and `replace` was not asked for."""


def history_exists() -> bool:
    return _generated_calls().exists()


def history_generate(
    *,
    months: int,
    seed: int,
    end: dt.date | None = None,
    calls_per_day: float = DEFAULT_CALLS_PER_DAY,
    calls: int | None = None,
    replace: bool = False,
    actor: Any = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Write `months` of history ending at local midnight of `end` (default: today).

    `calls_per_day` is the region-wide volume, split by jurisdiction population;
    `calls` fixes the total instead. Returns counts and the calibrated rates.
    """
    if months < 1:
        raise ValueError("months must be at least 1")
    end = end or timezone.localdate()
    start = _months_before(end, months)
    days = (end - start).days
    total = int(calls if calls is not None else round(calls_per_day * days))
    if total < 1:
        raise ValueError("nothing to generate: calls per day must be above zero")
    tz = timezone.get_default_timezone()
    end_ts = int(dt.datetime.combine(end, dt.time(), tzinfo=tz).timestamp())
    actor_id = getattr(actor, "pk", None)

    with _bulk_load() as check_foreign_keys, transaction.atomic():
        replaced = history_exists()
        if replaced:
            if not replace:
                raise HistoryExists("generated history exists; pass replace to regenerate")
            history_delete()
        region = region_load()
        rng = np.random.default_rng(seed)
        drawn = sample_calls(rng, region, n=total, start=start, days=days, tz=tz)
        people = sample_people(rng, region, drawn, end_day=(end - EPOCH).days)
        resp = sample_responses(rng, region, drawn)
        refs = sample_referrals(rng, region, drawn, people, resp, end=end_ts)
        b = _bases()
        prov = provider_records(region, drawn, people, resp)
        person_row = encounter_people(region, drawn, people, resp, prov)
        person, identifier = person_tables(rng, region, drawn, people, resp, prov, b, actor_id)
        referral, followup = referral_tables(rng, region, person_row, resp, refs, b, actor_id)
        tables = [
            person,
            identifier,
            call_table(region, drawn, resp, b, actor_id),
            assignment_table(region, drawn, resp, b, actor_id),
            encounter_table(rng, region, drawn, resp, person_row, b, actor_id),
            referral,
            followup,
        ]
        insert_tables(tables, progress)
        if check_foreign_keys:
            # A deletion may have touched rows other tables point at: check them all.
            names = None if replaced else [t.model._meta.db_table for t in tables]
            connection.check_constraints(table_names=names)

    bh = drawn.behavioral_health
    return {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "seed": seed,
        "calls": drawn.n,
        "behavioral_health_calls": int(bh.sum()),
        "assignments": resp.n,
        "encounters": resp.n,
        "people": people.n,
        "provider_person_records": prov.n,
        "person_identifiers": identifier.rows,
        "referrals": refs.n,
        "followups": refs.n,
        "clinician_assessed_share_of_bh_calls": _share(
            (resp.assessed & bh[resp.call]).sum(), bh.sum()
        ),
        "arrest_share_of_encounters": _share(
            (resp.disposition == DISPOSITION_CODES.index("arrest")).sum(), resp.n
        ),
    }


def history_delete() -> dict[str, int]:
    """Remove every generated call and the rows that hang off it (people included).

    Generated people are the calls' subjects and the clinics' own records of them (which
    only encounters point at), gathered first into a temporary table because the rows
    that find them are deleted before the people can be.
    """
    calls = _subquery(_generated_calls().values("id"))
    subjects = _generated_calls().exclude(subject=None).values("subject_id").order_by()
    treated = (
        Encounter._base_manager.filter(call__in=_generated_calls())
        .exclude(person=None)
        .values("person_id")
        .order_by()
    )
    generated_people = _subquery(subjects.union(treated))
    encounters = _subquery(Encounter._base_manager.filter(call__in=_generated_calls()).values("id"))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {_PEOPLE_TABLE}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {_PEOPLE_TABLE} AS {generated_people[0]}",
            generated_people[1],
        )
        people = f"SELECT subject_id FROM {_PEOPLE_TABLE}"  # noqa: S608 (a constant)
        deleted = {}
        by_person_or_encounter = (
            f"person_id IN ({people}) OR encounter_id IN ({encounters[0]})",
            encounters[1],
        )
        deleted["followups"] = delete_where(FollowUp, *by_person_or_encounter)
        deleted["referral_events"] = delete_where(
            ReferralEvent,
            # Status events of those referrals (made when a demo user updates one).
            f"referral_id IN (SELECT id FROM {Referral._meta.db_table} WHERE "  # noqa: S608
            f"{by_person_or_encounter[0]})",
            by_person_or_encounter[1],
        )
        deleted["referrals"] = delete_where(Referral, *by_person_or_encounter)
        deleted["encounters"] = delete_where(Encounter, f"call_id IN ({calls[0]})", calls[1])
        deleted["assignments"] = delete_where(Assignment, f"call_id IN ({calls[0]})", calls[1])
        consents = f"SELECT id FROM {Consent._meta.db_table} WHERE person_id IN ({people})"  # noqa: S608
        delete_where(Consent.recipients.through, f"consent_id IN ({consents})")
        deleted["consents"] = delete_where(Consent, f"person_id IN ({people})")
        deleted["person_identifiers"] = delete_where(PersonIdentifier, f"person_id IN ({people})")
        deleted["person_keys"] = delete_where(PersonKey, f"person_id IN ({people})")
        deleted["person_links"] = delete_where(
            PersonLink, f"person_a_id IN ({people}) OR person_b_id IN ({people})"
        )
        # The jail's bookings of those people (`tandem demo` imports them) are the jail's
        # records: they stay, unlinked, as their foreign key's SET_NULL says.
        cursor.execute(
            f"UPDATE {JailBooking._meta.db_table} SET person_id = NULL "  # noqa: S608
            f"WHERE person_id IN ({people})"
        )
        deleted["calls"] = delete_where(Call, f"id IN ({calls[0]})", calls[1])
        deleted["people"] = delete_where(Person, f"id IN ({people})")
        cursor.execute(f"DROP TABLE {_PEOPLE_TABLE}")
    return deleted


_PEOPLE_TABLE = "tandem_generated_people"


def _generated_calls() -> models.QuerySet:
    return Call._base_manager.filter(number__regex=GENERATED_NUMBER_RE)


def _subquery(queryset: models.QuerySet) -> tuple[str, tuple]:
    sql, params = queryset.query.sql_with_params()
    return sql, tuple(params)


def _bases() -> Bases:
    return Bases(
        call=max_id(Call),
        assignment=max_id(Assignment),
        encounter=max_id(Encounter),
        person=max_id(Person),
        identifier=max_id(PersonIdentifier),
        referral=max_id(Referral),
        followup=max_id(FollowUp),
    )


def _months_before(end: dt.date, months: int) -> dt.date:
    month_index = end.year * 12 + end.month - 1 - months
    year, month = divmod(month_index, 12)
    for day in (end.day, 30, 29, 28):  # 31 March minus one month is 28/29 February
        try:
            return dt.date(year, month + 1, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _share(part, whole) -> float:
    return round(float(part) / float(whole), 4) if whole else 0.0


@contextmanager
def _bulk_load() -> Iterator[bool]:
    """SQLite settings for a bulk load; yields whether foreign keys must be checked after.

    A larger page cache keeps index pages in memory. Foreign keys are checked once at
    the end (as Django's loaddata does) rather than row by row, which saves a sixth of
    the time; SQLite can switch them off only outside a transaction, so inside one
    (as in tests) they stay on and are checked as usual.
    """
    if connection.vendor != "sqlite":
        yield False
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        previous = cursor.fetchone()[0]
        cursor.execute("PRAGMA cache_size = -262144")  # 256 MiB
    checks_off = connection.disable_constraint_checking()
    try:
        yield checks_off
    finally:
        if checks_off:
            connection.enable_constraint_checking()
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(previous)}")
