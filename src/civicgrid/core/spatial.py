"""Locate points in grid cells and find nearby assets, vectorized on Shapely 2.

Every case, patrol track point and imported asset has to be assigned to a
unit grid cell (单元网格), and bulk imports do it for hundreds of thousands of
points at a time, so the work is done in a single STRtree query per batch
instead of a Python loop per point.

All coordinates are WGS-84 longitude/latitude in degrees (convert with
:mod:`civicgrid.core.coords` first). Pure Python: no Django imports, so the
indexes can be built from any source (database rows, GeoJSON, tests).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, TypeAlias

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from shapely import STRtree
from shapely.geometry.base import BaseGeometry

__all__ = [
    "EARTH_RADIUS_M",
    "CellIndex",
    "PointIndex",
    "haversine_m",
]

# IUGG mean Earth radius; the choice matters less than using one value
# everywhere, so distances from different modules agree.
EARTH_RADIUS_M = 6371008.8

# Shapely geometry type ids that can act as a cell.
_POLYGON_TYPE_IDS = (
    shapely.GeometryType.POLYGON.value,
    shapely.GeometryType.MULTIPOLYGON.value,
)

# Widen search boxes by this many degrees (~1 mm) so a point lying exactly
# on the radius is not lost to rounding in the degree conversion.
_BOX_SLACK_DEG = 1e-8

# Keys are opaque to the indexes (database ids, cell codes...).
Key: TypeAlias = Any
FloatArray: TypeAlias = NDArray[np.float64]


def haversine_m(lon1: ArrayLike, lat1: ArrayLike, lon2: ArrayLike, lat2: ArrayLike):
    """Return great-circle distances in metres between broadcastable point arrays.

    Haversine on a sphere is accurate to ~0.5 % against the ellipsoid, which
    is plenty for "nearest asset" and radius searches of a few kilometres,
    and it is cheap to vectorize. Scalars give a numpy float64 back.
    """
    lon1, lat1, lon2, lat2 = (
        np.radians(np.asarray(v, dtype=np.float64)) for v in (lon1, lat1, lon2, lat2)
    )
    half = (
        np.sin((lat2 - lat1) / 2.0) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2.0) ** 2
    )
    # Clip guards arcsin against values a hair above 1 for antipodal points.
    return 2.0 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(half, 0.0, 1.0)))


def _as_float_pair(lons: ArrayLike, lats: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Return float64 arrays of equal shape, so mismatched columns fail loudly."""
    lons = np.asarray(lons, dtype=np.float64)
    lats = np.asarray(lats, dtype=np.float64)
    if lons.shape != lats.shape:
        raise ValueError(f"lons and lats shapes differ: {lons.shape} vs {lats.shape}")
    return lons, lats


