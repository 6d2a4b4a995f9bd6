"""Progress of a running import, in a small file next to the database.

The import writes in one transaction, so a progress row in the database would not be
visible to the page polling it until the end (and on SQLite the poller's write would
wait for the import's lock). A file replaced atomically is read by any process.
"""

import json
import os
from pathlib import Path

from django.conf import settings

PHASES = {
    "queued": "Waiting to start",
    "reading": "Reading the file",
    "checking": "Checking every row",
    "writing": "Writing calls",
    "writing_bookings": "Writing bookings",
    "report": "Writing the report",
}


def _path(run_id: int) -> Path:
    return Path(settings.VAR_DIR) / "imports" / f"progress-{run_id}.json"


def progress_write(run_id: int, phase: str, done: int = 0, total: int = 0, step: str = "") -> None:
    path = _path(run_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"phase": phase, "done": done, "total": total, "step": step}))
    os.replace(tmp, path)


def progress_read(run_id: int) -> dict:
    try:
        data = json.loads(_path(run_id).read_text())
    except (OSError, ValueError):
        data = {"phase": "queued", "done": 0, "total": 0, "step": ""}
    data["label"] = PHASES.get(data.get("phase", ""), "Working")
    total = data.get("total") or 0
    data["percent"] = int(100 * data.get("done", 0) / total) if total else None
    return data


def progress_clear(run_id: int) -> None:
    _path(run_id).unlink(missing_ok=True)
