"""What the intake and dispatch consoles share: filters, short lists, side panel, map points.

Both desks show short lists (``ROW_LIMIT`` rows, in an indexed order) of
``visible_cases`` so that they stay fast with a large case table, and open the
generic case panel beside the list. Actions go through ``case_act`` (or the
intake services) and come back to the console with the same filters and the
same case open, so the lists refresh after every action.
"""

from dataclasses import dataclass
from urllib.parse import urlencode

import numpy as np
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from civicgrid.cases.models import Photo
from civicgrid.cases.services import allowed_actions_for
from civicgrid.cases.services.access import visible_cases
from civicgrid.cases.services.reading import case_queryset, deadline_of
from civicgrid.categories.models import Category
from civicgrid.core.coords import from_wgs84
from civicgrid.places.models import Street
from civicgrid.web.maps import display_crs
from civicgrid.web.paging import window
from civicgrid.web.views.cases import case_context

ROW_LIMIT = 50


def _int(value: str) -> int | None:
    return int(value) if value.isdigit() and len(value) < 10 else None


@dataclass(frozen=True)
class DeskFilters:
    """The filters of a desk, read from the query string (unknown values are dropped)."""

    state: str = ""
    category: int | None = None
    street: int | None = None
    sort: str = ""
    #: A named sub-list of the desk (e.g. ``duplicates``); empty for the whole list.
    queue: str = ""
    #: The page of a paged list (1, the default, stays out of the address).
    page: int = 1

    @classmethod
    def from_request(cls, request, states=(), sorts=(), queues=(), paged=False) -> "DeskFilters":
        """Return the filters in ``request.GET`` that are valid for this desk."""
        state = request.GET.get("state", "")
        sort = request.GET.get("sort", "")
        queue = request.GET.get("queue", "")
        page = _int(request.GET.get("page", "")) if paged else None
        return cls(
            state=state if state in states else "",
            category=_int(request.GET.get("category", "")),
            street=_int(request.GET.get("street", "")),
            # The first order is the default and stays out of the address.
            sort=sort if sort in sorts[1:] else "",
            queue=queue if queue in queues else "",
            page=page if page and page > 1 else 1,
        )

    def apply(self, queryset, category_fields=("category",)):
        """Return ``queryset`` narrowed by category and street (the state is the caller's)."""
        if self.category:
            from django.db.models import Q

            match = Q()
            for field in category_fields:
                match |= Q(**{f"{field}_id": self.category})
            queryset = queryset.filter(match)
        if self.street:
            queryset = queryset.filter(street_id=self.street)
        return queryset

    def query(self, **extra) -> str:
        """Return the filters (and ``extra``) as a query string."""
        values = {
            "state": self.state,
            "category": self.category or "",
            "street": self.street or "",
            "sort": self.sort,
            "queue": self.queue,
            "page": self.page if self.page > 1 else "",
            **extra,
        }
        return urlencode({k: v for k, v in values.items() if v not in ("", None)})


def filter_options(user) -> dict:
    """Return the categories and the streets (of the user's district) the filters offer."""
    streets = Street.objects.order_by("district_id", "code").only("id", "code", "name")
    if user.district_id:
        streets = streets.filter(district_id=user.district_id)
    return {
        "categories": Category.objects.filter(active=True)
        .order_by("kind", "code")
        .only("id", "kind", "code", "name"),
        "streets": streets,
    }


def list_rows(queryset, user, limit: int = ROW_LIMIT, start: int = 0) -> list:
    """Return ``limit`` cases from ``start`` with names, deadline and the user's actions."""
    rows = window(
        queryset.with_places("category", "category_guess", "department", "suggested_department"),
        start,
        limit,
    )
    for case in rows:
        case.deadline = deadline_of(case)
        case.allowed = frozenset(allowed_actions_for(case, user))
    return rows


def link_rows(cases, console: str, panel: str, filters: DeskFilters) -> None:
    """Attach to each case the console address that opens it and its panel's address."""
    query = filters.query()
    for case in cases:
        case.open_url = console_url(console, filters, case.pk)
        case.panel_url = reverse(panel, args=[case.pk]) + (f"?{query}" if query else "")


def first_photos(cases) -> dict[int, Photo]:
    """Return the first photo as reported of each case (one query for the whole list)."""
    photos = {}
    ids = [case.pk for case in cases]
    queryset = (
        Photo.objects.filter(case_id__in=ids, kind="report")
        .order_by("case_id", "created_at", "id")
        .only("id", "case_id", "thumbnail", "image")
    )
    for photo in queryset:
        photos.setdefault(photo.case_id, photo)
    return photos


def map_points(cases) -> list[dict]:
    """Return the listed cases (linked by ``link_rows``) as points for the desk map."""
    if not cases:
        return []
    lons, lats = from_wgs84(
        np.array([c.lon for c in cases], dtype=float),
        np.array([c.lat for c in cases], dtype=float),
        display_crs(),
    )
    return [
        {
            "id": case.pk,
            "code": case.code,
            "state": case.get_state_display(),
            "level": case.deadline["level"] if case.deadline else "none",
            "lon": float(lon),
            "lat": float(lat),
            "open": case.open_url,
            "panel": case.panel_url,
        }
        for case, lon, lat in zip(cases, lons, lats, strict=True)
    ]


def selected_case(request):
    """Return the visible case named by ``?case=`` with what its panel needs, or None."""
    case_id = _int(request.GET.get("case", ""))
    if case_id is None:
        return None
    return (
        case_queryset(visible_cases(request.user))
        .select_related("department", "asset", "suggested_department")
        .filter(pk=case_id)
        .first()
    )


def console_url(url_name: str, filters: DeskFilters, case_id=None) -> str:
    """Return the console's address with its filters, and the case to reopen."""
    query = filters.query(case=case_id or "")
    return reverse(url_name) + (f"?{query}" if query else "")


def panel_context(request, case, url_name: str, filters: DeskFilters) -> dict:
    """Return the case panel's context; its forms lead back to the console."""
    context = case_context(request, case)
    context["next"] = console_url(url_name, filters, case.pk)
    return context


def panel_response(request, case_id: int, url_name: str, filters: DeskFilters):
    """Answer a panel request: the panel for HTMX, else the console with the case open."""
    if not request.headers.get("HX-Request"):
        return redirect(console_url(url_name, filters, case_id))
    case = get_object_or_404(
        case_queryset(visible_cases(request.user)).select_related(
            "department", "asset", "suggested_department"
        ),
        pk=case_id,
    )
    return render(request, "web/cases/panel.html", panel_context(request, case, url_name, filters))
