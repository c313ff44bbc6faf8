"""Parse and check GeoJSON outlines; measure them; find clashes between them.

Imports refuse a whole file when any feature is bad, so every check here
returns a reason a person can act on ("ring 0 is not closed") instead of
Shapely's bare ``is_valid`` flag. The checks run in this order:

1. the raw coordinates as written in the file (:func:`check_positions`):
   nested lists of 2-3 finite numbers, rings of at least four positions whose
   first and last positions are equal. Shapely silently closes an open ring
   and turns ``1e400`` into ``inf``, so this must look at the JSON itself;
2. the shape (:func:`parse_area`): Polygon/MultiPolygon, not empty, inside
   longitude/latitude range, valid (no self-intersection), with an area.
   :func:`repair_area` mends a self-intersecting outline on request;
3. the outlines against each other (:func:`find_clashes`, :func:`find_gaps`,
   :func:`coverage`): identical outlines, overlaps beyond an
   :class:`OverlapTolerance`, holes left between neighbours, children that
   leave part of their parent bare or spill out of it. One STRtree query
   finds the candidate pairs, so 50,000 cells stay fast.

A :class:`GeometryError` carries an English template with ``%(name)s``
placeholders and its values, so the Django layer can translate the template
before filling it in while this module stays free of Django.
"""

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from numbers import Real

import numpy as np
import shapely
from pyproj import Geod
from shapely.geometry import shape
from shapely.validation import explain_validity

_GEOD = Geod(ellps="WGS84")
AREA_TYPES = ("Polygon", "MultiPolygon")

# Metres per degree of latitude on the IUGG mean sphere (the radius core.spatial uses).
_M_PER_DEGREE = 6371008.8 * math.pi / 180.0
# Identical outlines may differ by rounding noise: 1e-7° is about 1 cm, the
# precision to_geojson stores.
IDENTICAL_TOLERANCE_DEG = 1e-7


def gettext_noop(message: str) -> str:
    """Return ``message`` unchanged; marks it for translation tools (no Django here)."""
    return message


class GeometryError(ValueError):
    """Raise when an outline cannot be used; ``message`` % ``params`` says why."""

    def __init__(self, message: str, **params):
        self.message = message
        self.params = params
        super().__init__(message % params if params else message)


def _is_number(value) -> bool:
    # The exact-type test is the fast path: json gives plain floats and ints.
    return type(value) in (float, int) or (isinstance(value, Real) and not isinstance(value, bool))


def _check_position(position, where: dict) -> None:
    if not isinstance(position, list | tuple) or len(position) not in (2, 3):
        raise GeometryError(
            gettext_noop(
                "polygon %(polygon)s, ring %(ring)s: a position must be a list of 2 or 3 numbers"
            ),
            **where,
        )
    for value in position:
        if not _is_number(value):
            raise GeometryError(
                gettext_noop("polygon %(polygon)s, ring %(ring)s: a coordinate is not a number"),
                **where,
            )
        try:
            number = float(value)
        except OverflowError:  # an integer too big for a float
            number = math.inf
        if not math.isfinite(number):
            raise GeometryError(
                gettext_noop(
                    "polygon %(polygon)s, ring %(ring)s: coordinates must be finite numbers "
                    "(no NaN, infinity or overflowing number)"
                ),
                **where,
            )


def _check_ring(ring, where: dict) -> None:
    if not isinstance(ring, list | tuple) or len(ring) < 4:
        raise GeometryError(
            gettext_noop("polygon %(polygon)s, ring %(ring)s: a ring needs at least 4 positions"),
            **where,
        )
    for position in ring:
        _check_position(position, where)
    if list(ring[0]) != list(ring[-1]):
        raise GeometryError(
            gettext_noop(
                "polygon %(polygon)s, ring %(ring)s is not closed: its first position "
                "%(first)s differs from its last %(last)s"
            ),
            **where,
            first=json.dumps(list(ring[0])),
            last=json.dumps(list(ring[-1])),
        )