class CellIndex:
    """Map points to the grid cell that contains them.

    Positions, not keys, are what :meth:`locate` returns, because an int64
    array is what bulk callers want to join against their own arrays; use
    :meth:`keys_for` or :attr:`keys` to translate.

    Points on a boundary shared by several cells (an edge or a vertex)
    intersect all of them; the cell with the LOWEST position wins, so the
    caller decides the tie-break by the order in which it passes cells
    (e.g. sorted by code). This makes the assignment deterministic across
    runs and machines, which matters for statistics and audits.

    The index is immutable after construction and one instance may be
    shared between threads: queries only read the STRtree, and every lazy
    structure GEOS would build on first use is built in the constructor
    (see :func:`_prepare_for_sharing`).
    """

    __slots__ = ("_bounds", "_geometries", "_keys", "_tree")

    def __init__(self, keys: Sequence[Key], polygons: Sequence[BaseGeometry]) -> None:
        """Index ``polygons``; ``keys[i]`` is what callers get back for ``polygons[i]``."""
        keys = tuple(keys)
        # Fill a preallocated object array: np.array() on a list of
        # MultiPolygons could otherwise try to build a 2-D array.
        polygons = list(polygons)
        geometries = np.empty(len(polygons), dtype=object)
        geometries[:] = polygons
        if len(keys) != len(geometries):
            raise ValueError(f"{len(keys)} keys but {len(geometries)} polygons")
        if geometries.size:
            type_ids = shapely.get_type_id(geometries)
            bad = np.flatnonzero(~np.isin(type_ids, _POLYGON_TYPE_IDS))
            if bad.size:
                raise TypeError(
                    f"Cells must be Polygon or MultiPolygon; position {bad[0]} is "
                    f"{geometries[bad[0]]!r:.80}"
                )
        _prepare_for_sharing(geometries)
        geometries.flags.writeable = False
        self._keys = keys
        self._geometries = geometries
        self._tree = STRtree(geometries)
        if geometries.size:
            self._bounds = tuple(float(v) for v in shapely.total_bounds(geometries))
        else:
            self._bounds = (math.nan,) * 4

    def __len__(self) -> int:
        """Return the number of cells."""
        return len(self._keys)

    def __repr__(self) -> str:
        """Show size and extent, which is what one wants to see in a debugger."""
        return f"<CellIndex cells={len(self)} bounds={self._bounds}>"

    @property
    def keys(self) -> tuple[Key, ...]:
        """Return the cell keys in position order."""
        return self._keys

    @property
    def geometries(self) -> NDArray[np.object_]:
        """Return the (read-only) array of cell polygons in position order."""
        return self._geometries

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """Return (min_lon, min_lat, max_lon, max_lat) of all cells; NaNs when empty."""
        return self._bounds

    def locate(self, lons: ArrayLike, lats: ArrayLike) -> NDArray[np.int64]:
        """Return, for every point, the position of its cell, or -1 when outside all cells.

        The output has the shape of the input. Points with NaN coordinates
        are outside every cell.
        """
        lons, lats = _as_float_pair(lons, lats)
        shape = lons.shape
        lons = lons.reshape(-1)
        lats = lats.reshape(-1)
        n_points = lons.size
        result = np.full(n_points, -1, dtype=np.int64)
        if n_points == 0 or not self._keys:
            return result.reshape(shape)

        points = shapely.points(lons, lats)
        point_idx, cell_idx = self._tree.query(points, predicate="intersects")
        if point_idx.size == 0:
            return result.reshape(shape)

        # Fast path: almost every point hits exactly one cell, and a plain
        # fancy assignment settles those. For the rare boundary points the
        # assignment kept an arbitrary candidate, which np.minimum.at then
        # lowers to the smallest position among that point's hits.
        result[point_idx] = cell_idx
        hits = np.bincount(point_idx, minlength=n_points)
        shared = hits[point_idx] > 1
        if shared.any():
            np.minimum.at(result, point_idx[shared], cell_idx[shared])
        return result.reshape(shape)

    def locate_one(self, lon: float, lat: float) -> Key | None:
        """Return the key of the cell containing one point, or None when outside."""
        position = int(self.locate([lon], [lat])[0])
        return None if position < 0 else self._keys[position]

    def keys_for(self, positions: ArrayLike) -> list[Key | None]:
        """Translate positions from :meth:`locate` into keys, -1 becoming None."""
        keys = self._keys
        return [None if p < 0 else keys[p] for p in np.asarray(positions, dtype=np.int64).ravel()]


class PointIndex:
    """Find point assets (street lamps, manholes, bins...) near a location.

    The STRtree works in degrees, so it only pre-selects candidates inside a
    latitude-aware degree box around the search circle; the exact answer
    comes from haversine distances, so results are in true metres.

    Immutable after construction; queries only read, so one instance can be
    shared between threads.
    """

    __slots__ = ("_keys", "_lats", "_lons", "_tree")

    def __init__(self, keys: Sequence[Key], lons: ArrayLike, lats: ArrayLike) -> None:
        """Index WGS-84 points; ``keys[i]`` is returned for the point (lons[i], lats[i])."""
        keys = tuple(keys)
        lons, lats = _as_float_pair(lons, lats)
        lons = lons.reshape(-1).copy()
        lats = lats.reshape(-1).copy()
        if len(keys) != lons.size:
            raise ValueError(f"{len(keys)} keys but {lons.size} coordinates")
        _check_lon_lat(lons, lats)
        lons.flags.writeable = False
        lats.flags.writeable = False
        self._keys = keys
        self._lons = lons
        self._lats = lats
        self._tree = STRtree(shapely.points(lons, lats))

    def __len__(self) -> int:
        """Return the number of indexed points."""
        return len(self._keys)

    def __repr__(self) -> str:
        """Show the size, enough to tell indexes apart in a debugger."""
        return f"<PointIndex points={len(self)}>"

    @property
    def keys(self) -> tuple[Key, ...]:
        """Return the point keys in position order."""
        return self._keys

    def within(
        self, lon: float, lat: float, radius_m: float, limit: int | None = None
    ) -> list[tuple[Key, float]]:
        """Return ``(key, distance_m)`` for points within ``radius_m``, nearest first.

        Ties in distance are broken by position, so results are stable.
        ``limit`` truncates the list after sorting.
        """
        _check_lon_lat(np.array([lon], dtype=np.float64), np.array([lat], dtype=np.float64))
        if not (math.isfinite(radius_m) and radius_m >= 0):
            raise ValueError(f"radius_m must be a finite number >= 0, got {radius_m!r}")
        if limit is not None and limit < 0:
            raise ValueError(f"limit must be >= 0 or None, got {limit!r}")
        if not self._keys or limit == 0:
            return []

        boxes = _search_boxes(float(lon), float(lat), float(radius_m))
        _, candidates = self._tree.query(boxes)
        candidates = np.unique(candidates)  # boxes split at ±180° may overlap
        if candidates.size == 0:
            return []
        distances = haversine_m(lon, lat, self._lons[candidates], self._lats[candidates])
        inside = distances <= radius_m
        candidates = candidates[inside]
        distances = distances[inside]
        # lexsort: last key is primary, so distance first, position second.
        order = np.lexsort((candidates, distances))[:limit]
        keys = self._keys
        return [
            (keys[i], float(d)) for i, d in zip(candidates[order], distances[order], strict=True)
        ]

    def nearest(self, lon: float, lat: float, max_distance_m: float) -> tuple[Key, float] | None:
        """Return the nearest ``(key, distance_m)`` within ``max_distance_m``, or None.

        The search radius is mandatory because an unbounded "nearest lamp"
        a hundred kilometres away is never a useful answer for a case.
        """
        found = self.within(lon, lat, max_distance_m, limit=1)
        return found[0] if found else None


