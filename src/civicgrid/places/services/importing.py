"""Import places from GeoJSON, all or nothing.

Every feature is checked before anything is written: code structure and its
parent's code, a known parent, no duplicate code in the file, a valid
polygon. A file with any bad feature is refused whole (``ImportRefused``
lists each by index and reason). Re-importing updates places by code.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import shapely
from django.db import transaction

from civicgrid.common.importing import (
    FeatureError,
    ImportRefused,
    ImportResult,
    iter_chunks,
    progress,
    read_feature_collection,
)
from civicgrid.core.codes import CodeError, validate_code
from civicgrid.core.coords import SAME_AS_WGS84, WGS84, CoordinateError, to_wgs84
from civicgrid.core.geometry import GeometryError, area_m2, parse_area, to_geojson
from civicgrid.places.choices import PlaceLevel
from civicgrid.places.models import (
    Community,
    District,
    GridCell,
    PatrolZone,
    ResponsibilityZone,
    Street,
)

__all__ = ["FeatureError", "ImportRefused", "ImportResult", "import_places"]

AREA_MODELS = {
    PlaceLevel.DISTRICT: District,
    PlaceLevel.STREET: Street,
    PlaceLevel.COMMUNITY: Community,
    PlaceLevel.GRID: GridCell,
}
PARENT_LEVEL = {
    PlaceLevel.STREET: PlaceLevel.DISTRICT,
    PlaceLevel.COMMUNITY: PlaceLevel.STREET,
    PlaceLevel.GRID: PlaceLevel.COMMUNITY,
}
PARENT_PREFIX = {PlaceLevel.STREET: 6, PlaceLevel.COMMUNITY: 9, PlaceLevel.GRID: 12}


@dataclass
class _Valid:
    """A feature that passed every check, ready to be written."""

    code: str
    name: str
    geom: object
    parent_id: int | None = None
    extra: dict | None = None


def import_places(
    source, level: str, crs: str = WGS84, show_progress: bool | None = None
) -> ImportResult:
    """Import the FeatureCollection in ``source`` as places of ``level``."""
    level = PlaceLevel(level)
    features = read_feature_collection(source)
    if level in AREA_MODELS:
        valid, errors = _check_areas(features, level, crs, show_progress)
    else:
        valid, errors = _check_zones(features, level, crs, show_progress)
    if errors:
        raise ImportRefused(errors, len(features))
    with transaction.atomic():
        if level in AREA_MODELS:
            result = _write_areas(valid, level, show_progress)
        else:
            result = _write_zones(valid, level)
    from civicgrid.places.services.locating import invalidate_cell_index

    invalidate_cell_index()
    return result


def _properties(feature) -> dict:
    props = feature.get("properties") if isinstance(feature, dict) else None
    return props if isinstance(props, dict) else {}


def _text(props: dict, key: str) -> str:
    value = props.get(key)
    return "" if value is None else str(value).strip()


def _geometry(feature, crs: str):
    """Return the feature's outline in WGS-84, converted when ``crs`` says so."""
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise GeometryError("item is not a GeoJSON Feature")
    geom = parse_area(feature.get("geometry"))
    if crs not in SAME_AS_WGS84:

        def convert(xy):
            lon, lat = to_wgs84(xy[:, 0], xy[:, 1], crs)
            return np.column_stack([lon, lat])

        try:
            geom = shapely.transform(geom, convert)
        except CoordinateError as exc:
            raise GeometryError(str(exc)) from exc
        if not geom.is_valid:
            raise GeometryError("geometry became invalid after coordinate conversion")
    return geom


