"""Filters of case lists, shared by the API, the consoles and exports."""

from django.db.models import Q

from civicgrid.api.errors import ApiError
from civicgrid.cases.choices import CaseState


def filter_cases(queryset, filters):
    """Apply a ``CaseFilter`` to ``queryset``; bad values give a 422."""
    if filters.state:
        states = [s.strip() for s in filters.state.split(",") if s.strip()]
        unknown = [s for s in states if s not in CaseState.values]
        if unknown:
            raise ApiError(
                422, "validation_error", f"unknown state {unknown[0]!r}", {"state": "unknown"}
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
            min_lon, min_lat, max_lon, max_lat = (float(v) for v in filters.bbox.split(","))
        except ValueError:
            raise ApiError(
                422,
                "validation_error",
                "bbox is min_lon,min_lat,max_lon,max_lat",
                {"bbox": "invalid"},
            ) from None
        queryset = queryset.filter(
            lon__gte=min_lon, lon__lte=max_lon, lat__gte=min_lat, lat__lte=max_lat
        )
    return queryset.order_by("-created_at", "-id")
