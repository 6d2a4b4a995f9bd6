"""Writes of the imports app: start a run, execute it, and launch it in the background.

`import_execute` checks the whole file first (in DuckDB), then writes every accepted
row, every rejected row, the report and ONE audit event in one transaction: a file is
imported completely or not at all, and rows read = rows imported + rows rejected.

Calls (with their assignments and encounters) are written by `writer` as the source's
history (`history`, Parquet, published as the transaction's last step), a jail's
bookings by `bookings` into the database; both check the file in DuckDB first.

Audit: a bulk import writes one audit event per run (action `import`, object the run),
whose reason counts what was written (calls, assignments and encounters, or bookings)
and whose segments say which sensitive data was (`cji`, `clinical`); the run itself
records which rows were rejected and why. Bookings are written by the bulk writer
inside `service_write()`, so they follow the sensitive-record rule like any service.

Uploaded files are deleted once the run ends: they hold narratives, which the run does
not need to keep.
"""

import logging
import threading
from contextlib import nullcontext
from pathlib import Path

import duckdb
from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from tandem.agencies.configfile import ConfigInvalid
from tandem.agencies.models import Agency
from tandem.core.models import service_write
from tandem.imports import bookings, history, writer
from tandem.imports.codes import db_checker, program_codes
from tandem.imports.models import ImportRun, RunStatus
from tandem.imports.profile import (
    LISTABLE_FIELDS,
    AnyProfile,
    BookingProfile,
    profile_path,
    profile_read,
)
from tandem.imports.progress import progress_clear, progress_write
from tandem.imports.quality import build_booking_report, build_report
from tandem.imports.reader import FileUnreadable, read_file
from tandem.imports.transform import build_rows
from tandem.privacy.segments import CJI, CLINICAL
from tandem.privacy.services import audit_record

log = logging.getLogger(__name__)
UPLOAD_DIR = "imports"


class ImportFailed(Exception):
    """The file as a whole could not be imported; `lines` says why, one problem a line."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        super().__init__("\n".join(lines))


def _protocol():
    from tandem.dispatch.intake import active_protocol  # the program's triage protocol

    return active_protocol()


def profile_load(name: str) -> AnyProfile:
    """Read and check a profile against the program; raise ImportFailed with every problem."""
    protocol = _protocol()
    try:
        return profile_read(
            _profile_file(name), db_check=db_checker(lambda a: program_codes(a, protocol))
        )
    except ConfigInvalid as exc:
        raise ImportFailed(exc.lines()) from exc


def _profile_file(name: str) -> Path:
    from tandem.imports.selectors import available_profiles

    return available_profiles().get(name) or profile_path(name)


def import_run_create(*, actor, profile_name: str, filename: str, dry_run: bool = False):
    """A queued run; the profile is checked now so a broken one fails before any upload."""
    profile = profile_load(profile_name)
    agency = Agency.objects.get(code=profile.agency)
    membership = actor.primary_membership if actor is not None else None
    return ImportRun.objects.create(
        owning_agency_id=membership.owning_agency_id if membership else agency.pk,
        created_by=actor,
        updated_by=actor,
        source=profile.source,
        profile=profile_name[:200],
        profile_label=profile.label,
        kind=profile.kind,
        filename=Path(filename).name[:255],
        target_agency=agency,
        dry_run=dry_run,
    )


def import_file(
    *, actor, path: Path, profile_name: str, dry_run: bool = False, progress=None
) -> ImportRun:
    """Create a run for `path` and execute it now (the command line's way)."""
    run = import_run_create(
        actor=actor, profile_name=profile_name, filename=path.name, dry_run=dry_run
    )
    return import_execute(run_id=run.pk, path=path, progress=progress)


def import_execute(*, run_id: int, path: Path, progress=None) -> ImportRun:
    """Check and import one file; the run ends done or failed, never half-written."""
    run = ImportRun.objects.select_related("created_by", "target_agency").get(pk=run_id)
    ImportRun.objects.filter(pk=run_id).update(status=RunStatus.RUNNING, started_at=timezone.now())

    def report_progress(phase: str, done: int = 0, total: int = 0, step: str = "") -> None:
        progress_write(run_id, phase, done, total, step)
        if progress is not None:
            progress(phase, done, total, step)

    try:
        _execute(run, path, report_progress)
    except ImportFailed as exc:
        _fail(run_id, "\n".join(exc.lines))
    except Exception as exc:
        log.exception("import run %s failed", run_id)
        _fail(run_id, f"unexpected error: {type(exc).__name__}: {exc}")
    finally:
        progress_clear(run_id)
    return ImportRun.objects.get(pk=run_id)


def _fail(run_id: int, error: str) -> None:
    ImportRun.objects.filter(pk=run_id).update(
        status=RunStatus.FAILED, error=error[:5000], finished_at=timezone.now()
    )


def _execute(run: ImportRun, path: Path, report_progress) -> None:
    profile = profile_load(run.profile)
    codes = program_codes(run.target_agency, _protocol())
    lock = nullcontext() if _is_bookings(profile) else history.source_lock(profile.source)
    with lock:
        _execute_locked(run, path, profile, codes, report_progress)


def _execute_locked(run: ImportRun, path: Path, profile: AnyProfile, codes, report_progress):
    con = duckdb.connect()
    pending: Path | None = None
    published: history.Published | None = None
    try:
        report_progress("reading")
        try:
            read = read_file(con, path, profile)
        except FileUnreadable as exc:
            raise ImportFailed([f"{run.filename}: {exc}"]) from exc
        report_progress("checking", 0, read.rows)
        report = _check(con, profile, codes, read)
        writing = "writing_bookings" if _is_bookings(profile) else "writing"
        report_progress(writing, 0, report["rows"]["imported"])
        if run.dry_run:
            _finish(run, report, writer.Written())
            return
        with transaction.atomic(), service_write():
            _lock_tables(profile)
            written, pending = _write(
                con,
                run,
                profile,
                codes,
                progress=lambda step, done, total: report_progress(writing, done, total, step),
            )
            report_progress("report")
            writer.write_rejected(
                con,
                run_id=run.pk,
                owner_id=run.owning_agency_id,
                malformed=read.malformed,
                progress=lambda step, done, total: report_progress("report", done, total, step),
                listable=bookings.LISTABLE if _is_bookings(profile) else LISTABLE_FIELDS,
            )
            _finish(run, report, written)
            segments, what = _audited(profile, written)
            audit_record(
                actor=run.created_by,
                action="import",
                obj=run,
                segments=segments,
                reason=(
                    f"import of {run.filename} ({profile.source}): {what}, "
                    f"{report['rows']['rejected']} rows rejected"
                ),
                agency_id=run.owning_agency_id,
            )
            if pending is not None:
                published = history.publish(pending)
    except BaseException:
        # The transaction rolled back: the source's history is what it was.
        if published is not None:
            history.unpublish(published)
        history.discard(pending)
        raise
    else:
        if published is not None:
            history.forget_previous(published)
    finally:
        con.close()


def _is_bookings(profile: AnyProfile) -> bool:
    return isinstance(profile, BookingProfile)


def _check(con, profile: AnyProfile, codes, read) -> dict:
    """Parse and check every row in DuckDB; match rows imported before; the report."""
    if _is_bookings(profile):
        bookings.build_booking_rows(con, profile, codes, read)
        bookings.resolve_existing(con, profile)
        return build_booking_report(con, profile, read.malformed, read.blank_rows)
    build_rows(con, profile, codes, read)
    writer.resolve_existing(con, profile)
    return build_report(con, profile, read.malformed, read.blank_rows)


def _write(
    con, run: ImportRun, profile: AnyProfile, codes, progress
) -> tuple[writer.Written, Path | None]:
    """What was written, and the history file to publish when the run commits."""
    common = {"run_id": run.pk, "owner_id": run.target_agency_id, "progress": progress}
    if _is_bookings(profile):
        written = bookings.write_bookings(
            con, profile=profile, actor_id=run.created_by_id, **common
        )
        return written, None
    return writer.write_rows(con, profile=profile, codes=codes, **common)


def _audited(profile: AnyProfile, written: writer.Written) -> tuple[list, str]:
    """The segments an import wrote, and what it wrote in words."""
    given = profile.fields.given()
    if _is_bookings(profile):
        segments = [CJI] if "charge_level" in given else []
        if set(given) & set(bookings.CLINICAL_FIELDS):
            segments.append(CLINICAL)
        return segments, f"{written.created} bookings created, {written.updated} updated"
    # History rows keep codes, flags and times; the narrative is read, never kept.
    return [], (
        f"{written.created} calls created, {written.updated} updated, "
        f"{written.assignments} assignments, {written.encounters} encounters"
    )


def _lock_tables(profile: AnyProfile) -> None:
    """PostgreSQL: keep other writers out of the tables whose ids the import assigns
    (history files have their own lock per source, `history.source_lock`)."""
    if connection.vendor != "postgresql":
        return  # SQLite's write transaction already excludes every other writer
    tables = "imports_jailbooking, " if _is_bookings(profile) else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"LOCK TABLE {tables}imports_rejectedrow IN SHARE ROW EXCLUSIVE MODE"  # noqa: S608
        )


