"""``civicgrid sweep_overdue``: mark overdue cases once (the task does it every minute)."""

from django.core.management.base import BaseCommand

from civicgrid.cases.tasks import ensure_sweep_scheduled, run_sweep


class Command(BaseCommand):
    help = (
        "Mark every open case whose deadline has passed. With --schedule, enqueue the "
        "periodic sweep task for the db_worker instead."
    )

    def add_arguments(self, parser):
        parser.add_argument("--schedule", action="store_true", help="enqueue the periodic task")

    def handle(self, *args, **options):
        if options["schedule"]:
            queued = ensure_sweep_scheduled()
            self.stdout.write("sweep scheduled" if queued else "sweep already scheduled")
            return
        marked = run_sweep()  # under the lease: never beside a running sweep
        if marked is None:
            self.stdout.write("skipped: another server is running the sweep")
        else:
            self.stdout.write(f"marked {marked} overdue case(s)")
