"""API handlers of the categories app."""

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from ninja import Router

from civicgrid.api.errors import ApiError
from civicgrid.categories.choices import CategoryKind
from civicgrid.categories.models import Category, FilingCondition
from civicgrid.categories.schemas import CategoryOut

router = Router()


@router.get("", response=list[CategoryOut], auth=None, url_name="categories_list")
def list_categories(request, kind: str | None = None):
    """List active categories with their filing conditions (public reference data)."""
    queryset = Category.objects.filter(active=True).prefetch_related(
        Prefetch("filing_conditions", queryset=FilingCondition.objects.order_by("position"))
    )
    if kind:
        if kind not in CategoryKind.values:
            raise ApiError(
                422,
                "validation_error",
                _("“%(kind)s” is not a kind of category.") % {"kind": kind},
                {"kind": _("Choose asset or incident.")},
            )
        queryset = queryset.filter(kind=kind)
    return list(queryset)
