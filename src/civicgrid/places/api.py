"""API handlers of the places app: locate points on the unit grid."""

from ninja import Query, Router

from civicgrid.api import throttling
from civicgrid.api.errors import ApiError
from civicgrid.common.refusals import coordinate_message
from civicgrid.core.coords import CoordinateError
from civicgrid.places.schemas import LocateBatchIn, LocateBatchOut, LocateQuery, LocationOut
from civicgrid.places.services import OutsideCity, locate, locate_many

router = Router()


@router.get(
    "/locate",
    response=LocationOut,
    auth=None,
    throttle=throttling.LOCATE,
    url_name="places_locate",
)
def locate_point(request, query: Query[LocateQuery]):
    """Locate one point: grid cell, community, street and district."""
    try:
        return locate(query.lon, query.lat, query.crs)
    except OutsideCity as exc:
        raise ApiError(422, "outside_city", str(exc)) from exc
    except CoordinateError as exc:
        raise ApiError(422, "bad_coordinates", coordinate_message(exc)) from exc


@router.post(
    "/locate",
    response=LocateBatchOut,
    auth=None,
    throttle=throttling.LOCATE,
    url_name="places_locate_batch",
)
def locate_points(request, body: LocateBatchIn):
    """Locate up to 10,000 points in one call (vectorized)."""
    lons = [p[0] for p in body.points]
    lats = [p[1] for p in body.points]
    try:
        results = locate_many(lons, lats, body.crs)
    except CoordinateError as exc:
        raise ApiError(422, "bad_coordinates", coordinate_message(exc)) from exc
    return {"results": results, "outside": sum(r is None for r in results)}
