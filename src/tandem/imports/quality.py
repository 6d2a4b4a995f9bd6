"""The data-quality report of one file, per source and per month, from the `rows` table.

Counts and row numbers only: examples name rows, fields, codes and times, never a
narrative. Every rejected row is counted here and listed separately (`RejectedRow`).
"""

from typing import Any

from tandem.imports.profile import CODED_FIELDS, Profile
from tandem.imports.transform import CHECKS, q

EXAMPLES = 5


def _all(con, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def build_report(con, profile: Profile, malformed: list[tuple[int, str]], blank: int) -> dict:
    given = profile.fields.given()
    totals = _all(
        con,
        "SELECT count(*), count(*) FILTER (rejected), "
        "count(*) FILTER (NOT rejected AND len(issues) > 0), "
        "count(*) FILTER (NOT rejected AND len(bh_rules) > 0) FROM rows",
    )[0]
    read, rejected, flagged, bh = (int(v) for v in totals)
    report: dict[str, Any] = {
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
        "bh": _bh(con, bh),
        "checks": _checks(con, malformed),
        "months": _months(con, len(malformed)),
        "unmapped": _unmapped(con, given),
        "variants": _variants(con, given),
        "empty": _empty(con, given),
    }
    return report


def _bh(con, total: int) -> dict:
    rows = _all(
        con,
        "SELECT r.rule_id, count(DISTINCT _row) FROM "
        "(SELECT _row, unnest(bh_rules) AS r FROM rows WHERE NOT rejected) GROUP BY 1 ORDER BY 1",
    )
    return {"calls": total, "by_reason": {k: int(v) for k, v in rows}}


def _checks(con, malformed: list[tuple[int, str]]) -> list[dict]:
    rows = _all(
        con,
        "SELECT i.code, i.field, count(*), count(*) FILTER (i.reject), "  # noqa: S608
        f"list(_row ORDER BY _row)[1:{EXAMPLES}], list(i.message ORDER BY _row)[1:{EXAMPLES}] "
        "FROM (SELECT _row, unnest(issues) AS i FROM rows) GROUP BY 1, 2",
    )
    found = [
        {
            "code": code,
            "label": CHECKS[code],
            "field": field,
            "rows": int(n),
            "rejected": int(rej),
            "examples": [{"row": int(r), "message": m} for r, m in zip(ex, msgs, strict=True)],
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


def _months(con, malformed: int) -> list[dict]:
    rows = _all(
        con,
        "SELECT month, count(*), count(*) FILTER (rejected), "
        "count(*) FILTER (NOT rejected AND len(issues) > 0), "
        "count(*) FILTER (NOT rejected AND len(bh_rules) > 0) FROM rows GROUP BY 1 ORDER BY 1",
    )
    by_check = _all(
        con,
        "SELECT month, i.code, count(DISTINCT _row) FROM "
        "(SELECT month, _row, unnest(issues) AS i FROM rows) GROUP BY 1, 2",
    )
    checks: dict[str, dict[str, int]] = {}
    for month, code, n in by_check:
        checks.setdefault(month, {})[code] = int(n)
    months = [
        {
            "month": month,
            "rows": int(n),
            "rejected": int(rej),
            "flagged": int(flag),
            "imported": int(n) - int(rej),
            "bh": int(bh),
            "checks": checks.get(month, {}),
        }
        for month, n, rej, flag, bh in rows
    ]
    if malformed:  # the parser could not read a date out of these
        months.append(
            {
                "month": "unreadable",
                "rows": malformed,
                "rejected": malformed,
                "flagged": 0,
                "imported": 0,
                "bh": 0,
                "checks": {"malformed": malformed},
            }
        )
    return months


def _unmapped(con, given: dict) -> list[dict]:
    out = []
    for name in CODED_FIELDS:
        if name not in given or given[name].column is None:
            continue
        rows = _all(
            con,
            f"SELECT trim({name}_raw), count(*) FROM rows "  # noqa: S608
            f"WHERE {name}_raw IS NOT NULL AND {name}_code IS NULL GROUP BY 1 ORDER BY 2 DESC, 1",
        )
        out += [{"field": name, "value": v, "rows": int(n)} for v, n in rows]
    return out


def _variants(con, given: dict) -> list[dict]:
    """Values of one field that differ only in case, spaces or punctuation."""
    out = []
    for name in CODED_FIELDS:
        if name not in given or given[name].column is None:
            continue
        key = f"regexp_replace(upper({name}_raw), '[^A-Z0-9]', '', 'g')"
        rows = _all(
            con,
            f"""
            SELECT k, list({{'value': v, 'rows': n, 'code': c}} ORDER BY n DESC, v)
            FROM (
              SELECT {key} AS k, trim({name}_raw) AS v, count(*) AS n,
                     any_value({name}_code) AS c
              FROM rows WHERE {name}_raw IS NOT NULL GROUP BY 1, 2
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
