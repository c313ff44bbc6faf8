"""Map data for the pages: GeoJSON in the coordinate system of the tiles shown.

Storage is WGS-84; AMap tiles are GCJ-02, so points and outlines are
converted here (``core.coords``) before any page draws them.
"""

from types import SimpleNamespace

import numpy as np
import shapely
from shapely.geometry import shape

from civicgrid.core.coords import SAME_AS_WGS84, from_wgs84
from civicgrid.core.geometry import to_geojson
from civicgrid.web.tiles import tile_config


def display_crs() -> str:
    """Return the coordinate system the map tiles are drawn in."""
    return tile_config()["crs"]


def display_point(lon: float, lat: float) -> tuple[float, float]:
    """Return a WGS-84 point in the tiles' system."""
    return from_wgs84(lon, lat, display_crs())


def display_geometry(geojson: dict) -> dict:
    """Return a WGS-84 GeoJSON geometry in the tiles' system."""
    crs = display_crs()
    if crs in SAME_AS_WGS84:
        return geojson

    def convert(xy):
        lon, lat = from_wgs84(xy[:, 0], xy[:, 1], crs)
        return np.column_stack([lon, lat])

    return to_geojson(shapely.transform(shape(geojson), convert))


#: Tolerance (degrees, about 5 m) when thinning district outlines for a page.
OUTLINE_TOLERANCE = 0.00005


def district_outlines(districts) -> dict:
    """Return the districts' outlines as a FeatureCollection in the tiles' system.

    Thinned to about 5 m: the outline is a backdrop when the tiles do not load
    (offline, no tile server), so the page stays small.
    """
    features = []
    for district in districts:
        outline = shape(district.geometry).simplify(OUTLINE_TOLERANCE, preserve_topology=True)
        features.append(
            {
                "type": "Feature",
                "properties": {"code": district.code, "name": district.name},
                "geometry": display_geometry(to_geojson(outline)),
            }
        )
    return {"type": "FeatureCollection", "features": features}


def case_feature(case) -> dict:
    """Return a case's cell outline as a GeoJSON feature for the case map.

    ``case_queryset`` fetches the cell's outline (and no other place's) for this.
    """
    cell = case.grid_cell
    return {
        "type": "Feature",
        "properties": {"code": cell.code, "name": cell.name},
        "geometry": display_geometry(cell.geometry),
    }


# The fields a map point needs: its place, label and what its warning level is computed from.
MAP_FIELDS = (
    "code", "state", "lon", "lat", "stage", "stage_started_at", "stage_due",
    "handling_started_at", "handling_due", "handling_limit", "current_due", "pauses",
    "category__name",
)  # fmt: skip


def case_features(cases, limit: int) -> list[dict]:
    """Return up to ``limit`` open cases (newest first) as points in the tiles' system."""
    from django.urls import reverse

    from civicgrid.cases.choices import CaseState
    from civicgrid.cases.services import transitions
    from civicgrid.cases.services.reading import deadline_of

    # Labels and the URL pattern once, not per point: a map may carry thousands.
    state_labels = {value: str(label) for value, label in CaseState.choices}
    url_pattern = reverse("web:case", args=[0])

    # Plain rows, not model instances: building thousands of models cost more than the rest.
    rows = [
        SimpleNamespace(**row)
        for row in cases.open().order_by("-created_at").values("pk", *MAP_FIELDS)[:limit]
    ]
    if not rows:
        return []
    lons, lats = from_wgs84(
        np.array([c.lon for c in rows], dtype=float),
        np.array([c.lat for c in rows], dtype=float),
        display_crs(),
    )
    at = transitions.now()
    features = []
    for case, lon, lat in zip(rows, lons, lats, strict=True):
        # Past due is red whatever the calendar says; only running deadlines need counting.
        if case.current_due is not None and case.current_due < at:
            deadline = {"level": "red"}
        else:
            deadline = deadline_of(case, at)
        features.append(
            {
                "type": "Feature",
                "id": case.pk,
                "properties": {
                    "code": case.code,
                    "state": state_labels.get(case.state, case.state),
                    "category": case.category__name or "",
                    "level": deadline["level"] if deadline else "none",
                    "url": url_pattern.replace("/0/", f"/{case.pk}/"),
                },
                "geometry": {"type": "Point", "coordinates": [float(lon), float(lat)]},
            }
        )
    return features
