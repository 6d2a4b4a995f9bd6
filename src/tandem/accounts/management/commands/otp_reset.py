"""`tandem otp-reset USERNAME`: remove a person's authenticator device (lost or replaced).

The only way to replace a device: nobody can remove their own second factor from a page,
so a stolen password is not enough to swap it. Audited as 2fa_reset.
"""

from django.core.management.base import BaseCommand

from tandem.accounts import otp
from tandem.accounts.management.commands._accounts import user_named
from tandem.accounts.services import two_factor_reset


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
        then = (
            "they set up a new one at their next sign-in"
            if otp.two_factor_required(user)
            else "they sign in with their password alone until they set up a new one"
        )
        self.stdout.write(f"Two-factor device of {username} removed; {then}.")
