"""Parse and check GeoJSON outlines; measure them on the ellipsoid.

Imports refuse a whole file when any feature is bad, so every check here
returns a reason a person can act on ("self-intersection near 119.6 39.9")
instead of Shapely's bare ``is_valid`` flag.
"""

import json
from collections.abc import Mapping

import numpy as np
import shapely
from pyproj import Geod
from shapely.geometry import shape
from shapely.validation import explain_validity

_GEOD = Geod(ellps="WGS84")
AREA_TYPES = ("Polygon", "MultiPolygon")


class GeometryError(ValueError):
    """Raise when an outline cannot be used."""


def parse_area(geojson: Mapping | None) -> shapely.Geometry:
    """Return a valid Polygon/MultiPolygon from a GeoJSON geometry or raise."""
    if not isinstance(geojson, Mapping):
        raise GeometryError("geometry is missing")
    kind = geojson.get("type")
    if kind not in AREA_TYPES:
        raise GeometryError(f"geometry type {kind!r} is not Polygon or MultiPolygon")
    try:
        geom = shape(geojson)
    except (ValueError, TypeError, AttributeError, IndexError, KeyError) as exc:
        raise GeometryError(f"geometry is malformed: {exc}") from exc
    except shapely.errors.GEOSException as exc:
        raise GeometryError(f"geometry is malformed: {exc}") from exc
    if geom.is_empty:
        raise GeometryError("geometry is empty")
    coords = shapely.get_coordinates(geom)
    if not (
        (coords[:, 0] >= -180).all()
        and (coords[:, 0] <= 180).all()
        and (coords[:, 1] >= -90).all()
        and (coords[:, 1] <= 90).all()
    ):
        raise GeometryError("coordinates are outside longitude/latitude range")
    if not geom.is_valid:
        raise GeometryError(f"geometry is invalid: {explain_validity(geom)}")
    if geom.area == 0:
        raise GeometryError("geometry has no area")
    return geom


def area_m2(geom: shapely.Geometry) -> float:
    """Return the geodesic area of ``geom`` (WGS-84 lon/lat) in square metres."""
    area, _perimeter = _GEOD.geometry_area_perimeter(geom)
    return abs(area)


def to_geojson(geom: shapely.Geometry, precision: int = 7) -> dict:
    """Return ``geom`` as a GeoJSON mapping rounded to ``precision`` decimals (~1 cm)."""
    rounded = shapely.transform(geom, lambda xy: np.round(xy, precision))
    return json.loads(shapely.to_geojson(rounded))
