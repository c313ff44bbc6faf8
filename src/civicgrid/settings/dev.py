"""Settings for running the platform: everything from the environment."""

from civicgrid.settings.base import *  # noqa: F403  (the settings pattern)
