"""`tandem demo`: set up the demo region once, then serve it."""

import subprocess
import sys
import time
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand

from tandem.accounts.models import User
from tandem.demo.bookings import demo_bookings_import
from tandem.demo.sharing import sharing_seed
from tandem.demo.users import demo_users_ensure
from tandem.directory.models import Service
from tandem.dispatch.models import Call
from tandem.imports.models import JailBooking
from tandem.people.models import LinkageRun

REGION = Path(__file__).resolve().parents[2] / "region.yaml"
DIRECTORY = REGION.with_name("directory.json")  # Open Referral HSDS 3.0


class Command(BaseCommand):
    help = "Migrate, load the demo region with 12 months of history, print logins, serve."

    def add_arguments(self, parser):
        parser.add_argument("--addrport", default="127.0.0.1:8000")
        parser.add_argument("--months", type=int, default=12)
        parser.add_argument("--seed", type=int, default=2024)
        parser.add_argument("--no-serve", action="store_true", help="Set up, do not serve.")

    def handle(self, *args, addrport: str, months: int, seed: int, no_serve: bool, **opts):
        self.stdout.write("== database")
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("== demo region")
        call_command("load_program", str(REGION))
        if not Service.objects.exists():  # before the history, which refers people to it
            self.stdout.write("== service directory")
            call_command("directory_import", str(DIRECTORY))
        if Call.objects.exists():
            self.stdout.write("== history already present, reusing it")
        else:
            self.stdout.write(f"== generating {months} months of history (seed {seed})")
            call_command("generate_history", months=months, seed=seed)
        self.stdout.write("== matching keys for intake search")
        call_command("index_people", "--missing")
        if not LinkageRun.objects.exists():
            self.stdout.write("== linking the agencies' records of the same people")
            call_command("link_people")
        logins = demo_users_ensure()
        if JailBooking.objects.exists():
            self.stdout.write("== jail bookings already present, reusing them")
        else:
            self.stdout.write("== importing the county jail's bookings (Stepping Up measures)")
            self.import_bookings(seed)
        if sharing_seed():
            self.stdout.write("== data-sharing agreements and consents")
        self.print_logins(logins, addrport)
        if not no_serve:
            worker = self.start_worker()
            try:
                call_command("runserver", addrport, use_reloader=False)
            finally:
                worker.terminate()

    def import_bookings(self, seed: int) -> None:
        """The jail's export for the history's months, imported as the regional admin,
        whose imports page then shows its report."""
        started = time.perf_counter()
        summary = demo_bookings_import(seed=seed, actor=User.objects.get(username="regional"))
        self.stdout.write(
            f"Imported {summary['bookings']:,} bookings of {summary['people']:,} people "
            f"({summary['start']} to {summary['end']}: the history and a baseline year) in "
            f"{time.perf_counter() - started:.1f} s: {summary['linked']:,} of them of people "
            f"the program knows, {summary['smi']:,} assessed SMI; report at "
            f"/imports/{summary['run']}/"
        )

    def start_worker(self) -> subprocess.Popen:
        """The background worker (follow-up reminders), alongside the web server."""
        self.stdout.write("== background worker for reminders (tandem db_worker)")
        return subprocess.Popen(
            [sys.executable, "-m", "tandem.cli", "db_worker", "--no-reload", "-v", "0"]
        )

    def print_logins(self, logins: list[dict], addrport: str) -> None:
        self.stdout.write(f"\nTandem demo at http://{addrport}/  — demo logins:\n")
        width = max(len(login["username"]) for login in logins)
        for login in logins:
            self.stdout.write(
                f"  {login['username']:<{width}}  {login['password']:<24}"
                f"  {'*' if login['two_factor'] else ' '} {login['role']}, {login['agency']}"
            )
        self.stdout.write(
            "\n  * also asks for a two-factor code after the password; get the current one"
            "\n    with:  .venv/bin/tandem otp-code USERNAME\n"
        )
