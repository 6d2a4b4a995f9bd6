"""`tandem grant-report`: the quarterly grant report as a file, for scheduled runs."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tandem.accounts.models import User
from tandem.metrics.report_files import report_csv, report_pdf
from tandem.metrics.reports import (
    PROGRAM,
    Quarter,
    grant_report,
    report_export_record,
    scheduled_reader,
    scope_get,
)


class Command(BaseCommand):
    help = (
        "Write the quarterly grant report of the whole program or one agency as PDF or CSV. "
        "Without --user it is computed as an analyst of the regional administrator sees "
        "it: de-identified, small cells withheld. The export is recorded in the audit trail."
    )

    def add_arguments(self, parser):
        parser.add_argument("--quarter", required=True, help="YYYY-Qn, for example 2026-Q3")
        parser.add_argument(
            "--agency", default=PROGRAM, help="an agency's code; the whole program if left out"
        )
        parser.add_argument("--format", choices=("pdf", "csv"), default="pdf")
        parser.add_argument("--out", required=True, help="the file to write")
        parser.add_argument("--user", help="compute it as this user sees it (their username)")

    def handle(self, *args, quarter, agency, format, out, user, **options):
        try:
            q = Quarter.parse(quarter)
        except ValueError as exc:
            raise CommandError(f"--quarter: {exc}") from exc
        try:
            actor = User.objects.get(username=user) if user else scheduled_reader()
        except (User.DoesNotExist, ValueError) as exc:
            raise CommandError(f"--user: no user “{user}”" if user else str(exc)) from exc
        try:
            scope = scope_get(actor, agency)
        except ValueError as exc:
            raise CommandError(f"--agency: {exc} (got “{agency}”)") from exc
        report = grant_report(actor, q, scope)
        data = report_pdf(report) if format == "pdf" else report_csv(report).encode()
        Path(out).write_bytes(data)
        if user:
            report_export_record(actor=actor, report=report, file_format=format.upper())
        else:
            admin = actor.primary_membership.owning_agency_id
            report_export_record(
                actor=None, report=report, file_format=format.upper(), agency_id=admin
            )
        self.stdout.write(f"wrote {out}: {report.title}, {scope.label}")
