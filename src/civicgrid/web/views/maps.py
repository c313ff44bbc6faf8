"""GeoJSON feeds for the maps: unit grid cells and cases in a bounding box."""

from django.http import JsonResponse
from django.utils import translation
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from civicgrid.cases.filters import parse_bbox
from civicgrid.cases.services.access import visible_cases
from civicgrid.places.models import GridCell
from civicgrid.web import live
from civicgrid.web.access import role_required
from civicgrid.web.maps import case_features, display_geometry

MAX_CELLS = 5000
MAX_CASES = 5000


def _bbox(request):
    try:
        return parse_bbox(request.GET.get("bbox", ""))
    except ValueError:
        return None  # no box (or a bad one): the whole grid


@role_required()
@require_GET
@cache_control(private=True, max_age=300)
def grid_geojson(request):
    """Return the unit grid cells (optionally in ``bbox``), outlines in the tiles' system."""
    cells = GridCell.objects.order_by("code")
    bbox = _bbox(request)
    if bbox:
        min_lon, min_lat, max_lon, max_lat = bbox
        cells = cells.filter(
            max_lon__gte=min_lon, min_lon__lte=max_lon, max_lat__gte=min_lat, min_lat__lte=max_lat
        )
    district = request.GET.get("district")
    if district and district.isdigit() and len(district) <= 18:
        cells = cells.filter(district_id=int(district))
    rows = cells.values_list("id", "code", "name", "geometry", "street_id", "district_id")
    features = [
        {
            "type": "Feature",
            "id": pk,
            "properties": {"code": code, "name": name, "street": street, "district": dist},
            "geometry": display_geometry(geometry),
        }
        for pk, code, name, geometry, street, dist in rows[:MAX_CELLS]
    ]
    return JsonResponse({"type": "FeatureCollection", "features": features})


@role_required()
@require_GET
def cases_geojson(request):
    """Return the open cases the user may see as points, with their warning level."""
    cases = visible_cases(request.user)
    bbox = _bbox(request)
    if bbox:
        min_lon, min_lat, max_lon, max_lat = bbox
        cases = cases.filter(lon__range=(min_lon, max_lon), lat__range=(min_lat, max_lat))
    scope = f"{request.user.district_id or 0}:{'-'.join(sorted(request.user.roles))}"
    scope += f":{request.user.department_id or 0}:{'-'.join(map(str, bbox or []))}"
    features = live.cached_until_change(
        f"map-cases:{scope}:{translation.get_language()}",
        lambda: case_features(cases, MAX_CASES),
    )
    return JsonResponse({"type": "FeatureCollection", "features": features})
