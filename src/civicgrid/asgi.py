"""ASGI entry point, for servers that speak ASGI."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicgrid.settings.dev")
django_application = get_asgi_application()

# Django's ASGI handler spools the whole body before any middleware runs: count it first.
from civicgrid.web.bodylimit import limit_asgi_body  # noqa: E402  (needs the settings loaded)

application = limit_asgi_body(django_application)
