"""ASGI entry point (``civicgrid serve`` runs it under gunicorn's uvicorn workers)."""

import os
import warnings

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicgrid.settings.dev")
application = get_asgi_application()


def _no_persistent_connections() -> None:
    """Close database connections at the end of each request, as Django advises under ASGI.

    Each ASGI request runs its sync code in a thread of its own, so a
    persistent connection would outlive the only thread that could reuse it.
    """
    from django.conf import settings

    for database in settings.DATABASES.values():
        database["CONN_MAX_AGE"] = 0


_no_persistent_connections()
# WhiteNoise's static file responses are sync iterators; Django reads them in a
# thread, which is what we want, and would otherwise warn on the first of them.
warnings.filterwarnings(
    "ignore", message="StreamingHttpResponse must consume synchronous iterators"
)
