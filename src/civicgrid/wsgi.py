"""WSGI entry point (gunicorn ``civicgrid.wsgi:application``)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicgrid.settings.dev")
application = get_wsgi_application()