def check_positions(geojson: Mapping) -> None:
    """Check the raw coordinates of a GeoJSON Polygon or MultiPolygon, or raise.

    GeoJSON (RFC 7946, 3.1.6) requires every linear ring to start and end at
    the same position; a file that does not is broken, whatever Shapely would
    make of it.
    """
    kind = geojson.get("type")
    coordinates = geojson.get("coordinates")
    polygons = [coordinates] if kind == "Polygon" else coordinates
    if not isinstance(polygons, list | tuple):
        raise GeometryError(gettext_noop("geometry has no coordinate list"))
    for p, rings in enumerate(polygons):
        if not isinstance(rings, list | tuple):
            raise GeometryError(gettext_noop("geometry has no coordinate list"))
        for r, ring in enumerate(rings):
            _check_ring(ring, {"polygon": p, "ring": r})


def parse_area(geojson: Mapping | None, *, allow_invalid: bool = False) -> shapely.Geometry:
    """Return a valid Polygon/MultiPolygon from a GeoJSON geometry or raise.

    With ``allow_invalid`` a self-intersecting outline is returned as it is,
    for :func:`repair_area`; every other check still applies.
    """
    if not isinstance(geojson, Mapping):
        raise GeometryError(gettext_noop("geometry is missing"))
    kind = geojson.get("type")
    if kind not in AREA_TYPES:
        raise GeometryError(
            gettext_noop("geometry type %(kind)s is not Polygon or MultiPolygon"),
            kind=repr(kind)[:40],
        )
    check_positions(geojson)
    try:
        geom = shape(geojson)
    except (ValueError, TypeError, AttributeError, IndexError, KeyError) as exc:
        raise GeometryError(gettext_noop("geometry is malformed: %(detail)s"), detail=exc) from exc
    except shapely.errors.GEOSException as exc:
        raise GeometryError(gettext_noop("geometry is malformed: %(detail)s"), detail=exc) from exc
    if geom.is_empty:
        raise GeometryError(gettext_noop("geometry is empty"))
    coords = shapely.get_coordinates(geom)
    if not (
        (coords[:, 0] >= -180).all()
        and (coords[:, 0] <= 180).all()
        and (coords[:, 1] >= -90).all()
        and (coords[:, 1] <= 90).all()
    ):
        raise GeometryError(gettext_noop("coordinates are outside longitude/latitude range"))
    if not geom.is_valid and not allow_invalid:
        raise GeometryError(
            gettext_noop("geometry is invalid: %(detail)s"), detail=explain_validity(geom)
        )
    if geom.area == 0 and geom.is_valid:
        raise GeometryError(gettext_noop("geometry has no area"))
    return geom


def repair_area(geom: shapely.Geometry) -> shapely.Geometry:
    """Return ``geom`` made valid, keeping only its polygonal parts, or raise.

    Public sources (OpenStreetMap extracts, hand-digitised census layers)
    often carry bow-ties and rings that touch themselves. ``make_valid``'s
    "structure" method keeps the area a person drew (a bow-tie becomes two
    triangles); lines and points it may produce are dropped because a place
    is an area.
    """
    if geom.is_valid:
        return geom
    fixed = shapely.make_valid(geom, method="structure", keep_collapsed=False)
    parts = [
        part
        for part in shapely.get_parts(fixed)
        if part.geom_type in AREA_TYPES and not part.is_empty
    ]
    polygons = [poly for part in parts for poly in shapely.get_parts(part)]
    if not polygons:
        raise GeometryError(
            gettext_noop("geometry could not be repaired: nothing of it is an area")
        )
    repaired = polygons[0] if len(polygons) == 1 else shapely.MultiPolygon(polygons)
    if not repaired.is_valid:
        repaired = shapely.make_valid(repaired)
    if repaired.area == 0:
        raise GeometryError(
            gettext_noop("geometry could not be repaired: nothing of it is an area")
        )
    return repaired


