"""Settings package: ``base`` holds everything, the others adjust it.

``civicgrid.settings.dev`` (the ``civicgrid`` command's default unless
``DJANGO_SETTINGS_MODULE`` says otherwise), ``test`` for pytest and ``prod``
for deployments that want to be explicit. All values come from the
environment (``CIVICGRID_*``); see ``docs/configuration.md``.
"""
