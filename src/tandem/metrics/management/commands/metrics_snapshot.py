from django.core.management.base import BaseCommand

from tandem.metrics.snapshot import snapshot_dir, snapshot_take


class Command(BaseCommand):
    help = (
        "Write the metrics snapshot (non-clinical columns of calls, assignments, teams, "
        "encounters, referrals, follow-ups, and imported jail bookings) as Parquet under "
        "VAR_DIR/metrics/, for DuckDB or Spark."
    )

    def handle(self, *args, **options):
        snap = snapshot_take()
        directory = snapshot_dir() / "snapshot"
        snap.write_parquet(directory)
        rows = ", ".join(f"{name} {t.num_rows}" for name, t in snap.tables.items())
        self.stdout.write(f"wrote {directory}: {rows}")
