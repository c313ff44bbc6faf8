"""Suggest the department a filed case should go to.

A strategy object so that later work (expert rulings teaching the routing)
can replace it through configuration. The default order: an asset problem
goes to the asset's owner; otherwise the department whose responsibility
zone covers the cell and whose categories include the problem; otherwise a
department of the case's district (or the city) that handles the category;
otherwise the district's default department.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.utils.module_loading import import_string
from django.utils.translation import gettext_noop

from civicgrid.org.models import Department


@dataclass(frozen=True)
class Suggestion:
    """A suggested department and why (English, translated where it is shown)."""

    department: Department | None
    reason: str


class DefaultRouting:
    """The default routing rules (see the module docstring)."""

    def suggest(self, case) -> Suggestion:
        """Return the suggestion for ``case`` (its category may be None)."""
        if case.asset_id and case.asset.owner_id and case.asset.owner.active:
            return Suggestion(case.asset.owner, gettext_noop("asset owner"))
        active = Department.objects.filter(active=True)
        if case.category_id:
            handles = active.filter(categories=case.category_id)
            zoned = handles.filter(responsibility_zones__cells=case.grid_cell_id).distinct()
            hit = zoned.order_by("-district_id", "code").first()
            if hit:
                return Suggestion(hit, gettext_noop("responsibility zone and category"))
            local = handles.filter(Q(district=case.district_id) | Q(district__isnull=True))
            unzoned = local.filter(responsibility_zones__isnull=True)
            hit = unzoned.order_by("-district_id", "code").first()
            if hit:
                return Suggestion(hit, gettext_noop("handles this category"))
        default = active.filter(district=case.district_id, is_district_default=True).first()
        if default:
            return Suggestion(default, gettext_noop("district default"))
        return Suggestion(None, gettext_noop("no department covers this case"))


def routing_strategy():
    """Return the configured routing strategy (``CIVICGRID['ROUTING']`` dotted path)."""
    path = settings.CIVICGRID.get("ROUTING")
    return import_string(path)() if path else DefaultRouting()


def suggest_department(case) -> Suggestion:
    """Return the configured strategy's suggestion for ``case``."""
    return routing_strategy().suggest(case)
