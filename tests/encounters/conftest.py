import uuid

import pytest
from django.utils import timezone

from tandem.dispatch.models import Assignment


@pytest.fixture
def field_region(dispatch_region):
    """The fixture region with an open assignment of the ride-along team (an officer and
    a clinician of the treating provider) to the EDP call."""
    r = dispatch_region
    r.open_assignment = Assignment.objects.create(
        owning_agency=r.pd,
        call=r.call,
        team=r.team,
        mode="co_responder",
        assigned_at=timezone.now(),
        on_scene_at=timezone.now(),
    )
    return r


@pytest.fixture
def token():
    return uuid.uuid4()
