"""docs/metrics.md, rendered from the code that computes the numbers.

The catalogue (`catalogue.METRICS`), the suppression rule, the cost model and its
defaults, and the encounter rules (`tandem.encounters.diversion.RULES`: which encounters
count, dispositions, diversion) all come from code, so the document cannot drift from
it; `tests/metrics/test_docs.py` fails when the committed file is stale.
"""

from __future__ import annotations

from tandem.encounters import diversion
from tandem.metrics import catalogue, costs, exports
from tandem.metrics.selectors import SMALL_CELL

HEADER = """# Metric definitions

Generated from the code by `tandem metrics-doc`; do not edit by hand (a test fails when
this file is stale). Each metric below names its fields (`docs/data-dictionary.md` has
them all) and its sources; its code is `src/tandem/metrics/catalogue.py` (the
definition), `facts.py` (the per-row rules) and `engine.py` (the arithmetic), and its
tests are in `tests/metrics/`. A definition changes only together with its code and
tests.
"""

ENGINE = f"""## How the numbers are computed

- **Snapshot.** `metrics.snapshot` copies the columns metrics need (ids, codes, flags
  and times; never a narrative, note, screening answer or other clinical text) from the
  operational database into Arrow, and from there into an in-memory DuckDB, or Parquet
  files under `VAR_DIR/metrics/snapshot/` (`tandem metrics-snapshot`, or the background
  task `metrics.tasks.metrics_snapshot_refresh` run by `tandem db_worker`). Pages read
  the stored snapshot as soon as it is newer than theirs. Once theirs is
  `METRICS_SNAPSHOT_MAX_AGE` seconds old (default 300) they queue a refresh for the
  worker and keep showing theirs, with its time, until the new one is stored; a page
  takes one itself only when there is none at all.
- **Facts.** `metrics.facts` reshapes the snapshot into one row per call, assignment,
  encounter, referral, follow-up and jail booking, each with the dimensions metrics are
  grouped and filtered by: agency (the call's police agency; for rows without a call,
  the owning agency), jurisdiction, program model (of the first team assigned; `none`
  when no team answered) and month (the local calendar month of the call, encounter,
  referral sent, follow-up due or booking).
- **Definitions once.** Each metric is one Ibis expression over its fact table, so the
  same definition runs on DuckDB here and on Spark for state-wide data
  (`tests/metrics/test_spark.py`, marked slow). `bench/metrics.py` times each one over
  10 M synthetic calls against the same query written by hand in DuckDB SQL.
- **Counting conventions.** Only submitted encounters count; drafts are work in
  progress. A call is *cancelled* when every encounter on it has the disposition
  `cancelled`. A person is *met* when the encounter's disposition is not blank,
  `unable_to_locate` or `cancelled`. Times missing from a record leave that record out
  of a time measure (never counted as zero). A call with several encounters (several
  people, or several teams) counts each encounter's disposition once.
- **Small cells.** For aggregate-only roles (analyst, regional administrator, privacy
  officer) a value computed from 1 to {SMALL_CELL - 1} distinct people, or whose
  numerator counts 1 to {SMALL_CELL - 1} people, is withheld (zero is shown), after CMS's
  cell-size suppression policy. A record with no linked person counts as one person of its own.
  Roles with casework access see the numbers of their own agencies unsuppressed.
"""


def _metric(m: catalogue.Metric) -> list[str]:
    lines = [
        f"### {m.name} (`{m.id}`)",
        "",
        m.definition,
        "",
        f"- **Numerator:** {m.numerator}",
        f"- **Denominator:** {m.denominator}",
        f"- **Unit:** {m.unit}",
        f"- **Fields:** {', '.join(f'`{f}`' for f in m.fields)}",
        f"- **Sources:** {', '.join(f'[{s}](#sources)' for s in m.sources)}",
    ]
    if m.always_by:
        lines.append(f"- **Broken down by:** {', '.join(m.always_by)}")
    if m.notes:
        lines.append(f"- **Note:** {m.notes}")
    return [*lines, ""]


def _catalogue() -> list[str]:
    lines = ["## Catalogue", ""]
    lines += ["| id | metric | unit |", "|---|---|---|"]
    lines += [f"| `{m.id}` | {m.name} | {m.unit} |" for m in catalogue.METRICS]
    lines.append("")
    group = None
    for m in catalogue.METRICS:
        if m.group != group:
            group = m.group
            lines += [f"## {group}", ""]
        lines += _metric(m)
    return lines


def _sources() -> list[str]:
    lines = ["## Sources", ""]
    lines += [f"- **{key}**: {text}" for key, text in catalogue.SOURCES.items()]
    return [*lines, ""]


def _costs() -> list[str]:
    spec = costs.UnitCostsSpec()
    lines = [
        "## Cost avoided",
        "",
        "Computed from recorded outcomes (`diverted_from_jail`, `diverted_from_hospital`,",
        "`officer_hours_returned`) and the program's `unit_costs:` (program file), three",
        "times: with every low, every expected and every high figure. The assumptions",
        "below are shown beside every result (`metrics.costs.assumptions`).",
        "",
        "| setting | meaning | default (low / expected / high) | source |",
        "|---|---|---|---|",
    ]
    for name in costs.LABELS:
        r = getattr(spec, name)
        lines.append(
            f"| `{name}` | {costs.LABELS[name]} | {r.low:g} / {r.expected:g} / {r.high:g} "
            f"| {costs.SOURCES[name]} |"
        )
    lines += ["", "With the defaults the counterfactual reads:", ""]
    lines += [f"- {text}" for text in costs.assumptions(spec)]
    return [*lines, ""]


def _rules() -> list[str]:
    """The encounter rules, their sections one level below their own heading."""
    lines = diversion.RULES.strip().splitlines()
    return [lines[0], *(f"#{x}" if x.startswith("## ") else x for x in lines[1:]), ""]


def render() -> str:
    parts = [
        HEADER,
        *_catalogue(),
        ENGINE,
        *_costs(),
        *exports.dictionary(),
        *_rules(),
        *_sources(),
    ]
    return "\n".join(parts).rstrip() + "\n"
