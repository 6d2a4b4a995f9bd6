"""Background work of the metrics: refreshing the snapshot the dashboards and reports read.

Taking a snapshot reads every call, assignment and encounter of the region; at a few
million rows that is too long to do inside a page request. The task takes it in the
django-tasks worker (`tandem db_worker`, which `tandem demo` runs) and stores it as
Parquet (`snapshot.snapshot_store`); each web process reads the stored snapshot as soon
as it is newer than its own (`selectors.current_connection`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django_tasks import TaskResultStatus, task

from tandem.metrics.selectors import snapshot_taken_at
from tandem.metrics.snapshot import snapshot_store, snapshot_stored_as_of, snapshot_take

DB_BACKEND = "django_tasks_db.DatabaseBackend"


@task()
def metrics_snapshot_refresh() -> str:
    """Take a snapshot of the operational database and store it; returns the row counts."""
    snap = snapshot_take()
    snapshot_store(snap)
    return ", ".join(f"{name} {table.num_rows}" for name, table in snap.tables.items())


def enqueue_snapshot_refresh():
    """Queue a refresh, unless one is already waiting or running (then that one is
    returned): pressing "refresh" twice does not take two snapshots."""
    pending = _pending()
    if pending is not None:
        return pending.task_result
    return metrics_snapshot_refresh.enqueue()


@dataclass(frozen=True)
class SnapshotStatus:
    """What a page says about the figures it shows."""

    taken_at: datetime | None  # when the snapshot the pages read was taken
    queued: bool  # a refresh is waiting for the worker
    running: bool  # the worker is taking one now

    @property
    def refreshing(self) -> bool:
        return self.queued or self.running


def snapshot_status() -> SnapshotStatus:
    seconds = snapshot_taken_at() or snapshot_stored_as_of()
    taken_at = datetime.fromtimestamp(seconds, UTC) if seconds else None
    pending = _pending()
    status = pending.status if pending is not None else None
    return SnapshotStatus(
        taken_at=taken_at,
        queued=status == TaskResultStatus.READY,
        running=status == TaskResultStatus.RUNNING,
    )


def _pending():
    """The refresh waiting or running in the database queue; None with other backends,
    which keep no queue to look at (the immediate backend runs the task at once)."""
    if settings.TASKS["default"]["BACKEND"] != DB_BACKEND:
        return None
    from django_tasks_db.models import DBTaskResult

    return (
        DBTaskResult.objects.filter(
            task_path=metrics_snapshot_refresh.module_path,
            status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING],
        )
        .order_by("-enqueued_at")
        .first()
    )
