"""Shared base for every model that carries an outline."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Outlined(models.Model):
    """A coded place with a GeoJSON outline (WGS-84) and a bbox for quick filters.

    Geometry is kept as GeoJSON plus bbox columns rather than PostGIS types so
    that the embedded SQLite default and PostgreSQL run the same code; the
    process-wide STRtree does the real spatial work.
    """

    code = models.CharField(_("code"), max_length=15, unique=True)
    name = models.CharField(_("name"), max_length=100)
    geometry = models.JSONField(_("outline (GeoJSON, WGS-84)"))
    area_m2 = models.FloatField(_("area (m²)"))
    min_lon = models.FloatField(editable=False)
    min_lat = models.FloatField(editable=False)
    max_lon = models.FloatField(editable=False)
    max_lat = models.FloatField(editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name}"
