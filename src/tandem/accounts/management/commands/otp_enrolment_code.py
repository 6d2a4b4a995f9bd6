"""`tandem otp-enrolment-code USERNAME`: a one-time code to set up two-factor sign-in.

Where a second factor is required, a new account (or one whose device was reset) enrols
an authenticator app only after typing this code: a password alone is not enough. Give
it to the person in person or by phone. It works once, for 72 hours; a new code voids
the last. Audited as 2fa_code_issued.
"""

from django.core.management.base import BaseCommand, CommandError

from tandem.accounts import otp
from tandem.accounts.management.commands._accounts import user_named
from tandem.accounts.services import ENROLMENT_CODE_HOURS, enrolment_code_issue


class Command(BaseCommand):
    help = "Print a one-time code USERNAME types before setting up two-factor sign-in."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username: str, **options):
        user = user_named(username)
        if otp.device_of(user) is not None:
            raise CommandError(
                f"{username} has a two-factor device already; to replace it, use "
                f"`tandem otp-reset {username}`, which gives a new code."
            )
        code = enrolment_code_issue(actor=None, user=user)
        self.stdout.write(enrolment_code_message(username, code))


def enrolment_code_message(username: str, code: str) -> str:
    return (
        f"Enrolment code for {username}: {code}\n"
        f"Give it to them in person or by phone. It works once, for {ENROLMENT_CODE_HOURS} "
        "hours, at their next sign-in."
    )
