"""`tandem directory-export [-o FILE]`: the directory as Open Referral HSDS 3.0 JSON."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandParser

from tandem.directory.hsds import render_page
from tandem.directory.selectors import services_for_export


class Command(BaseCommand):
    help = "Write every service, fully nested, as an HSDS 3.0 page (re-imports unchanged)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("-o", "--output", type=Path, help="File to write (default stdout).")

    def handle(self, *args: object, output: Path | None, **options: object) -> None:
        text = json.dumps(render_page(services_for_export()), indent=2, ensure_ascii=False)
        if output is None:
            self.stdout.write(text)
        else:
            output.write_text(text + "\n", encoding="utf-8")
            self.stdout.write(f"Wrote {output}")
