"""`tandem audit verify`: check the audit trail's hash chain; exit 1 if it is broken."""

from django.core.management.base import BaseCommand, CommandError

from tandem.privacy.chain import verify


class Command(BaseCommand):
    help = "Audit trail tools. verify: check the hash chain and name the first break."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args, action: str, **options):
        result = verify()
        if not result.intact:
            raise CommandError(
                f"Audit chain broken after {result.events:,} events: {result.problem}."
            )
        self.stdout.write(f"Audit chain intact: {result.events:,} events.")
