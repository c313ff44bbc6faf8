"""Production settings: the default of ``civicgrid``, WSGI and ASGI.

The base, with debug mode off and the production checks
(:mod:`civicgrid.web.checks`) on: serving refuses to start without a secret
key from the environment and TLS, unless the site is explicitly a
loopback-only trial (``CIVICGRID_ALLOW_INSECURE_LOOPBACK=1``).
"""

from civicgrid.settings.base import *  # noqa: F403  (the settings pattern)

DEBUG = False
CIVICGRID = {**CIVICGRID, "PRODUCTION": True}  # noqa: F405