def area_m2(geom: shapely.Geometry) -> float:
    """Return the geodesic area of ``geom`` (WGS-84 lon/lat) in square metres."""
    area, _perimeter = _GEOD.geometry_area_perimeter(geom)
    return abs(area)


def approx_area_m2(geoms) -> np.ndarray:
    """Return the areas of many small outlines in m², on a local equirectangular projection.

    Each outline's degree area is scaled by the length of a degree at its own
    latitude. For outlines a few kilometres across the error is far below 1 %,
    which is what overlap tolerances need, and it is vectorized, unlike the
    geodesic :func:`area_m2`.
    """
    geoms = np.asarray(geoms, dtype=object)
    if geoms.size == 0:
        return np.zeros(0)
    degree_area = shapely.area(geoms)
    _, south, _, north = shapely.bounds(geoms).T
    lat = np.radians(np.nan_to_num((south + north) / 2.0))
    return degree_area * _M_PER_DEGREE**2 * np.cos(lat)


def to_geojson(geom: shapely.Geometry, precision: int = 7) -> dict:
    """Return ``geom`` as a GeoJSON mapping rounded to ``precision`` decimals (~1 cm)."""
    rounded = shapely.transform(geom, lambda xy: np.round(xy, precision))
    return json.loads(shapely.to_geojson(rounded))


@dataclass(frozen=True)
class OverlapTolerance:
    """How much two neighbouring outlines may overlap before it counts.

    Digitised neighbours rarely share their edge exactly; a sliver along it
    is noise, a cell drawn on top of another is an error. An overlap counts
    when it exceeds ``share`` of the smaller outline OR ``max_m2`` square
    metres, so small cells are held to the share and big areas to the cap.
    """

    share: float = 0.01
    max_m2: float = 100.0

    def __post_init__(self):
        if not (0 <= self.share <= 1 and math.isfinite(self.max_m2) and self.max_m2 >= 0):
            raise ValueError("share must be in [0, 1] and max_m2 a finite number >= 0")

    def exceeded(self, overlap_m2: float, smaller_m2: float) -> bool:
        """Return whether an overlap of ``overlap_m2`` is beyond this tolerance."""
        return overlap_m2 > min(self.share * smaller_m2, self.max_m2)


@dataclass(frozen=True)
class Clash:
    """Two outlines whose interiors meet: identical, or overlapping by ``overlap_m2``."""

    first: int
    second: int
    identical: bool
    overlap_m2: float
    share: float  # of the smaller outline's area


def find_clashes(
    geoms: Sequence[shapely.Geometry],
    checked: Sequence[bool] | None = None,
    tolerance: OverlapTolerance | None = None,
) -> list[Clash]:
    """Return the pairs of ``geoms`` that are identical or overlap beyond ``tolerance``.

    Only pairs with at least one ``checked`` outline are examined (an import
    answers for its own features, not for what was stored before). Pairs come
    back with ``first < second``, sorted. Identity means equal after
    normalization within :data:`IDENTICAL_TOLERANCE_DEG`, whatever the start
    vertex or ring direction.
    """
    tolerance = tolerance or OverlapTolerance()
    geoms_array = np.empty(len(geoms), dtype=object)
    geoms_array[:] = list(geoms)
    if geoms_array.size < 2:
        return []
    checked_mask = (
        np.ones(geoms_array.size, dtype=bool) if checked is None else np.asarray(checked, bool)
    )
    query_idx = np.flatnonzero(checked_mask)
    tree = shapely.STRtree(geoms_array)
    hits, others = tree.query(geoms_array[query_idx], predicate="intersects")
    a = query_idx[hits]
    b = others
    # Each unordered pair once: drop self-hits, and for two checked outlines
    # keep only the query from the lower position.
    keep = (a != b) & ~(checked_mask[b] & (b < a))
    a, b = np.minimum(a[keep], b[keep]), np.maximum(a[keep], b[keep])
    if a.size == 0:
        return []
    interior = shapely.relate_pattern(geoms_array[a], geoms_array[b], "T********")
    a, b = a[interior], b[interior]
    if a.size == 0:
        return []
    normalized = shapely.normalize(geoms_array)
    identical = shapely.equals_exact(normalized[a], normalized[b], IDENTICAL_TOLERANCE_DEG)
    overlap = approx_area_m2(shapely.intersection(geoms_array[a], geoms_array[b]))
    areas = approx_area_m2(geoms_array)
    smaller = np.minimum(areas[a], areas[b])
    share = np.divide(overlap, smaller, out=np.ones_like(overlap), where=smaller > 0)
    clashes = [
        Clash(int(i), int(j), bool(same), float(m2), float(s))
        for i, j, same, m2, s, small in zip(a, b, identical, overlap, share, smaller, strict=True)
        if same or tolerance.exceeded(m2, small)
    ]
    return sorted(clashes, key=lambda c: (c.first, c.second))


