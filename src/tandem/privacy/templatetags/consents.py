"""`{% consent_status person %}`: the person page's consent summary and links, for the
clinical staff of a behavioral-health provider (nothing for anyone else)."""

from django import template
from django.utils import timezone

from tandem.privacy import consent as consents
from tandem.privacy.models import ConsentStatus

register = template.Library()


@register.inclusion_tag("privacy/_consent_status.html", takes_context=True)
def consent_status(context, person):
    user = context["request"].user
    agency = consents.consent_agency(user)
    if agency is None:
        return {"can_record": False}
    rows = consents.consent_list(actor=user, person_id=person.pk)
    now = timezone.now()
    active = [c for c in rows if c.status_at(now) == ConsentStatus.ACTIVE]
    shared_with = sorted({a.name for c in active for a in c.recipients.all()})
    return {
        "can_record": True,
        "agency": agency,
        "person_id": person.pk,
        "active": len(active),
        "total": len(rows),
        "shared_with": shared_with,
    }