def _check_areas(features, level, crs, show_progress):
    parent_ids = {}
    if level in PARENT_LEVEL:
        parent_model = AREA_MODELS[PARENT_LEVEL[level]]
        parent_ids = dict(parent_model.objects.values_list("code", "id"))
    seen: dict[str, int] = {}
    valid, errors = [], []
    items = progress(enumerate(features), len(features), f"checking {level}", show_progress)
    for index, feature in items:
        props = _properties(feature)
        raw_code = _text(props, "code")
        name = _text(props, "name")
        problems = []
        code = raw_code
        try:
            code = validate_code(str(level), raw_code)
        except CodeError as exc:
            problems.append(str(exc))
        if not name:
            problems.append("property 'name' is missing")
        elif len(name) > 100:
            problems.append("property 'name' is longer than 100 characters")
        parent_id = None
        if level in PARENT_LEVEL and not problems:
            parent_code = code[: PARENT_PREFIX[level]]
            given = _text(props, "parent")
            if given and given != parent_code:
                problems.append(
                    f"parent {given!r} does not match the code's own parent {parent_code!r}"
                )
            parent_id = parent_ids.get(parent_code)
            if parent_id is None:
                problems.append(f"unknown parent {PARENT_LEVEL[level]} {parent_code!r}")
        if code and code in seen:
            problems.append(f"duplicate code (also feature #{seen[code]})")
        elif code:
            seen[code] = index
        geom = None
        try:
            geom = _geometry(feature, crs)
        except GeometryError as exc:
            problems.append(str(exc))
        if problems:
            errors.append(FeatureError(index, "; ".join(problems), raw_code))
        else:
            valid.append(_Valid(code, name, geom, parent_id))
    return valid, errors


def _area_fields(item: _Valid) -> dict:
    min_lon, min_lat, max_lon, max_lat = item.geom.bounds
    return {
        "name": item.name,
        "geometry": to_geojson(item.geom),
        "area_m2": round(area_m2(item.geom), 1),
        "min_lon": min_lon,
        "min_lat": min_lat,
        "max_lon": max_lon,
        "max_lat": max_lat,
    }


def _write_areas(valid: list[_Valid], level, show_progress) -> ImportResult:
    model = AREA_MODELS[level]
    existing = {obj.code: obj for obj in model.objects.filter(code__in=[v.code for v in valid])}
    parent_setter = _parent_setter(level)
    to_create, to_update = [], []
    for item in progress(valid, len(valid), f"saving {level}", show_progress):
        fields = _area_fields(item)
        obj = existing.get(item.code) or model(code=item.code)
        for key, value in fields.items():
            setattr(obj, key, value)
        parent_setter(obj, item.parent_id)
        (to_update if obj.pk else to_create).append(obj)
    for chunk in iter_chunks(to_create, 500):
        model.objects.bulk_create(chunk)
    update_fields = [*_area_fields(valid[0]).keys(), *_parent_fields(level), "updated_at"]
    for chunk in iter_chunks(to_update, 500):
        _touch(chunk)
        model.objects.bulk_update(chunk, update_fields)
    return ImportResult(created=len(to_create), updated=len(to_update), total=len(valid))


def _touch(objs):
    """Set ``updated_at`` by hand: bulk_update bypasses ``auto_now``."""
    from django.utils import timezone

    now = timezone.now()
    for obj in objs:
        obj.updated_at = now


def _parent_fields(level) -> list[str]:
    return {
        PlaceLevel.DISTRICT: [],
        PlaceLevel.STREET: ["district"],
        PlaceLevel.COMMUNITY: ["street"],
        PlaceLevel.GRID: ["community", "street", "district"],
    }[level]


def _parent_setter(level) -> Callable:
    if level == PlaceLevel.DISTRICT:
        return lambda obj, parent_id: None
    if level == PlaceLevel.STREET:
        return lambda obj, parent_id: setattr(obj, "district_id", parent_id)
    if level == PlaceLevel.COMMUNITY:
        return lambda obj, parent_id: setattr(obj, "street_id", parent_id)
    chain = dict(
        Community.objects.values_list("id", "street_id"),
    )
    street_district = dict(Street.objects.values_list("id", "district_id"))

    def set_cell_parents(obj, community_id):
        obj.community_id = community_id
        obj.street_id = chain[community_id]
        obj.district_id = street_district[obj.street_id]

    return set_cell_parents


