"""`tandem generate-history`: months of synthetic calls, encounters and referrals."""

import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError

from tandem.demo.history import DEFAULT_CALLS_PER_DAY, HistoryExists, history_generate
from tandem.demo.history_region import RegionMissing


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--end must be a date like 2025-06-30, got {value!r}") from None


class Command(BaseCommand):
    help = (
        "Generate synthetic history for the region in the database: calls, assignments, "
        "encounters, people, referrals and follow-ups. Deterministic for a seed and end date."
    )

    def add_arguments(self, parser):
        parser.add_argument("--months", type=int, default=12)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument(
            "--end",
            type=_date,
            default=None,
            help="Last day (exclusive, local midnight); default today.",
        )
        parser.add_argument(
            "--calls-per-day",
            type=float,
            default=DEFAULT_CALLS_PER_DAY,
            help="Calls a day across the region, split by jurisdiction population.",
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Delete previously generated history first.",
        )

    def handle(
        self,
        *args,
        months,
        seed,
        end=None,
        calls_per_day=DEFAULT_CALLS_PER_DAY,
        replace=False,
        **options,
    ):
        started = time.perf_counter()
        try:
            summary = history_generate(
                months=months,
                seed=seed,
                end=end,
                calls_per_day=calls_per_day,
                replace=replace,
                progress=self._progress(),
            )
        except HistoryExists:
            raise CommandError(
                "Generated history is already present. Run again with --replace to delete "
                "it and generate anew."
            ) from None
        except (RegionMissing, ValueError) as error:
            raise CommandError(str(error)) from None
        seconds = time.perf_counter() - started
        self.stdout.write(
            f"Generated {summary['calls']:,} calls ({summary['start']} to {summary['end']}, "
            f"seed {seed}) in {seconds:.1f} s: {summary['encounters']:,} encounters, "
            f"{summary['people']:,} people, {summary['referrals']:,} referrals and follow-ups."
        )
        assessed = summary["clinician_assessed_share_of_bh_calls"]
        arrests = summary["arrest_share_of_encounters"]
        self.stdout.write(
            f"Clinician-assessed share of BH calls {assessed:.1%}, "
            f"arrests per encounter {arrests:.1%}."
        )

    def _progress(self):
        """A line on stderr each time another tenth of the rows is written."""
        reported = [0]

        def report(table: str, done: int, total: int) -> None:
            tenth = done * 10 // max(total, 1)
            if tenth > reported[0]:
                reported[0] = tenth
                self.stderr.write(f"  {tenth * 10}% of {total:,} rows written ({table})")

        return report
