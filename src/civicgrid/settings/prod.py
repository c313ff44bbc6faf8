"""Production settings: the base, with the checks of ``check --deploy`` in mind."""

from civicgrid.settings.base import *  # noqa: F403  (the settings pattern)

DEBUG = False
