"""Models of the assets app."""

from civicgrid.assets.models.assets import Asset

__all__ = ["Asset"]
