"""``civicgrid load-categories``."""

from django.core.management.base import BaseCommand

from civicgrid.categories.services import load_reference_categories


class Command(BaseCommand):
    help = (
        "Load the national category directory (GB/T 47678.5-2026) and the default case "
        "standard (运城: filing conditions, closing conditions, time limits). Idempotent; "
        "reports every row it could not load."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--without-standard", action="store_true", help="load only the directory"
        )

    def handle(self, *args, **options):
        report = load_reference_categories(with_standard=not options["without_standard"])
        for line in report.lines():
            self.stdout.write(line)
