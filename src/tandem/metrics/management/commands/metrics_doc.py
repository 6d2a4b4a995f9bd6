from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from tandem.metrics.docs import render


class Command(BaseCommand):
    help = "Write docs/metrics.md from the metric catalogue and the encounter rules."

    def add_arguments(self, parser):
        parser.add_argument("--output", default=str(settings.REPO_DIR / "docs" / "metrics.md"))

    def handle(self, *args, output: str, **options):
        path = Path(output)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render())
        self.stdout.write(f"wrote {path}")
