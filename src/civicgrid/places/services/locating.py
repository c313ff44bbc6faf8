"""Locate points on the unit grid: point → cell, community, street, district.

The grid lives in a process-wide Shapely STRtree (``core.spatial``) built
from the database on first use. It is rebuilt when the grid changes: at once
in the process that changed it (signals and imports call
``invalidate_cell_index``), and within ``RECHECK_SECONDS`` in other processes,
which compare a cheap fingerprint with the one the index was built from: the
row count and last update of the cells *and* of the districts, streets and
communities (whose names the index carries), plus a version in Django's
cache that ``invalidate_cell_index`` bumps for every process sharing it.
"""

from dataclasses import dataclass

import numpy as np
import shapely
from django.db.models import Count, Max
from django.utils.translation import gettext as _

from civicgrid.common.cache import FingerprintCache, bump_version
from civicgrid.core.coords import WGS84, to_wgs84
from civicgrid.core.spatial import CellIndex
from civicgrid.places.models import Community, District, GridCell, Street

RECHECK_SECONDS = 5.0


class OutsideCity(LookupError):
    """Raise when a point lies in no unit grid cell."""


@dataclass(frozen=True)
class PlaceRef:
    """A place's id, code and name, as carried by a location."""

    id: int
    code: str
    name: str


@dataclass(frozen=True)
class Location:
    """Where a WGS-84 point falls in the place hierarchy."""

    lon: float
    lat: float
    grid_cell: PlaceRef
    community: PlaceRef
    street: PlaceRef
    district: PlaceRef


class GridIndex:
    """The STRtree of cells plus, per cell, the refs of its parents."""

    def __init__(self):
        rows = list(
            GridCell.objects.order_by("code").values_list(
                "id", "code", "name", "geometry", "community_id", "street_id", "district_id"
            )
        )
        self.cells = [PlaceRef(r[0], r[1], r[2]) for r in rows]
        polygons = [shapely.geometry.shape(r[3]) for r in rows]
        self.cell_ids = np.array([r[0] for r in rows], dtype=np.int64)
        self.tree = CellIndex([r[0] for r in rows], polygons)
        points = shapely.point_on_surface(polygons) if polygons else np.array([])
        self.rep_lons = shapely.get_x(points) if polygons else np.array([])
        self.rep_lats = shapely.get_y(points) if polygons else np.array([])
        communities = {
            pk: PlaceRef(pk, code, name)
            for pk, code, name in Community.objects.values_list("id", "code", "name")
        }
        streets = {
            pk: PlaceRef(pk, code, name)
            for pk, code, name in Street.objects.values_list("id", "code", "name")
        }
        districts = {
            pk: PlaceRef(pk, code, name)
            for pk, code, name in District.objects.values_list("id", "code", "name")
        }
        self.parents = [(communities[r[4]], streets[r[5]], districts[r[6]]) for r in rows]

    def locate_positions(self, lons, lats) -> np.ndarray:
        """Return, per point, the position of its cell or −1."""
        return self.tree.locate(lons, lats)

    def location(self, position: int, lon: float, lat: float) -> Location:
        """Return the ``Location`` for a cell position."""
        community, street, district = self.parents[position]
        return Location(lon, lat, self.cells[position], community, street, district)


VERSION_KEY = "grid-index"


def _fingerprint():
    return tuple(
        tuple(
            model.objects.aggregate(n=Count("id"), last=Max("updated_at"), top=Max("id")).values()
        )
        for model in (GridCell, Community, Street, District)
    )


GRID_INDEX = FingerprintCache(
    lambda: GridIndex(), _fingerprint, RECHECK_SECONDS, version_key=VERSION_KEY
)


def invalidate_cell_index() -> None:
    """Drop this process's index and tell the other processes to rebuild theirs."""
    bump_version(VERSION_KEY)
    GRID_INDEX.invalidate()


def cell_index() -> "GridIndex":
    """Return the current grid index, rebuilding it when the grid changed."""
    return GRID_INDEX.get()


def locate_many(lons, lats, crs: str = WGS84) -> list[Location | None]:
    """Locate many points at once (vectorized); None for a point outside the grid."""
    lons, lats = to_wgs84(np.asarray(lons, dtype=float), np.asarray(lats, dtype=float), crs)
    index = cell_index()
    if not len(index.cells):
        return [None] * len(lons)
    positions = index.locate_positions(lons, lats)
    return [
        None if pos < 0 else index.location(int(pos), float(lon), float(lat))
        for pos, lon, lat in zip(positions, lons, lats, strict=True)
    ]


def locate(lon: float, lat: float, crs: str = WGS84) -> Location:
    """Locate one point, or raise ``OutsideCity``."""
    (location,) = locate_many([lon], [lat], crs)
    if location is None:
        raise OutsideCity(
            _("The point (%(lon)s, %(lat)s) lies outside every unit grid cell of the city.")
            % {"lon": round(float(lon), 6), "lat": round(float(lat), 6)}
        )
    return location
