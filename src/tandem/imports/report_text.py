"""A run's report as plain text lines, for the command line."""

from tandem.imports.models import ImportRun

MAX_LISTED = 20


def report_lines(run: ImportRun) -> list[str]:
    report, rows = run.report, run.report.get("rows", {})
    written = report.get("written", {})
    verb = "Checked (dry run, nothing written)" if run.dry_run else "Imported"
    lines = [
        f"{verb} {run.filename} with profile {run.profile} (source {run.source}), run {run.pk}.",
        f"Rows read: {rows.get('read', 0):,}; imported: {rows.get('imported', 0):,} "
        f"({written.get('calls_created', 0):,} new calls, {written.get('calls_updated', 0):,} "
        f"updated); rejected: {rows.get('rejected', 0):,}; imported with warnings: "
        f"{rows.get('flagged', 0):,}.",
        f"Assignments: {written.get('assignments', 0):,}; encounters: "
        f"{written.get('encounters', 0):,}.",
    ]
    bh = report.get("bh", {})
    reasons = ", ".join(f"{k} {v:,}" for k, v in bh.get("by_reason", {}).items())
    lines.append(f"Behavioral-health calls: {bh.get('calls', 0):,} ({reasons or 'none'}).")
    if rows.get("blank_skipped"):
        lines.append(f"Blank spreadsheet rows skipped: {rows['blank_skipped']:,}.")
    lines.append("")
    lines.append("Data quality:")
    for check in report.get("checks", []):
        field = f" [{check['field']}]" if check["field"] else ""
        rows_ = ", ".join(str(e["row"]) for e in check["examples"])
        lines.append(
            f"  {check['label']}{field}: {check['rows']:,} rows "
            f"({check['rejected']:,} rejected); e.g. rows {rows_}"
        )
    if not report.get("checks"):
        lines.append("  no problems found")
    for item in report.get("unmapped", [])[:MAX_LISTED]:
        lines.append(f"  Unmapped {item['field']}: {item['value']!r} x{item['rows']:,}")
    for group in report.get("variants", [])[:MAX_LISTED]:
        spellings = ", ".join(f"{s['value']!r} x{s['rows']}" for s in group["spellings"])
        lines.append(f"  {group['field']} spelled several ways: {spellings}")
    lines.append("")
    lines.append("Per month (rows / rejected / with warnings / BH):")
    for month in report.get("months", []):
        lines.append(
            f"  {month['month']}: {month['rows']:,} / {month['rejected']:,} / "
            f"{month['flagged']:,} / {month['bh']:,}"
        )
    rejected = list(run.rejected_rows.all()[:MAX_LISTED])
    if rejected:
        lines.append("")
        lines.append(f"Rejected rows (first {len(rejected)} of {run.rows_rejected:,}):")
        for row in rejected:
            lines.append(f"  row {row.row}: {'; '.join(row.reasons)}")
    return lines
