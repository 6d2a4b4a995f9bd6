"""`tandem import FILE --profile P`: import a CAD or crisis-team export and report on it."""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tandem.accounts.models import User
from tandem.imports.models import RunStatus
from tandem.imports.profile import shipped_profiles
from tandem.imports.report_text import report_lines
from tandem.imports.services import ImportFailed, import_file


class Command(BaseCommand):
    help = (
        "Import a CSV or .xlsx export with a column-mapping profile; print its data-quality "
        "report. Re-importing the same file updates the calls it made."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The export (.csv or .xlsx).")
        parser.add_argument(
            "--profile",
            required=True,
            help=f"A profile file (YAML) or a shipped one: {', '.join(shipped_profiles())}.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Check and report; write nothing."
        )
        parser.add_argument(
            "--user", help="Username the import is recorded as (default: the system)."
        )

    def handle(self, *args, file: Path, profile: str, dry_run: bool, user: str | None, **opts):
        if not file.exists():
            raise CommandError(f"{file}: no such file")
        actor = None
        if user:
            actor = User.objects.filter(username=user).first()
            if actor is None:
                raise CommandError(f"--user {user}: no such user")
        show = self._progress if opts["verbosity"] >= 1 else None
        try:
            run = import_file(
                actor=actor, path=file, profile_name=profile, dry_run=dry_run, progress=show
            )
        except ImportFailed as exc:
            self._errors(exc.lines)
            raise CommandError(f"{profile}: the profile is invalid; nothing was imported") from None
        if run.status == RunStatus.FAILED:
            self._errors(run.error.splitlines())
            raise CommandError(f"{file}: nothing was imported")
        for line in report_lines(run):
            self.stdout.write(line)

    def _errors(self, lines: list[str]) -> None:
        for line in lines:  # `file:line: path: message`, one problem a line
            self.stderr.write(line)

    _last = (0.0, "")

    def _progress(self, phase: str, done: int, total: int, step: str) -> None:
        # Every new phase, and at most one line a second within one.
        now = time.monotonic()
        if phase != self._last[1] or now - self._last[0] >= 1 or (total and done == total):
            self._last = (now, phase)
            count = f" {done:,}/{total:,}" if total else ""
            self.stderr.write(f"{phase}{count} {step}".rstrip())
