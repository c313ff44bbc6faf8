"""Settings package: ``base`` holds everything, the others adjust it.

``civicgrid.settings.prod`` is the default of the ``civicgrid`` command, WSGI
and ASGI (unless ``DJANGO_SETTINGS_MODULE`` says otherwise): it fails closed.
``dev`` is for working on the code (``CIVICGRID_DEBUG`` honoured, no
production checks) and ``test`` for pytest. All values come from the
environment (``CIVICGRID_*``); see the README.
"""
