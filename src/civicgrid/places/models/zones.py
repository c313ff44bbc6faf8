"""Sets of cells that someone answers for."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Zone(models.Model):
    """A named set of unit grid cells, with the union outline for maps."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    geometry = models.JSONField(_("outline (GeoJSON, WGS-84)"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name}"


class ResponsibilityZone(Zone):
    """The area a department or squad answers for (责任网格)."""

    cells = models.ManyToManyField(
        "places.GridCell", related_name="responsibility_zones", verbose_name=_("cells")
    )
    department = models.ForeignKey(
        "org.Department",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="responsibility_zones",
        verbose_name=_("department"),
    )

    class Meta(Zone.Meta):
        verbose_name = _("responsibility zone")
        verbose_name_plural = _("responsibility zones")


class PatrolZone(Zone):
    """The cells one inspector patrols (监督员巡查区 / 工作网格)."""

    cells = models.ManyToManyField(
        "places.GridCell", related_name="patrol_zones", verbose_name=_("cells")
    )
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="patrol_zones",
        verbose_name=_("inspector"),
    )

    class Meta(Zone.Meta):
        verbose_name = _("patrol zone")
        verbose_name_plural = _("patrol zones")
