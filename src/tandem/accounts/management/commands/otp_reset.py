"""`tandem otp-reset USERNAME`: remove a person's authenticator device (lost or replaced).

The only way to replace a device: nobody can remove their own second factor from a page,
so a stolen password is not enough to swap it. Where a second factor is required, it
prints the one-time enrolment code the person needs to set up the new one. Audited as
2fa_reset (and 2fa_code_issued).
"""

from django.core.management.base import BaseCommand

from tandem.accounts import otp
from tandem.accounts.management.commands._accounts import user_named
from tandem.accounts.management.commands.otp_enrolment_code import enrolment_code_message
from tandem.accounts.services import enrolment_code_issue, two_factor_reset


class Command(BaseCommand):
    help = "Remove USERNAME's two-factor device; they set up a new one at their next sign-in."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username: str, **options):
        user = user_named(username)
        removed = two_factor_reset(actor=None, user=user)
        if not removed:
            self.stdout.write(f"{username} had no two-factor device; nothing to reset.")
            return
        if not otp.two_factor_required(user):
            self.stdout.write(
                f"Two-factor device of {username} removed; they sign in with their "
                "password alone until they set up a new one."
            )
            return
        code = enrolment_code_issue(actor=None, user=user)
        self.stdout.write(
            f"Two-factor device of {username} removed; they set up a new one at their next "
            "sign-in.\n" + enrolment_code_message(username, code)
        )
