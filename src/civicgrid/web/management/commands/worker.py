"""``civicgrid worker``: the background task worker (``db_worker``), supervised."""

import signal
import sys

from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.utils.translation import gettext as _

from civicgrid.common.supervisor import Supervisor


class Command(BaseCommand):
    help = (
        "Run the background task worker (overdue sweep, notices) and restart it whenever it "
        "exits, with a growing pause; record its heartbeat for /healthz. `civicgrid serve` "
        "starts one; with several servers run it on one or more of them (the sweep holds a "
        "lease, so it never runs twice at once)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--interval", type=float, default=5.0, help="seconds between looks for tasks (5)"
        )
        parser.add_argument(
            "--max-pause", type=float, default=60.0, help="longest pause between restarts (60)"
        )

    def handle(self, *args, **options):
        if options["interval"] <= 0 or options["max_pause"] <= 0:
            raise CommandError(_("--interval and --max-pause must be positive."))
        from civicgrid.cases.audit_tasks import ensure_checkpoint_scheduled
        from civicgrid.cases.tasks import beat, ensure_sweep_scheduled, retry_locked
        from civicgrid.org.tasks import ensure_purge_scheduled

        def on_start(starts):
            # Before each (re)start: revive the sweep chain and count the restart.
            retry_locked(ensure_sweep_scheduled)
            retry_locked(ensure_purge_scheduled)
            retry_locked(ensure_checkpoint_scheduled)
            retry_locked(lambda: beat(started=True, restarted=starts > 0))
            connections.close_all()  # not shared with the child; not held while waiting

        def on_beat():
            retry_locked(beat)
            connections.close_all()

        command = [sys.executable, "-m", "civicgrid", "db_worker", "--interval"]
        supervisor = Supervisor(
            [*command, str(options["interval"])],
            max_pause=options["max_pause"],
            on_start=on_start,
            on_beat=on_beat,
        )

        def stop(signum, frame):
            supervisor.stop()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        supervisor.run()
