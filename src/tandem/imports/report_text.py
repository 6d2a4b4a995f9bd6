"""A run's report as plain text lines, for the command line."""

from tandem.imports.models import ImportRun

MAX_LISTED = 20


def report_lines(run: ImportRun) -> list[str]:
    report, rows = run.report, run.report.get("rows", {})
    written = report.get("written", {})
    verb = "Checked (dry run, nothing written)" if run.dry_run else "Imported"
    bookings = report.get("kind") == "jail_bookings"
    what = "bookings" if bookings else "calls"
    lines = [
        f"{verb} {run.filename} with profile {run.profile} (source {run.source}), run {run.pk}.",
        f"Rows read: {rows.get('read', 0):,}; imported: {rows.get('imported', 0):,} "
        f"({written.get(f'{what}_created', 0):,} new {what}, "
        f"{written.get(f'{what}_updated', 0):,} updated); rejected: {rows.get('rejected', 0):,}; "
        f"imported with warnings: {rows.get('flagged', 0):,}.",
    ]
    lines += _booking_lines(report) if bookings else _call_lines(report)
    if rows.get("blank_skipped"):
        lines.append(f"Blank spreadsheet rows skipped: {rows['blank_skipped']:,}.")
    lines.append("")
    lines.append("Data quality:")
    for check in report.get("checks", []):
        field = f" [{check['field']}]" if check["field"] else ""
        rows_ = ", ".join(str(e["row"]) for e in check["examples"])
        examples = f"; e.g. rows {rows_}" if rows_ else ""
        lines.append(
            f"  {check['label']}{field}: {check['rows']:,} rows "
            f"({check['rejected']:,} rejected){examples}"
        )
    if not report.get("checks"):
        lines.append("  no problems found")
    for item in report.get("unmapped", [])[:MAX_LISTED]:
        lines.append(f"  Unmapped {item['field']}: {item['value']!r} x{item['rows']:,}")
    for group in report.get("variants", [])[:MAX_LISTED]:
        spellings = ", ".join(f"{s['value']!r} x{s['rows']}" for s in group["spellings"])
        lines.append(f"  {group['field']} spelled several ways: {spellings}")
    lines.append("")
    lines.append("Per month (rows / rejected / with warnings" + ("):" if bookings else " / BH):"))
    for month in report.get("months", []):
        bh = "" if bookings else f" / {month.get('bh', 0):,}"
        lines.append(
            f"  {month['month']}: {month['rows']:,} / {month['rejected']:,} / "
            f"{month['flagged']:,}{bh}"
        )
    rejected = list(run.rejected_rows.all()[:MAX_LISTED])
    if rejected:
        lines.append("")
        lines.append(f"Rejected rows (first {len(rejected)} of {run.rows_rejected:,}):")
        for row in rejected:
            lines.append(f"  row {row.row}: {'; '.join(row.reasons)}")
    return lines


def _call_lines(report: dict) -> list[str]:
    written, bh = report.get("written", {}), report.get("bh", {})
    reasons = ", ".join(f"{k} {v:,}" for k, v in bh.get("by_reason", {}).items())
    return [
        f"Assignments: {written.get('assignments', 0):,}; encounters: "
        f"{written.get('encounters', 0):,}.",
        f"Behavioral-health calls: {bh.get('calls', 0):,} ({reasons or 'none'}).",
    ]


def _booking_lines(report: dict) -> list[str]:
    b = report.get("bookings", {})
    return [
        f"Bookings: {b.get('bookings', 0):,} of {b.get('people', 0):,} people; released: "
        f"{b.get('released', 0):,}.",
        f"With serious mental illness (assessed): {b.get('smi_bookings', 0)} bookings of "
        f"{b.get('smi_people', 0)} people, {b.get('smi_connected', 0)} connected to "
        "treatment (small counts are not shown).",
    ]
