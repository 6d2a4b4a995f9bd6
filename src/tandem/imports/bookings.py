"""Jail bookings: a jail's export checked in DuckDB and stored as `JailBooking` rows.

Stepping Up's four key measures count people booked into jail who have a serious
mental illness (SMI), their length of stay, their connection to treatment and their
return to jail. A jail's management system exports one row per booking; a profile of
`kind: jail_bookings` maps its columns (`profile.BookingProfile`).

The person. The jail's number for the person is read only to make `person_key`, a keyed
hash (HMAC-SHA256 under the deployment's secret key) of the jail and that number: the
same person gets the same key in every import, so return to jail can be counted, and
the number itself is never stored or shown. When the number is one of a program
person's identifiers (system `jms`, held by the jail), the booking is linked to them.
Changing the secret key changes every later key: import the jail's history again then.

The checks (besides those every import makes: empty, unreadable, future or pre-1990
times, unmapped codes, repeated booking numbers and repeated content):

- no booking time, no booking number or no person number: the row is rejected;
- released before booked, or connected to treatment before the booking date: the row
  is kept with that date left empty, and a warning;
- assessed as SMI without a positive screening recorded, or screened positive with no
  assessment (not counted as SMI): counted, never listed by row, since they are
  clinical facts about the row's person.

Tables built here, as `transform` does for calls: `rows`, `issues`.
"""

import duckdb
from django.db import connection
from django.utils.crypto import salted_hmac

from tandem.agencies.models import Agency
from tandem.imports import bulk
from tandem.imports.bulk import Rows, db_time
from tandem.imports.codes import ProgramCodes
from tandem.imports.models import JailBooking, SmiAssessment, SmiScreen
from tandem.imports.profile import BookingProfile
from tandem.imports.reader import Read
from tandem.imports.transform import (
    Check,
    coded_columns,
    content_hash,
    duplicate_checks,
    duplicate_tables,
    issues_create,
    lit,
    time_checks,
    time_columns,
    unmapped_check,
)
from tandem.imports.writer import Meter, Progress, Written, register
from tandem.people.models import PersonIdentifier

TIMES = ("booked_at", "released_at", "treatment_connected_on")
CODED = ("charge_level", "smi_screen", "smi_assessment", "jurisdiction")
CLINICAL_FIELDS = ("smi_screen", "smi_assessment", "treatment_connected_on")
# Raw values a rejected row may show: the booking's times, nothing clinical or CJI.
LISTABLE = ("booked_at", "released_at")
MAX_NUMBER = 40  # JailBooking.booking_number
PERSON_SYSTEM = "jms"  # PersonIdentifier.system of a jail management system's number
HMAC_SALT = "tandem.imports.jail-person"


def person_key(agency_code: str, number: str) -> str:
    """The pseudonym of a jail's number for a person (see the module's docstring)."""
    return salted_hmac(HMAC_SALT, f"{agency_code}:{number}", algorithm="sha256").hexdigest()


