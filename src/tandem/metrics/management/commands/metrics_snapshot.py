from django.core.management.base import BaseCommand

from tandem.metrics.snapshot import snapshot_store, snapshot_take


class Command(BaseCommand):
    help = (
        "Write the metrics snapshot (non-clinical columns of calls, assignments, teams, "
        "encounters, referrals, follow-ups, and imported jail bookings) as Parquet under "
        "VAR_DIR/metrics/snapshot/, for DuckDB or Spark; the pages read it when it is newer "
        "than theirs."
    )

    def handle(self, *args, **options):
        snap = snapshot_take()
        directory = snapshot_store(snap)
        rows = ", ".join(f"{name} {t.num_rows}" for name, t in snap.tables.items())
        self.stdout.write(f"wrote {directory}: {rows}")
