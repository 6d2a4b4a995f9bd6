"""`tandem membership grant|revoke USERNAME AGENCY ROLE`: give or take away a role.

Each change is audited (membership_granted, membership_revoked) under the agency.
"""

from django.core.management.base import BaseCommand, CommandError

from tandem.accounts.management.commands._accounts import user_named
from tandem.accounts.models import Membership
from tandem.accounts.roles import Role
from tandem.accounts.services import membership_grant, membership_revoke
from tandem.agencies.models import Agency


class Command(BaseCommand):
    help = "Grant or revoke a role: membership grant|revoke USERNAME AGENCY_CODE ROLE."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["grant", "revoke"])
        parser.add_argument("username")
        parser.add_argument("agency", help="the agency's code, as in the program file")
        parser.add_argument("role", choices=Role.values)

    def handle(self, *args, action: str, username: str, agency: str, role: str, **options):
        user = user_named(username)
        place = Agency.objects.filter(code=agency).first()
        if place is None:
            codes = ", ".join(Agency.objects.order_by("code").values_list("code", flat=True))
            raise CommandError(f"No agency with code {agency!r}; expected one of: {codes}.")
        label = f"{Role(role).label} at {place.name}"
        if action == "grant":
            _, created = membership_grant(actor=None, user=user, agency=place, role=role)
            self.stdout.write(f"{username}: {label} {'granted' if created else 'already held'}.")
            return
        membership = Membership.objects.filter(user=user, owning_agency=place, role=role).first()
        if membership is None:
            raise CommandError(f"{username} does not hold {label}; nothing to revoke.")
        membership_revoke(actor=None, membership=membership)
        self.stdout.write(f"{username}: {label} revoked.")
