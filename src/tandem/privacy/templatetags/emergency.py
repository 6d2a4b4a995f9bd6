"""`{% emergency_status person %}`: the break-the-glass button, or the open-access banner."""

from django import template
from django.utils import timezone

from tandem.privacy import emergency
from tandem.privacy.models import EmergencyAccess

register = template.Library()


@register.inclusion_tag("privacy/_emergency_status.html", takes_context=True)
def emergency_status(context, person):
    user = context["request"].user
    opened = person.pk in emergency.active_person_ids(user)
    until = None
    if opened:
        until = (
            EmergencyAccess.objects.filter(recipient=user, expires_at__gt=timezone.now())
            .order_by("-expires_at")
            .values_list("expires_at", flat=True)
            .first()
        )
    return {
        "opened": opened,
        "until": timezone.localtime(until) if until else None,
        "can_open": emergency.may_open(user),
        "person_id": person.pk,
    }