def _finish(run: ImportRun, report: dict, written: writer.Written) -> None:
    rows = report["rows"]
    if report["kind"] == "jail_bookings":
        report["written"] = {
            "bookings_created": written.created,
            "bookings_updated": written.updated,
        }
    else:
        report["written"] = {
            "calls_created": written.created,
            "calls_updated": written.updated,
            "assignments": written.assignments,
            "encounters": written.encounters,
        }
    ImportRun.objects.filter(pk=run.pk).update(
        status=RunStatus.DONE,
        finished_at=timezone.now(),
        rows_read=rows["read"],
        rows_created=written.created,
        rows_updated=written.updated,
        rows_rejected=rows["rejected"],
        rows_flagged=rows["flagged"],
        bh_calls=report.get("bh", {}).get("calls", 0),
        report=report,
    )


def upload_path(run_id: int, filename: str) -> Path:
    folder = Path(settings.VAR_DIR) / UPLOAD_DIR
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"upload-{run_id}{Path(filename).suffix.lower()[:6]}"


def import_upload(*, actor, upload, profile_name: str, dry_run: bool = False) -> ImportRun:
    """Store an uploaded file and import it in the background (the page polls the run)."""
    run = import_run_create(
        actor=actor, profile_name=profile_name, filename=upload.name, dry_run=dry_run
    )
    path = upload_path(run.pk, upload.name)
    with path.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    progress_write(run.pk, "queued")
    transaction.on_commit(lambda: launch(run.pk, path))
    return run


def _run_and_clean(run_id: int, path: Path) -> None:
    try:
        import_execute(run_id=run_id, path=path)
    finally:
        path.unlink(missing_ok=True)


def launch(run_id: int, path: Path) -> None:
    """Run the import in a thread of this process, with its own database connection."""

    def work() -> None:
        close_old_connections()
        try:
            _run_and_clean(run_id, path)
        finally:
            connection.close()

    threading.Thread(target=work, name=f"import-{run_id}", daemon=True).start()
