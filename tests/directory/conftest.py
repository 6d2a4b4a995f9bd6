"""The demo directory file, and a small HSDS document to bend in tests."""

import copy
import json
from pathlib import Path

import pytest

from tandem.agencies.models import Agency, AgencyKind

DEMO_DIRECTORY = Path(__file__).resolve().parents[2] / "src/tandem/demo/directory.json"


def load_demo_document() -> dict:
    return json.loads(DEMO_DIRECTORY.read_text(encoding="utf-8"))


@pytest.fixture
def demo_document() -> dict:
    return load_demo_document()


def add_directory_agencies(region):
    """The agencies the demo directory's organization identifiers name."""
    region.pbhp = Agency.objects.create(
        code="prairie-behavioral",
        name="Prairie Behavioral Health Partners",
        kind=AgencyKind.BEHAVIORAL_HEALTH,
        owning_agency=region.admin,
    )
    region.ridgeway = Agency.objects.create(
        code="ridgeway-recovery",
        name="Ridgeway Recovery Center",
        kind=AgencyKind.BEHAVIORAL_HEALTH,
        owning_agency=region.admin,
        part2_program=True,
    )
    return region


@pytest.fixture
def directory_agencies(region):
    return add_directory_agencies(region)


@pytest.fixture
def one_service(demo_document) -> dict:
    """A copy of the demo's Crisis Stabilization Unit (24/7, adults)."""
    return copy.deepcopy(
        next(s for s in demo_document["contents"] if s["name"] == "Crisis Stabilization Unit")
    )
