"""`tandem otp-code USERNAME`: the current sign-in code of a demo login.

The demo enrols its logins with keys derived from their usernames (`otp.demo_key`), so a
visitor needs no phone. The command refuses anything else: the account must be one of
the logins `tandem demo` wrote to var/demo-logins.json, and its device must carry the
demo's derived key. A real account's device has a random key, so this prints nothing
that the demo's public source code does not already give.
"""

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tandem.accounts import otp
from tandem.accounts.management.commands._accounts import user_named
from tandem.accounts.services import device_with_key
from tandem.demo.users import LOGINS_FILE


class Command(BaseCommand):
    help = "Print the current two-factor code of a demo login (demo databases only)."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username: str, **options):
        logins = Path(settings.VAR_DIR) / LOGINS_FILE
        demo_logins = json.loads(logins.read_text()) if logins.exists() else {}
        if username not in demo_logins:
            raise CommandError(
                f"{username!r} is not a demo login: otp-code only works in the demo "
                "(`tandem demo`), never for real accounts."
            )
        device = device_with_key(user_named(username), otp.demo_key(username))
        if device is None:
            raise CommandError(
                f"{username!r} has no demo two-factor device (their role signs in with a "
                "password alone, or the device was replaced); nothing to print."
            )
        self.stdout.write(otp.code_for(device))
