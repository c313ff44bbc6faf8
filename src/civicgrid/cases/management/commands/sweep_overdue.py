"""``civicgrid sweep_overdue``: mark overdue cases once (the task does it every minute)."""

from django.core.management.base import BaseCommand

from civicgrid.cases.tasks import ensure_sweep_scheduled, sweep_overdue_now


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
        self.stdout.write(f"marked {sweep_overdue_now()} overdue case(s)")
