"""API schemas of the places app."""

from typing import Annotated

from ninja import Field, Schema

from civicgrid.core.coords import WGS84, CrsName

Longitude = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]
Latitude = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]

MAX_BATCH_POINTS = 10_000


class PlaceOut(Schema):
    """A place's code and name."""

    id: int
    code: str
    name: str


class LocationOut(Schema):
    """Where a point falls: the cell and its parents, with the WGS-84 point."""

    lon: float
    lat: float
    grid_cell: PlaceOut
    community: PlaceOut
    street: PlaceOut
    district: PlaceOut


class LocateQuery(Schema):
    """One point to locate."""

    lon: Longitude
    lat: Latitude
    crs: CrsName = WGS84


class LocateBatchIn(Schema):
    """Many points to locate at once; ``points`` are ``[lon, lat]`` pairs."""

    crs: CrsName = WGS84
    points: Annotated[
        list[tuple[Longitude, Latitude]], Field(min_length=1, max_length=MAX_BATCH_POINTS)
    ]


class LocateBatchOut(Schema):
    """One result per input point, in order; null where a point is outside the city."""

    results: list[LocationOut | None]
    outside: int
