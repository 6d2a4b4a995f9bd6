"""`tandem set-password USERNAME`: set a password, checked by the password validators.

Asks twice on a terminal; reads one line from standard input otherwise (for scripts).
Refused passwords (too short, too common, too like the username) change nothing.
"""

import getpass
import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tandem.accounts.management.commands._accounts import user_named
from tandem.accounts.services import password_set


class Command(BaseCommand):
    help = "Set USERNAME's password (Django's validators apply; audited)."
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username: str, **options):
        user = user_named(username)
        password = self._read_password(options.get("stdin") or sys.stdin)
        try:
            password_set(actor=None, user=user, password=password)
        except ValidationError as exc:
            raise CommandError("Password refused: " + " ".join(exc.messages)) from None
        self.stdout.write(f"Password of {username} set.")

    def _read_password(self, stdin) -> str:
        if not stdin.isatty():
            return stdin.readline().rstrip("\n")
        first = getpass.getpass("New password: ")
        if getpass.getpass("Again: ") != first:
            raise CommandError("The two passwords differ; nothing changed.")
        return first
