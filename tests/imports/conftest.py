"""Fixtures for import tests: the shipped profiles and the messy samples."""

from pathlib import Path

import pytest

from tandem.imports import history, services

SAMPLES = Path(__file__).parent / "samples"


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    """Uploads and progress files in a directory of the test's own."""
    settings.VAR_DIR = tmp_path
    return tmp_path


@pytest.fixture
def inline_launch(monkeypatch):
    """Run uploaded imports in the request (the test database is not shared with threads)."""
    monkeypatch.setattr(services, "launch", services._run_and_clean)


def history_of(source: str) -> dict[str, dict]:
    """The source's imported history rows, by call number."""
    import duckdb

    path = history.history_file(source)
    if not path.exists():
        return {}
    cursor = duckdb.connect().execute(f"SELECT * FROM read_parquet('{path}')")  # noqa: S608
    names = [d[0] for d in cursor.description]
    rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    return {r["number"]: r for r in rows}