@dataclass(frozen=True)
class Gap:
    """A hole enclosed by neighbouring outlines: ``area_m2`` near (lon, lat)."""

    area_m2: float
    lon: float
    lat: float


def find_gaps(geoms: Sequence[shapely.Geometry], min_area_m2: float = 100.0) -> list[Gap]:
    """Return the holes left between ``geoms`` larger than ``min_area_m2``, largest first.

    A hole is an interior ring of the outlines' union: land that neighbours
    surround but no one covers. Holes inside a single outline (a lake cut out
    of a district) count too, which is rare enough to be worth a look.
    """
    if not len(geoms):
        return []
    # Snap to ~1 cm so that float noise along shared edges neither opens a
    # ring to the outside nor counts as a hole.
    union = shapely.union_all(
        np.asarray(list(geoms), dtype=object), grid_size=IDENTICAL_TOLERANCE_DEG
    )
    holes = [
        shapely.Polygon(ring)
        for part in shapely.get_parts(union)
        if part.geom_type == "Polygon"
        for ring in part.interiors
    ]
    if not holes:
        return []
    areas = approx_area_m2(holes)
    points = shapely.point_on_surface(np.asarray(holes, dtype=object))
    gaps = [
        Gap(float(area), float(point.x), float(point.y))
        for area, point in zip(areas, points, strict=True)
        if area > min_area_m2
    ]
    return sorted(gaps, key=lambda g: -g.area_m2)


@dataclass(frozen=True)
class Coverage:
    """How children fit their parent: parent area they leave bare, child area outside it."""

    uncovered_m2: float
    outside_m2: float


def coverage(parent: shapely.Geometry, children: Sequence[shapely.Geometry]) -> Coverage:
    """Return how much of ``parent`` its ``children`` leave uncovered and how much spills out.

    Streets should tile their district, communities their street and cells
    their community; what is left over (or sticks out) is where a located
    case would get no street or the wrong one. Computed from areas, not from
    a union (a hundred times faster for a community's cells): bare area is
    the parent's area less the children's parts inside it, so overlapping
    children hide as much bare area as they overlap, which the overlap
    checks report on their own. Every area uses the parent's latitude scale,
    so the sums cancel exactly.
    """
    children = np.asarray(list(children), dtype=object)
    _, south, _, north = parent.bounds
    scale = _M_PER_DEGREE**2 * math.cos(math.radians((south + north) / 2.0))
    inside = (
        float(shapely.area(shapely.intersection(children, parent)).sum()) if len(children) else 0.0
    )
    total = float(shapely.area(children).sum()) if len(children) else 0.0
    uncovered = max(parent.area - inside, 0.0) * scale
    outside = max(total - inside, 0.0) * scale
    return Coverage(uncovered, outside)
