"""Fixtures for import tests: the shipped profiles and the messy samples."""

from pathlib import Path

import pytest

from tandem.imports import services

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
