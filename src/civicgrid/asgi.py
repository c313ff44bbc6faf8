"""ASGI entry point (``civicgrid serve`` runs it under gunicorn's uvicorn workers).

Production settings unless ``DJANGO_SETTINGS_MODULE`` says otherwise, and
the production checks run before the first request: a deployment without a
secret key or TLS does not start.
"""

import os
import warnings

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicgrid.settings.prod")
django_application = get_asgi_application()

from civicgrid.web.checks import ensure_safe_to_serve  # noqa: E402  (needs apps loaded)

ensure_safe_to_serve()


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

# Django's ASGI handler spools the whole body before any middleware runs: count it first.
from civicgrid.web.bodylimit import limit_asgi_body  # noqa: E402  (needs the settings loaded)

application = limit_asgi_body(django_application)
