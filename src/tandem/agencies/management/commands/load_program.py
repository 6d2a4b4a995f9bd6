"""`tandem load-program FILE.yaml`: validate a program file and load it in one transaction."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tandem.agencies.program import ProgramInvalid
from tandem.agencies.services import program_load


class Command(BaseCommand):
    help = "Load a program file: agencies, jurisdictions, teams, shifts and codes (upsert by code)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="Program file (YAML).")

    def handle(self, *args: object, file: Path, **options: object) -> None:
        try:
            summary = program_load(path=file)
        except ProgramInvalid as exc:
            # One error per line, `file:line: path: message`, so editors can jump to each.
            for line in exc.lines():
                self.stderr.write(line)
            count = len(exc.issues)
            raise CommandError(
                f"{count} error{'s' if count != 1 else ''} in {file}; nothing was loaded"
            ) from None
        for line in summary.lines():
            self.stdout.write(line)