def _prepare_for_sharing(geometries: NDArray[np.object_]) -> None:
    """Prepare polygons and build their lazy GEOS internals before any query.

    STRtree predicate queries release the GIL, so threads sharing an index
    really do run GEOS concurrently on the same prepared polygons. GEOS does
    not guarantee that prepared geometries are thread-safe: the STRtree
    prepares them lazily on first use, and a prepared polygon builds its
    point-in-area index lazily on its first point test (libgeos/geos#825).
    Preparing here and testing one interior point per polygon performs all
    of that single-threaded, leaving concurrent queries with read-only work.
    It costs a few tens of milliseconds for 40,000 cells.
    """
    if geometries.size == 0:
        return
    shapely.prepare(geometries)
    shapely.intersects(geometries, shapely.point_on_surface(geometries))


def _check_lon_lat(lons: FloatArray, lats: FloatArray) -> None:
    """Refuse non-finite or out-of-range coordinates instead of indexing garbage."""
    if not (np.isfinite(lons).all() and np.isfinite(lats).all()):
        raise ValueError("Longitude and latitude must be finite numbers (no NaN or inf).")
    if lons.size and (np.abs(lons).max() > 180.0 or np.abs(lats).max() > 90.0):
        raise ValueError(
            "Coordinates out of range: longitude must be in [-180, 180] and latitude in [-90, 90]."
        )


def _search_boxes(lon: float, lat: float, radius_m: float) -> NDArray[np.object_]:
    """Return degree boxes that together cover the circle of ``radius_m`` around a point.

    The latitude half-height is the angular radius. The longitude half-width
    is the circle's true maximum longitude offset, asin(sin(d) / cos(lat)),
    which is wider than d / cos(lat) and so never misses points at the
    circle's east/west extremes. Near a pole, or when the circle reaches
    past it, every longitude is possible. A box that crosses ±180° is split
    in two so that it still matches points on the other side.
    """
    angular = radius_m / EARTH_RADIUS_M
    half_lat = math.degrees(angular) + _BOX_SLACK_DEG
    south = max(lat - half_lat, -90.0)
    north = min(lat + half_lat, 90.0)
    cos_lat = math.cos(math.radians(lat))
    if angular >= math.pi / 2 or north >= 90.0 or south <= -90.0 or math.sin(angular) >= cos_lat:
        return np.array([shapely.box(-180.0, south, 180.0, north)], dtype=object)

    half_lon = math.degrees(math.asin(math.sin(angular) / cos_lat)) + _BOX_SLACK_DEG
    west = lon - half_lon
    east = lon + half_lon
    boxes = [shapely.box(max(west, -180.0), south, min(east, 180.0), north)]
    if west < -180.0:
        boxes.append(shapely.box(west + 360.0, south, 180.0, north))
    if east > 180.0:
        boxes.append(shapely.box(-180.0, south, east - 360.0, north))
    return np.array(boxes, dtype=object)
