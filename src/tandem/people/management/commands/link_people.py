"""`tandem link-people`: link every agency's person records; uncertain pairs go to review."""

import logging

from django.core.management.base import BaseCommand

from tandem.people.links import linkage_execute


class Command(BaseCommand):
    help = "Run batch linkage over all person records (splink; DuckDB unless --backend spark)."

    def add_arguments(self, parser):
        parser.add_argument("--link-threshold", type=float, default=0.95)
        parser.add_argument("--review-threshold", type=float, default=0.5)
        parser.add_argument("--backend", choices=["duckdb", "spark"], default="duckdb")

    def handle(self, *args, link_threshold, review_threshold, backend, **options):
        if options["verbosity"] < 2:  # splink's training notes, for those who ask
            logging.getLogger("splink").setLevel(logging.ERROR)
        run = linkage_execute(
            link_threshold=link_threshold, review_threshold=review_threshold, backend=backend
        )
        self.stdout.write(
            f"Linked {run.records:,} records: {run.auto_links:,} automatic links, "
            f"{run.review_links:,} pairs for review "
            f"({(run.finished_at - run.started_at).total_seconds():.1f} s)."
        )
