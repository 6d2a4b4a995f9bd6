"""Telling privacy officers that something needs their review.

The review queues are the durable record; this message only draws attention to them,
so it never holds health information and a mail failure never blocks the care that
caused it.
"""

from django.conf import settings
from django.core.mail import send_mail

from tandem.accounts.models import User
from tandem.accounts.roles import Role


def privacy_officers_notify(*, agency_ids: set[int], subject: str, body: str) -> int:
    """Mail the privacy officers of these agencies; returns how many were addressed."""
    recipients = sorted(
        set(
            User.objects.filter(
                memberships__role=Role.PRIVACY_OFFICER,
                memberships__owning_agency_id__in=agency_ids,
                is_active=True,
            )
            .exclude(email="")
            .values_list("email", flat=True)
        )
    )
    if recipients:
        send_mail(
            f"[Tandem] {subject}",
            body,
            settings.DEFAULT_FROM_EMAIL,
            recipients,
            fail_silently=True,
        )
    return len(recipients)
