"""Reads for the home page: a few counts the user's roles care about."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from tandem.accounts.roles import Perm
from tandem.dispatch.models import Call, CallStatus
from tandem.encounters.models import Encounter
from tandem.privacy.selectors import visible


def home_figures(*, actor) -> list[dict]:
    """Counts over the records the actor may see; no segmented field is read."""
    since = timezone.now() - timedelta(days=30)
    figures = []
    if actor.has_perm_in(Perm.VIEW_CALLS):
        calls = visible(actor, Call.objects.all())
        figures.append(
            {
                "label": "Pending calls",
                "value": calls.filter(status=CallStatus.PENDING).count(),
                "url": reverse("dispatch:call_list"),
            }
        )
        figures.append(
            {
                "label": "Behavioral-health calls, last 30 days",
                "value": calls.filter(behavioral_health=True, received_at__gte=since).count(),
                "url": reverse("dispatch:call_list") + "?bh=1",
            }
        )
    if actor.has_perm_in(Perm.VIEW_ENCOUNTERS):
        encounters = visible(actor, Encounter.objects.all())
        figures.append(
            {
                "label": "Encounters, last 30 days",
                "value": encounters.filter(started_at__gte=since).count(),
                "url": reverse("encounters:encounter_list"),
            }
        )
    return figures