def build_booking_rows(
    con: duckdb.DuckDBPyConnection, profile: BookingProfile, codes: ProgramCodes, read: Read
) -> None:
    con.execute("SET TimeZone = 'UTC'")
    given = profile.fields.given()
    required = {"booked_at", *profile.required}
    select = [
        "r._row",
        f"nullif(trim(r.{_q(profile.key)}), '') AS key",
        f"nullif(trim(r.{_q(profile.person)}), '') AS person",
    ]
    joins: list[str] = []
    checks = [
        Check("key IS NULL", "missing", "key", lit("booking number is empty"), True),
        Check(
            f"length(key) > {MAX_NUMBER}",
            "invalid",
            "key",
            f"'booking number ''' || left(key, 50) || ''' is longer than {MAX_NUMBER} characters'",
            True,
        ),
        Check("person IS NULL", "missing", "person", lit("person number is empty"), True),
        *duplicate_checks("booking number"),
    ]
    for name in TIMES:
        if name in given:
            columns, formats = time_columns(name, given[name], typed_cells=read.typed_cells)
            select += columns
            clinical = name in CLINICAL_FIELDS  # a date only: no midnight check
            checks += time_checks(
                name, formats, required=name in required, midnight=not clinical, private=clinical
            )
        else:
            select += [f"NULL::VARCHAR AS {name}_raw", f"NULL::TIMESTAMP AS {name}_local"]
    for name in CODED:
        if name in given:
            columns, join = coded_columns(con, name, given[name], codes.known(name))
            select += columns
            joins += join
            if given[name].value is None:
                if name in required:
                    message = lit(f"{name} is empty")
                    checks.append(Check(f"{name}_raw IS NULL", "missing", name, message, True))
                checks.append(unmapped_check(name, given[name], private=name in CLINICAL_FIELDS))
        else:
            select += [f"NULL::VARCHAR AS {name}_raw", f"NULL::VARCHAR AS {name}_code"]
    content = content_hash(read, profile.key)
    select.append(content)
    duplicate_tables(con, f"nullif(trim(r.{_q(profile.key)}), '')", content)
    parsed = f"SELECT {', '.join(select)} FROM raw r {' '.join(joins)}"  # noqa: S608
    tz = lit(profile.timezone)
    con.execute(
        f"""
        CREATE TABLE rows AS
        SELECT p.*, {", ".join(f"timezone({tz}, {n}_local) AS {n}" for n in TIMES)},
          coalesce(strftime(booked_at_local, '%Y-%m'), 'unknown') AS month,
          k.key_count, k.key_first, c.content_first, c.content_keys,
          (released_at_local >= booked_at_local) IS NOT false AS release_ok,
          (CAST(treatment_connected_on_local AS DATE) >= CAST(booked_at_local AS DATE))
            IS NOT false AS treatment_ok,
          coalesce(smi_assessment_code = {lit(SmiAssessment.SMI)}, false) AS smi,
          false AS rejected
        FROM ({parsed}) p
        LEFT JOIN keys k ON k.key = p.key
        LEFT JOIN contents c ON c._content = p._content
        """  # noqa: S608
    )
    checks += [
        Check(
            "NOT release_ok",
            "order",
            "released_at",
            "'released before booked (' || left(released_at_raw, 40) || '): release time left "
            "empty'",
        ),
        Check(
            "NOT treatment_ok",
            "order",
            "treatment_connected_on",
            lit("connected to treatment before the booking date: the date is left empty"),
            private=True,
        ),
        Check(
            f"smi AND smi_screen_code IS DISTINCT FROM {lit(SmiScreen.POSITIVE)}",
            "inconsistent",
            "smi_assessment",
            lit("assessed as SMI without a positive screening recorded (counted as SMI)"),
            private=True,
        ),
        Check(
            f"smi_screen_code = {lit(SmiScreen.POSITIVE)} AND smi_assessment_code IS NULL",
            "missing",
            "smi_assessment",
            lit("screened positive with no clinical assessment recorded (not counted as SMI)"),
            private=True,
        ),
    ]
    issues_create(con, checks, "rows")


def resolve_people(con, profile: BookingProfile) -> None:
    """Table `people(person, person_key, person_id)` for the file's person numbers."""
    numbers = [
        n for (n,) in con.execute("SELECT DISTINCT person FROM rows WHERE NOT rejected").fetchall()
    ]
    agency = Agency.objects.get(code=profile.agency)
    known = dict(
        PersonIdentifier.objects.filter(owning_agency=agency, system=PERSON_SYSTEM).values_list(
            "value", "person_id"
        )
    )
    register(
        con,
        "people",
        {
            "person": numbers,
            "person_key": [person_key(agency.code, n) for n in numbers],
            "person_id": [known.get(n) for n in numbers],
        },
        {"person": "VARCHAR", "person_key": "VARCHAR", "person_id": "BIGINT"},
    )


