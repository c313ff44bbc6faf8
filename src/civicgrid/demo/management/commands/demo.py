"""``civicgrid demo``: migrate and load the demo city."""

import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

DEFAULT_PASSWORD = "civicgrid-demo"


class Command(BaseCommand):
    help = (
        "Migrate the database, then load the demo city (2 districts, 6 streets, 24 "
        "communities, 1,680 unit grid cells, departments, assets, one user per role, and 80 "
        "sample cases at every step of the loop on a first run). "
        "Idempotent: running it again updates in place. Prints the demo logins."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--password",
            default=DEFAULT_PASSWORD,
            help=f"password for every demo user (default {DEFAULT_PASSWORD!r})",
        )
        parser.add_argument("--no-cases", action="store_true", help="do not open the sample cases")

    def handle(self, *args, **options):
        password = options["password"]
        if len(password) < 6:
            raise CommandError("--password must be at least 6 characters")
        started = time.monotonic()
        call_command("migrate", interactive=False, verbosity=0)
        from civicgrid.demo.city import build_demo_city

        result = build_demo_city(password, with_cases=not options["no_cases"])
        report = result["categories"]
        self.stdout.write(
            f"demo city loaded in {time.monotonic() - started:.1f} s: "
            f"{result['cells']} grid cells, {result['departments']} departments, "
            f"{result['assets']} assets, {report.conditions} filing conditions, "
            f"{result['sample_cases']} new sample cases"
        )
        for line in report.row_errors:
            self.stdout.write(self.style.WARNING(f"case standard row not loaded: {line}"))
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {password}):")
        for user in result["users"]:
            self.stdout.write(f"  {user.username:20} {user.role:12} {user.display_name}")
