"""A small region made with the ORM, and a helper that generates history into it."""

import datetime as dt

import pytest

from tandem.demo.history import history_generate
from tandem.demo.small_region import small_region_create

END = dt.date(2025, 3, 1)


@pytest.fixture
def small_region(db):
    return small_region_create()


@pytest.fixture
def generate(small_region):
    """Generate a month of history (about 3,000 calls) with the given options."""

    def run(**options):
        options = {"months": 1, "seed": 7, "end": END, "calls_per_day": 100, **options}
        return history_generate(**options)

    return run
