"""Choices of the places app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


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

    WGS84 = "wgs84", "WGS-84"
    GCJ02 = "gcj02", _("GCJ-02 (AMap, Tencent)")
    BD09 = "bd09", _("BD-09 (Baidu)")
    CGCS2000 = "cgcs2000", "CGCS2000"
