"""Filters of case lists, shared by the API, the consoles and exports."""

import math

from django.db.models import Q
from django.utils.translation import gettext as _

from civicgrid.api.errors import ApiError
from civicgrid.cases.choices import CaseState
from civicgrid.core.text import contains_nul


def filter_cases(queryset, filters):
    """Apply a ``CaseFilter`` to ``queryset``; bad values give a 422."""
    if contains_nul(filters.code) or contains_nul(filters.state) or contains_nul(filters.bbox):
        raise ApiError(
            422,
            "nul_character",
            _("Filters may not contain NUL characters."),
            {"code": _("contains a NUL character")},
        )
    if filters.state:
        states = [s.strip() for s in filters.state.split(",") if s.strip()]
        unknown = [s for s in states if s not in CaseState.values]
        if unknown:
            raise ApiError(
                422,
                "validation_error",
                _("“%(state)s” is not a case state.") % {"state": unknown[0]},
                {"state": _("Choose one of the case states.")},
            )
        queryset = queryset.filter(state__in=states)
    if filters.code:
        queryset = queryset.filter(code__startswith=filters.code.strip())
    for name in ("category", "district", "street", "department", "grid_cell"):
        value = getattr(filters, name)
        if value is not None:
            queryset = queryset.filter(**{f"{name}_id": value})
    if filters.overdue is not None:
        overdue = Q(handling_overdue=True) | Q(overdue_marked_due__isnull=False)
        queryset = queryset.filter(overdue) if filters.overdue else queryset.exclude(overdue)
    if filters.created_after:
        queryset = queryset.filter(created_at__gte=filters.created_after)
    if filters.created_before:
        queryset = queryset.filter(created_at__lt=filters.created_before)
    if filters.bbox:
        try:
            min_lon, min_lat, max_lon, max_lat = parse_bbox(filters.bbox)
        except ValueError:
            raise ApiError(
                422,
                "validation_error",
                _("The area must be min_lon,min_lat,max_lon,max_lat."),
                {"bbox": _("This value is not valid.")},
            ) from None
        queryset = queryset.filter(
            lon__gte=min_lon, lon__lte=max_lon, lat__gte=min_lat, lat__lte=max_lat
        )
    return queryset.order_by("-created_at", "-id")


def parse_bbox(text: str) -> tuple[float, float, float, float]:
    """Parse ``min_lon,min_lat,max_lon,max_lat``; refuse non-finite or out-of-range numbers."""
    values = tuple(float(v) for v in text.split(","))
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        raise ValueError(text)
    min_lon, min_lat, max_lon, max_lat = values
    if not (-180 <= min_lon <= 180 and -180 <= max_lon <= 180):
        raise ValueError(text)
    if not (-90 <= min_lat <= 90 and -90 <= max_lat <= 90):
        raise ValueError(text)
    return values
