"""Address search (地理编码) against what the city has: places by name or code, assets by code.

There is no street-address gazetteer; an operator types what the caller says
and picks the nearest known place — a unit grid cell, community or street by
name or code, or an asset by its code (a manhole cover's number is the best
address a caller can give). Each hit carries a WGS-84 point: the asset's
position, or the centre of the place's outline box. What the caller said is
kept verbatim as the report's ``address``.
"""

from dataclasses import dataclass

from django.db.models import Q

from civicgrid.core.text import fields_with_nul
from civicgrid.places.models import Community, GridCell, Street

MIN_QUERY = 2


@dataclass(frozen=True)
class PlaceHit:
    """One search result: what it is, how to show it, and where it lies (WGS-84)."""

    kind: str
    code: str
    label: str
    lon: float
    lat: float
    asset_code: str = ""


def _centre(place) -> tuple[float, float]:
    return (place.min_lon + place.max_lon) / 2, (place.min_lat + place.max_lat) / 2


def search_places(query: str, district_id: int | None = None, limit: int = 8) -> list[PlaceHit]:
    """Return up to ``limit`` places and assets matching ``query``, assets by code first.

    ``district_id`` limits the search to one district (a district-scoped
    operator). Queries shorter than two characters, or holding a NUL, find nothing.
    """
    from civicgrid.assets.models import Asset

    query = (query or "").strip()[:50]
    if len(query) < MIN_QUERY or fields_with_nul({"q": query}):
        return []
    hits: list[PlaceHit] = []
    assets = Asset.objects.filter(code__istartswith=query).select_related("category")
    if district_id:
        assets = assets.filter(grid_cell__district_id=district_id)
    for asset in assets.order_by("code")[:limit]:
        label = f"{asset.code} {asset.name or asset.category.name}".strip()
        hits.append(PlaceHit("asset", asset.code, label, asset.lon, asset.lat, asset.code))
    match = Q(name__icontains=query) | Q(code__istartswith=query)
    levels = (
        ("street", Street.objects.filter(match), "district_id"),
        (
            "community",
            Community.objects.filter(match).select_related("street"),
            "street__district_id",
        ),
        ("cell", GridCell.objects.filter(match).select_related("community"), "district_id"),
    )
    for kind, queryset, district_field in levels:
        if len(hits) >= limit:
            break
        if district_id:
            queryset = queryset.filter(**{district_field: district_id})
        queryset = queryset.defer("geometry").order_by("code")[: limit - len(hits)]
        for place in queryset:
            lon, lat = _centre(place)
            hits.append(PlaceHit(kind, place.code, _label(kind, place), lon, lat))
    return hits[:limit]


def _label(kind: str, place) -> str:
    if kind == "community":
        return f"{place.street.name} {place.name}"
    if kind == "cell":
        return f"{place.code} {place.community.name}"
    return place.name
