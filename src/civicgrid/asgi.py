"""ASGI entry point, for servers that speak ASGI.

Production settings unless ``DJANGO_SETTINGS_MODULE`` says otherwise, and
the production checks run before the first request: a deployment without a
secret key or TLS does not start.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicgrid.settings.prod")
application = get_asgi_application()

from civicgrid.web.checks import ensure_safe_to_serve  # noqa: E402  (needs apps loaded)

ensure_safe_to_serve()
