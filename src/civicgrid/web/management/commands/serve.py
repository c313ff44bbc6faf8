"""``civicgrid serve``: run the platform with gunicorn and uvicorn (ASGI) workers."""

import os
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.utils.translation import gettext as _


class Command(BaseCommand):
    help = (
        "Run the platform with gunicorn managing uvicorn (ASGI) worker processes: pages and "
        "the API run on a pool of --threads threads per process, the command screen's live "
        "streams in the event loop, so open screens hold no threads. Static files are collected first and served "
        "by WhiteNoise. Also starts the supervised task worker (`civicgrid worker`) unless "
        "--no-worker. Request bodies are capped by the application (DATA_UPLOAD_MAX_MEMORY_SIZE "
        "and the photo limits), headers by uvicorn."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="address to bind (127.0.0.1)")
        parser.add_argument("--port", type=int, default=8000, help="port to bind (8000)")
        parser.add_argument("--workers", type=int, default=2, help="worker processes (2)")
        parser.add_argument(
            "--threads",
            type=int,
            default=8,
            help="threads per worker process for ordinary requests (8); live streams wait on "
            "the event loop and hold none",
        )
        parser.add_argument(
            "--limit-concurrency",
            type=int,
            default=1000,
            help="open connections per worker process (live streams included) before new "
            "ones get 503 (1000)",
        )
        parser.add_argument(
            "--no-collectstatic", action="store_true", help="skip collecting static files"
        )
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="do not start the background task worker (overdue sweep, notices)",
        )
        parser.add_argument(
            "--timeout",
            type=int,
            default=60,
            help="seconds a worker process may stay unresponsive before it is restarted (60)",
        )

    def handle(self, *args, **options):
        if not 0 < options["port"] < 65536:
            raise CommandError(_("--port must be 1..65535, not %(port)s.") % options)
        if options["workers"] < 1 or options["limit_concurrency"] < 1 or options["threads"] < 1:
            raise CommandError(
                _("--workers, --threads and --limit-concurrency must be at least 1.")
            )
        # Read by civicgrid.asgi in each forked worker process.
        os.environ["CIVICGRID_SERVE_THREADS"] = str(options["threads"])
        from civicgrid.web.checks import ensure_safe_to_serve, is_loopback

        if settings.CIVICGRID.get("ALLOW_INSECURE_LOOPBACK") and not is_loopback(options["host"]):
            raise CommandError(
                _(
                    "CIVICGRID_ALLOW_INSECURE_LOOPBACK allows serving on a loopback address "
                    "only, not on %(host)s."
                )
                % options
            )
        # Refuse before binding, in this process: otherwise each worker would fail alone.
        ensure_safe_to_serve()
        if not options["no_collectstatic"]:
            call_command("collectstatic", interactive=False, verbosity=0)
        from gunicorn.app.base import BaseApplication

        worker = None if options["no_worker"] else self._start_worker()
        # Forked workers must not share the connection this process may have opened.
        connections.close_all()
        bind = f"{options['host']}:{options['port']}"
        config = {
            "bind": bind,
            "workers": options["workers"],
            "worker_class": asgi_worker_class(options["limit_concurrency"]),
            "timeout": options["timeout"],
            # Open streams end at shutdown instead of holding it for their lifetime.
            "graceful_timeout": 10,
            "accesslog": "-",
            "errorlog": "-",
            "loglevel": "info",
            "forwarded_allow_ips": "127.0.0.1",
            # One control socket per user would be shared by every server on the machine.
            "control_socket_disable": True,
        }

        class Server(BaseApplication):
            def load_config(self):
                for key, value in config.items():
                    self.cfg.set(key, value)

            def load(self):
                from civicgrid.asgi import application

                return application

        self.stdout.write(f"CivicGrid on http://{bind}/ (data: {settings.DATA_DIR})")
        try:
            Server().run()
        finally:
            if worker is not None:
                worker.terminate()
                try:
                    worker.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    worker.kill()

    def _start_worker(self):
        """Run the supervised task worker beside the server (it schedules the sweep)."""
        return subprocess.Popen([sys.executable, "-m", "civicgrid", "worker"])


def asgi_worker_class(limit_concurrency: int):
    """Return gunicorn's uvicorn worker class with CivicGrid's limits."""
    from uvicorn_worker import UvicornWorker

    class CivicGridWorker(UvicornWorker):
        CONFIG_KWARGS = {
            **UvicornWorker.CONFIG_KWARGS,
            "limit_concurrency": limit_concurrency,
            "timeout_graceful_shutdown": 5,
        }

    return CivicGridWorker
