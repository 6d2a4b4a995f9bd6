"""`tandem index-people`: build every person's matching keys in bulk.

People inserted by raw SQL (the synthetic history) have no keys, so intake matching
cannot find them until this runs. `--missing` indexes only people without any key.
"""

import time

from django.core.management.base import BaseCommand, CommandParser

from tandem.people.matching import keys_rebuild


class Command(BaseCommand):
    help = "Build the matching keys of all people (or, with --missing, of people without any)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--missing", action="store_true", help="Only people who have no keys yet."
        )
        parser.add_argument("--batch", type=int, default=20_000, help="People per batch.")

    def handle(self, *args: object, missing: bool, batch: int, **options: object) -> None:
        started = time.perf_counter()

        def progress(done: int, total: int, keys: int) -> None:
            seconds = time.perf_counter() - started
            self.stdout.write(f"{done:,} / {total:,} people, {keys:,} keys, {seconds:.1f} s")

        people, keys = keys_rebuild(only_missing=missing, batch=batch, progress=progress)
        seconds = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(f"Indexed {people:,} people ({keys:,} keys) in {seconds:.1f} s.")
        )
