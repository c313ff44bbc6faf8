"""ASGI entry point (``civicgrid serve`` runs it under gunicorn's uvicorn workers).

Event streams run on the event loop; all other requests on a pool of
``CIVICGRID_SERVE_THREADS`` threads per process (``serve --threads``).

Production settings unless ``DJANGO_SETTINGS_MODULE`` says otherwise, and
the production checks run before the first request: a deployment without a
secret key or TLS does not start.
"""

import os
import warnings

from django.core.asgi import get_asgi_application
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicgrid.settings.prod")
django_application = get_asgi_application()

from civicgrid.web.checks import ensure_safe_to_serve  # noqa: E402  (needs apps loaded)

ensure_safe_to_serve()


def _database_connections() -> None:
    """Close connections after each request; on PostgreSQL, lend them from a pool."""
    from django.conf import settings

    from civicgrid.settings.env import for_asgi

    for database in settings.DATABASES.values():
        for_asgi(database, settings.CIVICGRID.get("DB_POOL_SIZE", 0))


_database_connections()
# WhiteNoise's static file responses are sync iterators; Django reads them in a
# thread, which is what we want, and would otherwise warn on the first of them.
warnings.filterwarnings(
    "ignore", message="StreamingHttpResponse must consume synchronous iterators"
)

# Django's ASGI handler spools the whole body before any middleware runs: count it first.
from civicgrid.web.asgi_split import split_application  # noqa: E402
from civicgrid.web.bodylimit import limit_asgi_body  # noqa: E402  (needs the settings loaded)

# Ordinary requests on a pool of threads, event streams on the event loop (web/asgi_split.py).
_threads = int(os.environ.get("CIVICGRID_SERVE_THREADS", "8"))
application = limit_asgi_body(
    split_application(django_application, get_wsgi_application(), max(1, _threads))
)
