"""`tandem directory-import FILE.json`: import an Open Referral HSDS 3.0 directory."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tandem.agencies.models import Agency
from tandem.directory.services import directory_import


class Command(BaseCommand):
    help = (
        "Import services from HSDS 3.0 JSON (a page of fully nested services, a list of them "
        "or one). Upserts on each HSDS id; reports every rejected service with its JSON path."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="HSDS 3.0 JSON file.")
        parser.add_argument(
            "--agency",
            help="Code of the agency owning entries no `tandem-agency` identifier claims "
            "(default: the regional administrator).",
        )

    def handle(self, *args: object, file: Path, agency: str | None, **options: object) -> None:
        try:
            document = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise CommandError(f"{file}: cannot read JSON: {exc}") from None
        agency_id = None
        if agency:
            found = Agency.objects.filter(code=agency).first()
            if found is None:
                raise CommandError(f"--agency: no agency with code {agency!r}")
            agency_id = found.pk
        try:
            result = directory_import(actor=None, document=document, agency_id=agency_id)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        for error in result.errors:
            self.stderr.write(f"{file}: {error['path']}: {error['message']}")
        for line in result.lines():
            self.stdout.write(line)
        if result.rejected and not result.services:
            raise CommandError(f"every service in {file} was rejected; nothing was imported")
