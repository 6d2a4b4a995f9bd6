"""The data-quality report of one file, per source and per month, from the `rows` table.

Counts and row numbers only: examples name rows, fields, codes and times, never a
narrative. Every rejected row is counted here and listed separately (`RejectedRow`).
"""

from typing import Any

from tandem.imports.profile import CODED_FIELDS, Profile
from tandem.imports.transform import CHECKS, q

EXAMPLES = 5
BOOKING_LABELS = {
    "duplicate_key": "Booking number given twice",
    "duplicate_content": "Same content as another row under another booking number",
}


def _all(con, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def build_report(con, profile: Profile, malformed: list[tuple[int, str]], blank: int) -> dict:
    """The report of a checked file: tables `rows` and `issues` (see `transform`)."""
    given = profile.fields.given()
    base = report_counts(con, profile, malformed, blank)
    return {
        **{k: base[k] for k in ("source", "label", "kind", "rows")},
        "bh": _bh(con),
        "checks": base["checks"],
        "months": base["months"],
        "unmapped": _unmapped(con, given, CODED_FIELDS),
        "variants": _variants(con, given, CODED_FIELDS),
        "empty": _empty(con, given),
    }


def build_booking_report(con, profile, malformed: list[tuple[int, str]], blank: int) -> dict:
    """The report of a jail's bookings file: tables `rows` and `issues` (see `bookings`)."""
    given = profile.fields.given()
    base = report_counts(con, profile, malformed, blank, flag=None)
    for check in base["checks"]:  # a booking's key is its booking number
        check["label"] = BOOKING_LABELS.get(check["code"], check["label"])
    coded = ("charge_level", "smi_screen", "smi_assessment", "jurisdiction")
    return {
        **{k: base[k] for k in ("source", "label", "kind", "rows")},
        "bookings": _booking_summary(con),
        "checks": base["checks"],
        "months": base["months"],
        "unmapped": _unmapped(con, given, coded),
        "variants": _variants(con, given, coded),
        "empty": _empty(con, given),
    }


def _booking_summary(con) -> dict[str, int | str]:
    """What the Stepping Up measures will count from this file (accepted rows only).

    The counts of people with serious mental illness are clinical: below the small-cell
    threshold the report keeps only "fewer than 11", as the dashboards show them.
    """
    from tandem.metrics.selectors import SMALL_CELL  # the dashboards' threshold

    names = ("bookings", "people", "released", "smi_bookings", "smi_people", "smi_connected")
    values = _all(
        con,
        "SELECT count(*), count(DISTINCT person), "
        "count(*) FILTER (release_ok AND released_at IS NOT NULL), count(*) FILTER (smi), "
        "count(DISTINCT person) FILTER (smi), "
        "count(*) FILTER (smi AND treatment_ok AND treatment_connected_on IS NOT NULL) "
        "FROM rows WHERE NOT rejected",
    )[0]
    summary: dict[str, int | str] = {}
    for name, value in zip(names, values, strict=True):
        small = name.startswith("smi_") and 0 < value < SMALL_CELL
        summary[name] = f"fewer than {SMALL_CELL}" if small else int(value)
    return summary


def report_counts(
    con, profile, malformed: list[tuple[int, str]], blank: int, *, flag: str | None = "bh"
) -> dict[str, Any]:
    """Rows read, rejected and flagged; every check; per month, with the count of
    accepted rows with `flag` (BH calls) if given. Any kind of import."""
    con.execute(
        "CREATE OR REPLACE TEMP VIEW flagged AS SELECT DISTINCT i._row FROM issues i "
        "JOIN rows r USING (_row) WHERE NOT r.rejected"
    )
    totals = _all(
        con, "SELECT count(*), count(*) FILTER (rejected), (SELECT count(*) FROM flagged) FROM rows"
    )[0]
    read, rejected, flagged = (int(v) for v in totals)
    return {
        "source": profile.source,
        "label": profile.label,
        "kind": profile.kind,
        "rows": {
            "read": read + len(malformed),
            "rejected": rejected + len(malformed),
            "imported": read - rejected,
            "flagged": flagged,
            "blank_skipped": blank,
        },
        "checks": _checks(con, malformed),
        "months": _months(con, len(malformed), flag),
    }


def _bh(con) -> dict:
    """BH calls among the imported rows, and how many for each kind of reason (a call
    may have several)."""
    keywords = [c[0] for c in _all(con, "DESCRIBE rows") if c[0].startswith("kw_")]
    reasons = {
        "import-call-type": "ct_bh",
        "import-final-type": "ft_bh",
        "import-narrative": " OR ".join(keywords) or "false",
    }
    counts = _all(
        con,
        "SELECT count(*) FILTER (bh), "  # noqa: S608
        + ", ".join(f"count(*) FILTER ({condition})" for condition in reasons.values())
        + " FROM rows WHERE NOT rejected",
    )[0]
    by_reason = {k: int(n) for k, n in zip(reasons, counts[1:], strict=True) if n}
    return {"calls": int(counts[0]), "by_reason": by_reason}


def _checks(con, malformed: list[tuple[int, str]]) -> list[dict]:
    rows = _all(
        con,
        # Problems with clinical data are counted, never listed by row.
        "SELECT code, field, count(*), count(*) FILTER (reject), "  # noqa: S608
        f"(list(_row ORDER BY _row) FILTER (NOT private))[1:{EXAMPLES}], "
        f"(list(message ORDER BY _row) FILTER (NOT private))[1:{EXAMPLES}] "
        "FROM issues GROUP BY 1, 2",
    )
    found = [
        {
            "code": code,
            "label": CHECKS[code],
            "field": field,
            "rows": int(n),
            "rejected": int(rej),
            "examples": [
                {"row": int(r), "message": m} for r, m in zip(ex or [], msgs or [], strict=True)
            ],
        }
        for code, field, n, rej, ex, msgs in rows
    ]
    if malformed:
        found.append(
            {
                "code": "malformed",
                "label": CHECKS["malformed"],
                "field": "",
                "rows": len(malformed),
                "rejected": len(malformed),
                "examples": [{"row": line, "message": m} for line, m in malformed[:EXAMPLES]],
            }
        )
    order = list(CHECKS)
    return sorted(found, key=lambda c: (order.index(c["code"]), c["field"]))


def _months(con, malformed: int, flag: str | None) -> list[dict]:
    marked = f"count(*) FILTER (NOT rejected AND {flag})" if flag else "0"
    # Problems with clinical values count in the totals only, not per month (a month
    # may hold one person): neither as a warning nor as a problem found.
    rows = _all(
        con,
        "SELECT month, count(*), count(*) FILTER (rejected), "  # noqa: S608
        "count(*) FILTER (NOT rejected AND _row IN "
        "(SELECT _row FROM issues WHERE NOT private)), "
        f"{marked} FROM rows GROUP BY 1 ORDER BY 1",
    )
    by_check = _all(
        con,
        "SELECT r.month, i.code, count(DISTINCT i._row) FROM issues i JOIN rows r USING (_row) "
        "WHERE NOT i.private GROUP BY 1, 2",
    )
    checks: dict[str, dict[str, int]] = {}
    for month, code, n in by_check:
        checks.setdefault(month, {})[code] = int(n)
    months = [
        {
            "month": month,
            "rows": int(n),
            "rejected": int(rej),
            "flagged": int(warned),
            "imported": int(n) - int(rej),
            **({flag: int(flagged)} if flag else {}),
            "checks": checks.get(month, {}),
        }
        for month, n, rej, warned, flagged in rows
    ]
    if malformed:  # the parser could not read a date out of these
        months.append(
            {
                "month": "unreadable",
                "rows": malformed,
                "rejected": malformed,
                "flagged": 0,
                "imported": 0,
                **({flag: 0} if flag else {}),
                "checks": {"malformed": malformed},
            }
        )
    return months


def _unmapped(con, given: dict, coded: tuple[str, ...]) -> list[dict]:
    out = []
    for name in coded:
        if name not in given or given[name].column is None:
            continue
        rows = _all(
            con,
            f"SELECT trim({name}_raw), count(*) FROM rows "  # noqa: S608
            f"WHERE {name}_raw IS NOT NULL AND {name}_code IS NULL GROUP BY 1 ORDER BY 2 DESC, 1",
        )
        out += [{"field": name, "value": v, "rows": int(n)} for v, n in rows]
    return out


def _variants(con, given: dict, coded: tuple[str, ...]) -> list[dict]:
    """Values of one field that differ only in case, spaces or punctuation."""
    out = []
    for name in coded:
        if name not in given or given[name].column is None:
            continue
        # The key is a function of the value: made once per distinct spelling.
        rows = _all(
            con,
            f"""
            SELECT k, list({{'value': v, 'rows': n, 'code': c}} ORDER BY n DESC, v)
            FROM (
              SELECT regexp_replace(upper(v), '[^A-Z0-9]', '', 'g') AS k, v, n, c
              FROM (SELECT trim({name}_raw) AS v, count(*) AS n, any_value({name}_code) AS c
                    FROM rows WHERE {name}_raw IS NOT NULL GROUP BY 1)
            )
            GROUP BY k HAVING count(*) > 1 ORDER BY k
            """,  # noqa: S608
        )
        for key_value, spellings in rows:
            out.append(
                {
                    "field": name,
                    "key": key_value,
                    "spellings": [
                        {"value": s["value"], "rows": int(s["rows"]), "code": s["code"]}
                        for s in spellings
                    ],
                }
            )
    return out


def _empty(con, given: dict) -> list[dict]:
    """How often each mapped column was empty (the field's completeness)."""
    names = [n for n, spec in given.items() if getattr(spec, "value", None) is None]
    if not names:
        return []
    counts = _all(
        con,
        "SELECT count(*), "  # noqa: S608
        + ", ".join(f"count(*) FILTER ({q(n + '_raw')} IS NULL)" for n in names)
        + " FROM rows",
    )[0]
    total = int(counts[0]) or 1
    return [
        {"field": n, "rows": int(c), "percent": round(100 * int(c) / total, 1)}
        for n, c in zip(names, counts[1:], strict=True)
        if c
    ]
