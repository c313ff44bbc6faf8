"""``civicgrid audit verify``: check every case's event chain."""

from django.core.management.base import BaseCommand, CommandError

from civicgrid.cases.models import Case
from civicgrid.cases.services.events import verify_case_chain


class Command(BaseCommand):
    help = "Verify the tamper-evident event chain of every case (exit 1 if any is broken)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="recompute and check every chain")
        verify.add_argument("--case", help="check only this case number")

    def handle(self, *args, **options):
        cases = Case.objects.order_by("pk")
        if options.get("case"):
            cases = cases.filter(code=options["case"])
            if not cases.exists():
                raise CommandError(f"no case {options['case']}")
        broken = 0
        checked = 0
        for case in cases.iterator():
            ok, reason = verify_case_chain(case)
            checked += 1
            if not ok:
                broken += 1
                self.stderr.write(f"case {case.code}: BROKEN — {reason}")
        if broken:
            raise CommandError(f"{broken} of {checked} case chains are broken")
        self.stdout.write(self.style.SUCCESS(f"all {checked} case chains verify"))