def resolve_existing(con, profile: BookingProfile) -> None:
    """Table `existing(source_key, id)`: bookings this source imported before."""
    prefix = f"import:{profile.source}:"
    pairs = list(
        JailBooking.objects.filter(
            source_key__gte=prefix, source_key__lt=prefix[:-1] + ";"
        ).values_list("source_key", "id")
    )
    register(
        con,
        "existing",
        {"source_key": [p[0] for p in pairs], "id": [p[1] for p in pairs]},
        {"source_key": "VARCHAR", "id": "BIGINT"},
    )


def write_bookings(
    con, *, profile: BookingProfile, run_id: int, owner_id: int, actor_id, progress: Progress
) -> Written:
    """Every accepted booking, new or updated, then each person's prior booking."""
    resolve_people(con, profile)
    base = bulk.max_id(JailBooking)
    prefix = lit(f"import:{profile.source}:")
    con.execute(
        f"""
        CREATE TABLE accepted AS
        SELECT *, CASE WHEN existing_id IS NULL THEN {base} + sum(
            CASE WHEN existing_id IS NULL THEN 1 ELSE 0 END) OVER (ORDER BY _row
            ROWS UNBOUNDED PRECEDING) ELSE existing_id END AS booking_id
        FROM (
          SELECT r._row, {prefix} || r.key AS source_key, e.id AS existing_id,
            p.person_key, p.person_id
          FROM rows r JOIN people p USING (person)
          LEFT JOIN existing e ON e.source_key = {prefix} || r.key
          WHERE NOT r.rejected
        )
        """  # noqa: S608
    )
    warnings = (
        "(SELECT _row, to_json(list(message ORDER BY ord))::VARCHAR AS warnings FROM issues "
        "WHERE NOT private GROUP BY _row)"
    )
    con.execute(
        f"""
        CREATE VIEW bookings AS
        SELECT r.*, a.booking_id, a.source_key, a.person_key, a.person_id,
          a.existing_id IS NULL AS _new, coalesce(w.warnings, '[]') AS warnings
        FROM accepted a JOIN rows r USING (_row) LEFT JOIN {warnings} w USING (_row)
        """  # noqa: S608
    )
    columns = {
        "id": "booking_id",
        "source_key": "source_key",
        "booking_number": "key",
        "person_key": "person_key",
        "person_id": "person_id",
        "booked_at": db_time("booked_at"),
        "released_at": f"CASE WHEN release_ok THEN {db_time('released_at')} END",
        "jurisdiction_id": "try_cast(jurisdiction_code AS BIGINT)",
        "charge_level": "coalesce(charge_level_code, '')",
        "smi_screen": "coalesce(smi_screen_code, '')",
        "smi_assessment": "coalesce(smi_assessment_code, '')",
        "treatment_connected_on": "CASE WHEN treatment_ok THEN "
        "strftime(treatment_connected_on_local, '%Y-%m-%d') END",
        "row": "_row",
        "warnings": "warnings",
    }
    now = bulk.db_now()
    common = {"owning_agency_id": owner_id, "updated_at": now, "updated_by_id": actor_id}
    meter = Meter(con.execute("SELECT count(*) FROM accepted").fetchone()[0], progress)
    step = meter.step(JailBooking._meta.label)
    written = Written()
    new = Rows(JailBooking, "FROM bookings WHERE _new", columns,
               {**common, "created_at": now, "created_by_id": actor_id, "run_id": run_id},
               order="booking_id")  # fmt: skip
    old = Rows(JailBooking, "FROM bookings WHERE NOT _new", columns, {**common, "run_id": run_id})
    written.created = bulk.insert(con, new, step, meter.chunk)
    written.updated = bulk.update(con, old, step, meter.chunk)
    link_prior_bookings(owner_id)
    return written


def link_prior_bookings(agency_id: int) -> None:
    """Each booking of the jail points at the same person's booking before it (by
    booking time, then id), whichever import brought either."""
    table = connection.ops.quote_name(JailBooking._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {table} SET prior_booking_id = p.prior
            FROM (SELECT id, LAG(id) OVER (PARTITION BY person_key ORDER BY booked_at, id)
                    AS prior
                  FROM {table} WHERE owning_agency_id = %s) p
            WHERE {table}.id = p.id
            """,  # noqa: S608
            [agency_id],
        )


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
