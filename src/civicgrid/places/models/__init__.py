"""Models of the places app."""

from civicgrid.places.models.areas import Community, District, GridCell, Street
from civicgrid.places.models.zones import PatrolZone, ResponsibilityZone

__all__ = ["Community", "District", "GridCell", "PatrolZone", "ResponsibilityZone", "Street"]