ZONE_MODELS = {PlaceLevel.RESPONSIBILITY: ResponsibilityZone, PlaceLevel.PATROL: PatrolZone}


def _check_zones(features, level, crs, show_progress):
    """Check zone features: each names its cells, or outlines them."""
    from django.contrib.auth import get_user_model

    from civicgrid.org.models import Department

    cell_ids = dict(GridCell.objects.values_list("code", "id"))
    departments = dict(Department.objects.values_list("code", "id"))
    User = get_user_model()
    valid, errors, seen = [], [], {}
    for index, feature in enumerate(features):
        props = _properties(feature)
        code, name = _text(props, "code"), _text(props, "name")
        problems = []
        if not code or len(code) > 30:
            problems.append("property 'code' is missing or longer than 30 characters")
        elif code in seen:
            problems.append(f"duplicate code (also feature #{seen[code]})")
        else:
            seen[code] = index
        if not name:
            problems.append("property 'name' is missing")
        elif len(name) > 100:
            problems.append("property 'name' is longer than 100 characters")
        cells = props.get("cells")
        geom = None
        if cells is not None:
            if not isinstance(cells, list) or not cells:
                problems.append("property 'cells' must be a non-empty list of grid codes")
                cells = []
            unknown = [str(c) for c in cells if str(c) not in cell_ids]
            if unknown:
                problems.append(f"unknown grid cells: {', '.join(unknown[:5])}")
            ids = [cell_ids.get(str(c)) for c in cells]
        else:
            ids = []
            try:
                geom = _geometry(feature, crs)
            except GeometryError as exc:
                problems.append(f"{exc} (give 'cells' or a polygon)")
        extra = {}
        if level == PlaceLevel.RESPONSIBILITY and _text(props, "department"):
            extra["department_id"] = departments.get(_text(props, "department"))
            if extra["department_id"] is None:
                problems.append(f"unknown department {_text(props, 'department')!r}")
        if level == PlaceLevel.PATROL and _text(props, "inspector"):
            user = User.objects.filter(username=_text(props, "inspector")).first()
            if user is None:
                problems.append(f"unknown inspector {_text(props, 'inspector')!r}")
            extra["inspector_id"] = user.pk if user else None
        if problems:
            errors.append(FeatureError(index, "; ".join(problems), code))
            continue
        if geom is not None:
            ids = _cells_within(geom)
            if not ids:
                errors.append(FeatureError(index, "the polygon covers no grid cell", code))
                continue
        valid.append(_Valid(code, name, geom, extra={**extra, "cell_ids": ids}))
    return valid, errors


def _cells_within(geom) -> list[int]:
    """Return the ids of cells whose representative point lies in ``geom``."""
    from civicgrid.places.services.locating import cell_index

    index = cell_index()
    if not len(index.cells):
        return []
    inside = shapely.contains_xy(geom, index.rep_lons, index.rep_lats)
    return [int(i) for i in index.cell_ids[inside]]


def _write_zones(valid: list[_Valid], level) -> ImportResult:
    from shapely.ops import unary_union

    model = ZONE_MODELS[level]
    outlines = dict(GridCell.objects.values_list("id", "geometry"))
    result = ImportResult(total=len(valid))
    for item in valid:
        extra = dict(item.extra)
        cell_ids = extra.pop("cell_ids")
        outline = item.geom or unary_union([shapely.geometry.shape(outlines[i]) for i in cell_ids])
        obj, created = model.objects.update_or_create(
            code=item.code, defaults={"name": item.name, "geometry": to_geojson(outline), **extra}
        )
        obj.cells.set(cell_ids)
        if created:
            result.created += 1
        else:
            result.updated += 1
    return result
