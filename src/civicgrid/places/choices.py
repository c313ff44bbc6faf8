"""Choices of the places app."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from civicgrid.core import coords


class PlaceLevel(models.TextChoices):
    """The layers ``import-places`` accepts, from largest to smallest."""

    DISTRICT = "district", _("District")
    STREET = "street", _("Street")
    COMMUNITY = "community", _("Community")
    GRID = "grid", _("Unit grid cell")
    RESPONSIBILITY = "responsibility", _("Responsibility zone")
    PATROL = "patrol", _("Patrol zone")


class Crs(models.TextChoices):
    """Coordinate systems accepted at the edges; storage is always WGS-84."""

    WGS84 = coords.WGS84, "WGS-84"
    GCJ02 = coords.GCJ02, _("GCJ-02 (AMap, Tencent)")
    BD09 = coords.BD09, _("BD-09 (Baidu)")
    CGCS2000 = coords.CGCS2000, "CGCS2000"
