"""One row per call and one row per encounter, de-identified, for program evaluators.

The rows come from the metrics snapshot's fact tables (`facts.py`), so an evaluator
recounting a report line from the file gets the report's number, and nothing the
snapshot leaves out (narratives, notes, names, screening answers, charges' text) can
reach the file. The same scope as `metric_values` applies: the actor's agencies, or the
whole region for the regional administrator's members.

- **Pseudonyms.** Calls, encounters and people are named by a keyed hash (HMAC-SHA256
  under the deployment's secret key), never by a database id: the same person has the
  same `person_key` in every export of one deployment, so an evaluator can follow them
  across quarters, but nobody without the key can turn it back into a record.
- **Time.** Aggregate-only roles get the month only; roles with casework access also
  get the exact time.
- **Small cells.** For aggregate-only roles, a row is withheld when its combination of
  quasi-identifiers (month, agency, program model and, for encounters, disposition)
  is shared by fewer than `SMALL_CELL` distinct people in the file; the jurisdiction is
  left blank, since a small town would otherwise single a person out. `EXPORT_RULE`
  states this in docs/metrics.md.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import ibis
from django.utils import timezone
from django.utils.crypto import salted_hmac
from ibis.backends import BaseBackend
from ibis.expr.types import Table

from tandem.agencies.models import Agency, Jurisdiction
from tandem.metrics.engine import Filters, apply_filters
from tandem.metrics.selectors import SMALL_CELL, current_connection, scoped_filters
from tandem.privacy.segments import AGGREGATE
from tandem.privacy.services import audit_record

KEY_SALT = "tandem.metrics.exports"
KEY_LENGTH = 20  # hex digits: 80 bits, no collision among billions of records


@dataclass(frozen=True)
class Column:
    name: str
    meaning: str
    casework_only: bool = False  # blank for aggregate-only roles


@dataclass(frozen=True)
class Export:
    name: str  # "calls" or "encounters"
    row: str  # what one row is, in words
    fact: str
    quasi_identifiers: tuple[str, ...]
    columns: tuple[Column, ...]


CALLS = Export(
    name="calls",
    row="call for service",
    fact="call_facts",
    quasi_identifiers=("month", "agency", "program_model"),
    columns=(
        Column("call_key", "Pseudonym of the call (keyed hash)."),
        Column("person_key", "Pseudonym of the person the call was about; blank if nobody "
               "was identified."),
        Column("month", "Month the call was received (YYYY-MM, local time)."),
        Column("received_at", "Time the call was received (ISO 8601, local).", True),
        Column("agency", "Code of the agency that took the call."),
        Column("jurisdiction", "Code of the jurisdiction of the call.", True),
        Column("program_model", "Program model of the first team assigned; `none` when no "
               "team answered."),
        Column("behavioral_health", "The call has a behavioral-health nexus (true/false)."),
        Column("identified_for_team", "Triage recommended a team, or one was assigned."),
        Column("responded", "A team arrived on scene."),
        Column("cancelled", "Every encounter on the call was cancelled."),
        Column("clinician_assessed", "A clinician assessed the person in a submitted "
               "encounter."),
        Column("request_to_dispatch_min", "Minutes from the call to the first assignment."),
        Column("dispatch_to_arrival_min", "Minutes from the first assignment to the first "
               "arrival."),
        Column("request_to_arrival_min", "Minutes from the call to the first arrival."),
    ),
)  # fmt: skip

ENCOUNTERS = Export(
    name="encounters",
    row="submitted encounter (one person met, or sought, by one team)",
    fact="encounter_facts",
    quasi_identifiers=("month", "agency", "program_model", "disposition"),
    columns=(
        Column("encounter_key", "Pseudonym of the encounter (keyed hash)."),
        Column("call_key", "Pseudonym of its call, as in the calls export; blank without "
               "a call."),
        Column("person_key", "Pseudonym of the person; blank if not identified."),
        Column("month", "Month the encounter started (YYYY-MM, local time)."),
        Column("started_at", "Time the encounter started (ISO 8601, local).", True),
        Column("agency", "Code of the call's agency (the encounter's own without a call)."),
        Column("provider", "Code of the behavioral-health provider of the team."),
        Column("jurisdiction", "Code of the jurisdiction of the call.", True),
        Column("program_model", "Program model of the team; `none` without a team."),
        Column("disposition", "Standard disposition (docs/metrics.md, Disposition)."),
        Column("met", "The person was met (not unable to locate or cancelled)."),
        Column("clinician_assessed", "A clinician assessed the person."),
        Column("arrest_option", "An arrest was a lawful option."),
        Column("arrested", "The disposition is arrest with charges."),
        Column("charged", "Arrest, citation, or charges recorded (never their text)."),
        Column("diverted_from_jail", "Diverted from jail (rule in docs/metrics.md)."),
        Column("diverted_from_hospital", "Diverted from hospital (rule in docs/metrics.md)."),
        Column("force_used", "Reportable force was used."),
        Column("injuries", "Anyone was injured."),
        Column("minutes_on_scene", "Minutes on scene, as entered or from start and end."),
        Column("referrals", "Referrals made from the encounter."),
        Column("declined_referral", "The person declined services or a referral."),
    ),
)  # fmt: skip

EXPORTS = {e.name: e for e in (CALLS, ENCOUNTERS)}

EXPORT_RULE = (
    f"For aggregate-only roles (analyst, regional administrator, privacy officer) a row "
    f"is withheld when fewer than {SMALL_CELL} distinct people share its combination of "
    "quasi-identifiers: month, agency and program model for calls; month, agency, "
    "program model and disposition for encounters. A row with no identified person "
    "counts as one person of its own. Withholding the row, rather than blanking a field, "
    "keeps every row that is present whole and true; the number withheld is shown "
    "beside the download link and recorded in the audit trail, so an evaluator knows "
    "how far a recount from the file will fall short of the report. Exact times and the "
    "jurisdiction are left blank for these roles. Roles with casework access get every "
    "row of their own agencies, with exact times."
)


@dataclass
class ExportFile:
    export: Export
    rows: list[dict]
    withheld: int  # rows left out by the small-cell rule
    suppressed: bool  # the small-cell rule applied

    def csv(self) -> Iterator[str]:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        names = [c.name for c in self.export.columns]
        writer.writerow(names)
        yield _drain(out)
        for row in self.rows:
            writer.writerow([_cell(row.get(name)) for name in names])
            yield _drain(out)


def export_rows(
    actor, name: str, filters: Filters, *, con: BaseBackend | None = None
) -> ExportFile:
    """The export `name` ("calls" or "encounters") for `actor` over `filters`."""
    export = EXPORTS[name]
    table, suppress = _table(actor, export, filters, con)
    rows = table.order_by(_ORDER[name]).to_pyarrow().to_pylist()
    kept = [r for r in rows if not r.pop("_small")]
    labels = _Labels()
    out = [_row(export, r, labels, exact=not suppress) for r in kept]
    return ExportFile(export, out, len(rows) - len(kept), suppress)


def export_size(
    actor, name: str, filters: Filters, *, con: BaseBackend | None = None
) -> tuple[int, int]:
    """(rows in the file, rows withheld), counted without building the file."""
    table, _ = _table(actor, EXPORTS[name], filters, con)
    (row,) = (
        table.aggregate(rows=table.count(), withheld=table._small.sum()).to_pyarrow().to_pylist()
    )
    return int(row["rows"]) - int(row["withheld"] or 0), int(row["withheld"] or 0)


def export_record(*, actor, file: ExportFile, described: str) -> None:
    """A download is an audit event, with the rows given and withheld."""
    audit_record(
        actor=actor,
        action="export",
        segments=(AGGREGATE,),
        reason=f"De-identified {file.export.name} export, {described}: {len(file.rows)} rows"
        + (f", {file.withheld} withheld (small cells)" if file.suppressed else ""),
    )


def _table(actor, export: Export, filters: Filters, con: BaseBackend | None) -> tuple[Table, bool]:
    """The export's rows as an expression, each with `_small` (withheld), and whether the
    small-cell rule applies to this actor."""
    scoped, suppress = scoped_filters(actor, filters)
    con = con or current_connection()
    table = _SELECT[export.name](con, apply_filters(con.table(export.fact), scoped))
    if suppress:
        return _small_cells_flagged(table, export), True
    return table.mutate(_small=ibis.literal(False)), False


def _calls(con: BaseBackend, facts: Table) -> Table:
    raw = con.table("calls").select(call_id="id", received_at="received_at")
    j = facts.left_join(raw, "call_id")
    return j.select(
        "call_id", "person_id", "month", "received_at", "agency_id", "jurisdiction_id",
        "program_model", "behavioral_health", "identified_for_team", "responded",
        "cancelled", "person_key",
        clinician_assessed=j.assessed,
        request_to_dispatch_min=j.request_to_dispatch / 60,
        dispatch_to_arrival_min=j.dispatch_to_arrival / 60,
        request_to_arrival_min=j.request_to_arrival / 60,
    )  # fmt: skip


def _encounters(con: BaseBackend, facts: Table) -> Table:
    raw = con.table("encounters").select(encounter_id="id", started_at="started_at")
    j = facts.left_join(raw, "encounter_id")
    return j.select(
        "encounter_id", "call_id", "person_id", "month", "started_at", "agency_id",
        "provider_id", "jurisdiction_id", "program_model", "disposition", "met",
        "clinician_assessed", "arrest_option", "arrested", "charged", "diverted_from_jail",
        "diverted_from_hospital", "force_used", "injuries", "minutes_on_scene",
        "referrals", "declined_referral", "person_key",
    )  # fmt: skip


_SELECT: dict[str, Callable[[BaseBackend, Table], Table]] = {
    "calls": _calls,
    "encounters": _encounters,
}
_ORDER = {"calls": "call_id", "encounters": "encounter_id"}
_QI_COLUMNS = {"agency": "agency_id"}  # quasi-identifier -> fact column


def _small_cells_flagged(table: Table, export: Export) -> Table:
    """Mark rows whose quasi-identifier cell holds fewer than SMALL_CELL people."""
    keys = [_QI_COLUMNS.get(q, q) for q in export.quasi_identifiers]
    people = (
        table.group_by(keys)
        .aggregate(_people=table.person_key.nunique())
        .rename({f"_p_{k}": k for k in keys})
    )
    j = table.left_join(people, [table[k].identical_to(people[f"_p_{k}"]) for k in keys])
    return j.mutate(_small=j._people < SMALL_CELL).drop("_people", *[f"_p_{k}" for k in keys])


class _Labels:
    """Agency and jurisdiction codes, read once per export."""

    def __init__(self) -> None:
        self.agencies = dict(Agency.objects.values_list("pk", "code"))
        self.jurisdictions = dict(Jurisdiction.objects.values_list("pk", "code"))


def pseudonym(kind: str, value: int | None) -> str:
    """A stable keyed hash of a record id: the same in every export of this deployment."""
    if value is None:
        return ""
    return salted_hmac(f"{KEY_SALT}.{kind}", str(value), algorithm="sha256").hexdigest()[
        :KEY_LENGTH
    ]


def _row(export: Export, r: dict, labels: _Labels, *, exact: bool) -> dict:
    out = dict(r)
    out["person_key"] = pseudonym("person", r.get("person_id"))
    out["call_key"] = pseudonym("call", r.get("call_id"))
    if "encounter_id" in r:
        out["encounter_key"] = pseudonym("encounter", r["encounter_id"])
    out["month"] = r["month"].strftime("%Y-%m") if r.get("month") else ""
    out["agency"] = labels.agencies.get(r.get("agency_id"), "")
    out["provider"] = labels.agencies.get(r.get("provider_id"), "")
    out["jurisdiction"] = labels.jurisdictions.get(r.get("jurisdiction_id"), "")
    for stamp in ("received_at", "started_at"):
        if r.get(stamp) is not None:
            out[stamp] = timezone.localtime(datetime.fromtimestamp(r[stamp], UTC)).isoformat()
    if not exact:
        for column in export.columns:
            if column.casework_only:
                out[column.name] = ""
    return out


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:.1f}"
    return str(value)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def dictionary() -> list[str]:
    """The exports' data dictionary, for docs/metrics.md."""
    lines = [
        "## Row-level exports for evaluators",
        "",
        "Two CSV files, downloaded from the grant report page (`/metrics/reports/`) for "
        "the quarter and scope chosen there: one row per call and one row per submitted "
        "encounter, built from the fact tables above (`src/tandem/metrics/exports.py`). "
        "No name, date of birth, address, narrative, note, screening answer or other "
        "clinical field is in either file. `call_key`, `encounter_key` and `person_key` "
        "are keyed hashes (HMAC-SHA256 under the deployment's secret key), stable "
        "across exports of one deployment and meaningless without the key; changing the "
        "secret key changes every pseudonym. Every download is recorded in the audit "
        "trail (action `export`).",
        "",
        f"**Small-cell rule.** {EXPORT_RULE}",
        "",
    ]
    for export in EXPORTS.values():
        lines += [
            f"### `{export.name}` export: one row per {export.row}",
            "",
            "| column | meaning |",
            "|---|---|",
        ]
        for c in export.columns:
            blank = " Blank for aggregate-only roles." if c.casework_only else ""
            lines.append(f"| `{c.name}` | {c.meaning}{blank} |")
        lines.append("")
    return lines
