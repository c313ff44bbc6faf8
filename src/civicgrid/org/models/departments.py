"""Departments that handle cases (专业部门 / 处置单位)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Department(models.Model):
    """A body that cases are dispatched to.

    ``district`` empty means a city-level department. ``categories`` are the
    problem classes it handles; together with its responsibility zones they
    drive the routing suggestion. One department per district may be the
    district's default, the fallback when nothing else matches.
    """

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    short_name = models.CharField(_("short name"), max_length=30, blank=True)
    district = models.ForeignKey(
        "places.District",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="departments",
        verbose_name=_("district"),
        help_text=_("Empty for a city-level department."),
    )
    categories = models.ManyToManyField(
        "categories.Category", blank=True, related_name="departments", verbose_name=_("categories")
    )
    is_district_default = models.BooleanField(
        _("district default"),
        default=False,
        help_text=_("Receives the district's cases that no other department covers."),
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        constraints = [
            models.UniqueConstraint(
                fields=["district"],
                condition=models.Q(is_district_default=True),
                name="org_one_default_department_per_district",
            )
        ]

    def __str__(self):
        return self.name
