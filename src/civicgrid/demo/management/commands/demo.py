"""``civicgrid demo``: migrate and load the demo city.

Refuses a database with accounts the demo did not make (a real city's), unless
``--force``: the demo's places, assets and sample cases would mix with real
data. Existing accounts are never changed, so no password is ever reset.
"""

import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

DEFAULT_PASSWORD = "civicgrid-demo"


class Command(BaseCommand):
    help = (
        "Migrate the database, then load the demo city (2 districts, 6 streets, 24 "
        "communities, 1,680 unit grid cells, departments, assets, one user per role, and 80 "
        "sample cases at every step of the loop on a first run). "
        "Idempotent: running it again updates in place. Prints the demo logins. "
        "Refuses a database with accounts the demo did not create unless --force; "
        "existing accounts (and their passwords) are never changed."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--password",
            default=DEFAULT_PASSWORD,
            help=f"password for every demo user (default {DEFAULT_PASSWORD!r})",
        )
        parser.add_argument("--no-cases", action="store_true", help="do not open the sample cases")
        parser.add_argument(
            "--force",
            action="store_true",
            help="load the demo even though the database has accounts the demo did not create",
        )

    def handle(self, *args, **options):
        password = options["password"]
        if len(password) < 6:
            raise CommandError("--password must be at least 6 characters")
        from civicgrid.demo.city import build_demo_city, foreign_users

        foreign = foreign_users()
        if foreign and not options["force"]:
            raise CommandError(
                _(
                    "This database has %(count)d accounts the demo did not create (%(names)s); "
                    "the demo city would mix with its data. Use an empty database (e.g. another "
                    "CIVICGRID_DATA_DIR), or add --force if this database is a disposable copy."
                )
                % {"count": len(foreign), "names": ", ".join(foreign[:5])}
            )
        if foreign:
            self.stderr.write(
                self.style.WARNING(
                    _("--force: loading the demo beside %(count)d other accounts.")
                    % {"count": len(foreign)}
                )
            )
        started = time.monotonic()
        call_command("migrate", interactive=False, verbosity=0)

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
        new_users = set(result["new_users"])
        self.stdout.write(f"Demo logins (password for all: {password}):")
        for user in result["users"]:
            self.stdout.write(f"  {user.username:20} {user.role:12} {user.display_name}")
        kept = [user.username for user in result["users"] if user.username not in new_users]
        if kept:
            self.stdout.write(
                _("Accounts that already existed keep their own passwords: %(names)s")
                % {"names": ", ".join(kept)}
            )
