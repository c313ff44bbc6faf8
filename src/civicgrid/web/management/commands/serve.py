"""``civicgrid serve``: run the platform with gunicorn."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Run the platform with a production WSGI server (gunicorn, threaded workers). "
        "Static files are collected first and served by WhiteNoise."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="address to bind (127.0.0.1)")
        parser.add_argument("--port", type=int, default=8000, help="port to bind (8000)")
        parser.add_argument("--workers", type=int, default=2, help="worker processes (2)")
        parser.add_argument("--threads", type=int, default=8, help="threads per worker (8)")
        parser.add_argument(
            "--no-collectstatic", action="store_true", help="skip collecting static files"
        )
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="do not start the background task worker (overdue sweep, notices)",
        )
        parser.add_argument(
            "--timeout", type=int, default=60, help="seconds before a stuck worker is restarted"
        )

    def handle(self, *args, **options):
        if not 0 < options["port"] < 65536:
            raise CommandError(f"--port must be 1..65535, not {options['port']}")
        if options["workers"] < 1 or options["threads"] < 1:
            raise CommandError("--workers and --threads must be at least 1")
        if not options["no_collectstatic"]:
            call_command("collectstatic", interactive=False, verbosity=0)
        from gunicorn.app.base import BaseApplication

        from civicgrid.wsgi import application

        worker = None if options["no_worker"] else self._start_worker()
        bind = f"{options['host']}:{options['port']}"
        config = {
            "bind": bind,
            "workers": options["workers"],
            "threads": options["threads"],
            "worker_class": "gthread",
            "timeout": options["timeout"],
            "accesslog": "-",
            "errorlog": "-",
            "loglevel": "info",
            "forwarded_allow_ips": "127.0.0.1",
        }

        class Server(BaseApplication):
            def load_config(self):
                for key, value in config.items():
                    self.cfg.set(key, value)

            def load(self):
                return application

        self.stdout.write(f"CivicGrid on http://{bind}/ (data: {settings.DATA_DIR})")
        try:
            Server().run()
        finally:
            if worker is not None:
                worker.terminate()

    def _start_worker(self):
        """Schedule the overdue sweep and run the task worker beside the server."""
        import subprocess
        import sys

        from civicgrid.cases.tasks import ensure_sweep_scheduled
        from civicgrid.org.tasks import ensure_purge_scheduled

        ensure_sweep_scheduled()
        ensure_purge_scheduled()
        return subprocess.Popen(
            [sys.executable, "-m", "civicgrid", "db_worker", "--interval", "5"]
        )
