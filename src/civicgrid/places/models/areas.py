"""The administrative hierarchy and the unit grid (GB/T 30428.1 / CJ/T 213)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from civicgrid.places.models.base import Outlined


class District(Outlined):
    """A county-level division (区/县) with its own district platform."""

    class Meta(Outlined.Meta):
        verbose_name = _("district")
        verbose_name_plural = _("districts")


class Street(Outlined):
    """A sub-district (街道/乡镇); its 9-digit code extends its district's."""

    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="streets", verbose_name=_("district")
    )

    class Meta(Outlined.Meta):
        verbose_name = _("street")
        verbose_name_plural = _("streets")


class Community(Outlined):
    """A neighbourhood committee area (社区); 12-digit code."""

    street = models.ForeignKey(
        Street, on_delete=models.PROTECT, related_name="communities", verbose_name=_("street")
    )

    class Meta(Outlined.Meta):
        verbose_name = _("community")
        verbose_name_plural = _("communities")


class GridCell(Outlined):
    """A unit grid cell (单元网格), the smallest managed area, about 10,000 m².

    ``street`` and ``district`` repeat what ``community`` implies so that case
    lists can filter by any level without joins through three tables.
    """

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="cells", verbose_name=_("community")
    )
    street = models.ForeignKey(
        Street, on_delete=models.PROTECT, related_name="cells", verbose_name=_("street")
    )
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="cells", verbose_name=_("district")
    )

    class Meta(Outlined.Meta):
        verbose_name = _("unit grid cell")
        verbose_name_plural = _("unit grid cells")
