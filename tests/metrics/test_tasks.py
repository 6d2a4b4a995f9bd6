"""The metrics snapshot as a background task: stored by the worker, read by the pages,
and a status the pages can show."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from tandem.dispatch.models import Call
from tandem.metrics import tasks
from tandem.metrics.selectors import metric_values, snapshot_refresh
from tandem.metrics.snapshot import Snapshot, snapshot_dir, snapshot_stored_as_of

DB_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
AT_ONCE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def metrics_env(region, settings, tmp_path):
    """A private VAR_DIR, snapshots that do not go stale during the test, none in memory."""
    settings.VAR_DIR = tmp_path
    settings.METRICS_SNAPSHOT_MAX_AGE = 3600
    snapshot_refresh()
    yield region
    snapshot_refresh()


def another_bh_call(region) -> None:
    Call.objects.create(
        owning_agency=region.pd,
        number="C-2",
        source="911",
        received_at=timezone.now() - timedelta(minutes=30),
        call_type="EDP",
        apco_code="EDP",
        jurisdiction=region.city,
        behavioral_health=True,
        status="closed",
    )


def bh_calls(user) -> float:
    (value,) = metric_values(user, ["bh_calls"])
    return value.value


def test_the_task_refreshes_the_snapshot_the_pages_read(metrics_env):
    region = metrics_env
    assert bh_calls(region.police_supervisor) == 1
    another_bh_call(region)
    assert bh_calls(region.police_supervisor) == 1  # the page's snapshot is not stale yet

    summary = tasks.metrics_snapshot_refresh.call()

    assert "calls 2" in summary
    assert bh_calls(region.police_supervisor) == 2  # the stored snapshot replaced it
    stored = Snapshot.read_parquet(snapshot_dir() / "snapshot")
    assert stored.tables["calls"].num_rows == 2


def test_enqueued_with_the_immediate_backend_the_refresh_runs_at_once(metrics_env, settings):
    settings.TASKS = AT_ONCE
    region = metrics_env
    bh_calls(region.police_supervisor)
    another_bh_call(region)

    result = tasks.enqueue_snapshot_refresh()

    assert result.status == "SUCCESSFUL"
    assert bh_calls(region.police_supervisor) == 2


def test_a_stale_snapshot_serves_while_a_refresh_waits_for_the_worker(metrics_env, settings):
    settings.TASKS = DB_QUEUE
    region = metrics_env
    assert bh_calls(region.police_supervisor) == 1  # the first snapshot, taken here
    assert not tasks.snapshot_status().refreshing
    another_bh_call(region)
    settings.METRICS_SNAPSHOT_MAX_AGE = 0  # now it is stale

    # The page reads the figures it has, and a refresh is queued once (not taken here).
    assert bh_calls(region.police_supervisor) == 1
    assert bh_calls(region.police_supervisor) == 1
    assert tasks.snapshot_status().queued
    from django_tasks_db.models import DBTaskResult

    assert DBTaskResult.objects.count() == 1

    tasks.metrics_snapshot_refresh.call()  # what the worker does
    assert bh_calls(region.police_supervisor) == 2


def test_a_queued_refresh_is_shown_and_not_queued_twice(metrics_env, settings):
    settings.TASKS = DB_QUEUE
    assert not tasks.snapshot_status().refreshing

    first = tasks.enqueue_snapshot_refresh()
    second = tasks.enqueue_snapshot_refresh()

    assert first.id == second.id
    status = tasks.snapshot_status()
    assert status.queued and not status.running and status.refreshing


def test_the_worker_takes_the_queued_snapshot_and_the_status_says_when(
    metrics_env, settings, transactional_db
):
    # Transactional: the worker closes a connection it finds inside a transaction, as
    # the test's wrapping transaction would be (on PostgreSQL that ends the test's data).
    settings.TASKS = DB_QUEUE
    assert snapshot_stored_as_of() is None
    tasks.enqueue_snapshot_refresh()

    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", stdout=io.StringIO())

    status = tasks.snapshot_status()
    assert not status.refreshing
    assert status.taken_at is not None
    assert abs((timezone.now() - status.taken_at).total_seconds()) < 3600
    assert int(status.taken_at.timestamp()) == snapshot_stored_as_of()


def test_a_snapshot_stored_from_another_database_is_never_read(metrics_env):
    region = metrics_env
    tasks.metrics_snapshot_refresh.call()  # one call; nothing in memory yet
    (snapshot_dir() / "snapshot" / "database").write_text("sqlite:::/elsewhere/demo.sqlite3")
    another_bh_call(region)

    assert snapshot_stored_as_of() is None
    assert bh_calls(region.police_supervisor) == 2  # taken from this database instead


def test_recompute_on_the_report_page_queues_a_refresh_and_returns_to_the_report(
    client, metrics_env, settings
):
    settings.TASKS = DB_QUEUE
    client.force_login(metrics_env.regional_admin)

    response = client.post(
        "/metrics/reports/refresh/", {"quarter": "2026-Q3", "scope": "lakeview-pd"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/metrics/reports/?quarter=2026-Q3&scope=lakeview-pd"
    assert tasks.snapshot_status().queued


@pytest.mark.parametrize("persona", ["officer", "analyst"])
def test_only_program_managers_queue_a_refresh(client, metrics_env, settings, persona):
    settings.TASKS = DB_QUEUE
    client.force_login(getattr(metrics_env, persona))
    assert client.post("/metrics/reports/refresh/").status_code == 404
    assert not tasks.snapshot_status().queued
