"""Models of the org app."""

from civicgrid.org.models.apikeys import ApiKey
from civicgrid.org.models.departments import Department
from civicgrid.org.models.users import User

__all__ = ["ApiKey", "Department", "User"]
