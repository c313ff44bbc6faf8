"""City assets (部件) from the census."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from civicgrid.assets.choices import AssetState


class Asset(models.Model):
    """A physical asset with its national code, place and owner.

    ``code`` is the 16-digit (CJ/T 214: 6+2+2+6) or 17-digit (GB/T 47678.5:
    6+2+3+6) identifier. ``grid_cell`` is located from the point on import.
    """

    code = models.CharField(_("code"), max_length=17, unique=True)
    category = models.ForeignKey(
        "categories.Category",
        on_delete=models.PROTECT,
        related_name="assets",
        verbose_name=_("category"),
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    lon = models.FloatField(_("longitude (WGS-84)"))
    lat = models.FloatField(_("latitude (WGS-84)"))
    grid_cell = models.ForeignKey(
        "places.GridCell",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assets",
        verbose_name=_("unit grid cell"),
    )
    owner = models.ForeignKey(
        "org.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_assets",
        verbose_name=_("owner"),
    )
    maintainer = models.ForeignKey(
        "org.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="maintained_assets",
        verbose_name=_("maintainer"),
    )
    state = models.CharField(
        _("state"), max_length=10, choices=AssetState.choices, default=AssetState.INTACT
    )
    note = models.CharField(_("note"), max_length=1000, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("asset")
        verbose_name_plural = _("assets")
        indexes = [models.Index(fields=["lon", "lat"], name="assets_lon_lat")]

    def __str__(self):
        return f"{self.code} {self.name}"
