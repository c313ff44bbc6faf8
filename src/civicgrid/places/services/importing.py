"""Import places from GeoJSON, all or nothing.

Every feature is checked before anything is written: code and name (text
without control or invisible characters), code structure and its parent's
code, a known parent, no duplicate code in the file, a valid polygon with
closed rings and finite coordinates. Grid cells are then checked against
each other and the stored grid: none may be identical to another under a
different code or overlap it beyond the tolerance (``soundness``). A file
with any bad feature is refused whole (``ImportRefused`` lists each by index
and reason, in the active language). Districts, streets and communities that
overlap or leave gaps only draw warnings. Re-importing updates places by code.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import shapely
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, pgettext

from civicgrid.common.importing import (
    FeatureError,
    ImportRefused,
    ImportResult,
    iter_chunks,
    progress,
    read_feature_collection,
    read_property_text,
)
from civicgrid.core.codes import CodeError, validate_code
from civicgrid.core.coords import SAME_AS_WGS84, WGS84, CoordinateError, to_wgs84
from civicgrid.core.geometry import (
    GeometryError,
    OverlapTolerance,
    area_m2,
    parse_area,
    repair_area,
    to_geojson,
)
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


def _unknown_parent(level, code: str) -> str:
    """Return the "unknown parent" reason, one sentence per level for translators."""
    messages = {
        PlaceLevel.DISTRICT: _("unknown parent district %(code)s"),
        PlaceLevel.STREET: _("unknown parent street %(code)s"),
        PlaceLevel.COMMUNITY: _("unknown parent community %(code)s"),
    }
    return messages[PARENT_LEVEL[level]] % {"code": repr(code)}


def geometry_reason(exc: GeometryError) -> str:
    """Return a core geometry error in the active language."""
    return _(exc.message) % exc.params if exc.params else _(exc.message)


@dataclass
class _Valid:
    """A feature that passed every check, ready to be written."""

    code: str
    name: str
    geom: object
    parent_id: int | None = None
    extra: dict | None = None
    index: int = -1
    repaired: str = ""


def import_places(
    source,
    level: str,
    crs: str = WGS84,
    show_progress: bool | None = None,
    *,
    repair: bool = False,
    tolerance: OverlapTolerance | None = None,
) -> ImportResult:
    """Import the FeatureCollection in ``source`` as places of ``level``.

    ``repair`` mends self-intersecting outlines instead of refusing them and
    lists each in the result's warnings. ``tolerance`` is how much grid cells
    may overlap (and districts, streets, communities before a warning).
    """
    from civicgrid.places.services.soundness import (
        coverage_warnings,
        grid_clash_errors,
        layer_warnings,
    )

    level = PlaceLevel(level)
    tolerance = tolerance or OverlapTolerance()
    features = read_feature_collection(source)
    warnings = []
    if level in AREA_MODELS:
        valid, errors = _check_areas(features, level, crs, show_progress, repair)
        if level == PlaceLevel.GRID:
            # Among the cells that passed, so one pass names every bad feature.
            errors = sorted(errors + grid_clash_errors(valid, tolerance), key=lambda e: e.index)
        if not errors:
            warnings = layer_warnings(valid, level, tolerance)
            warnings += coverage_warnings(valid, level, tolerance)
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
    result.warnings = [item.repaired for item in valid if item.repaired] + warnings
    return result


def _properties(feature) -> dict:
    props = feature.get("properties") if isinstance(feature, dict) else None
    return props if isinstance(props, dict) else {}


def _geometry(feature, crs: str, repair: bool = False) -> tuple[object, str]:
    """Return the feature's outline in WGS-84 and, if it was repaired, a note saying so.

    The outline is converted when ``crs`` says so. With ``repair`` a
    self-intersecting outline is made valid (after conversion, so the note's
    areas are those stored).
    """
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise GeometryError(gettext_noop("item is not a GeoJSON Feature"))
    geom = parse_area(feature.get("geometry"), allow_invalid=repair)
    if crs not in SAME_AS_WGS84:

        def convert(xy):
            lon, lat = to_wgs84(xy[:, 0], xy[:, 1], crs)
            return np.column_stack([lon, lat])

        try:
            geom = shapely.transform(geom, convert)
        except CoordinateError as exc:
            raise GeometryError(
                gettext_noop("coordinates cannot be converted: %(detail)s"), detail=exc
            ) from exc
        if not geom.is_valid and not repair:
            raise GeometryError(
                gettext_noop("geometry became invalid after coordinate conversion")
            )
    if geom.is_valid:
        return geom, ""
    before = area_m2(geom)
    fixed = repair_area(geom)
    note = _("repaired a self-intersecting outline: %(before).0f m² before, %(after).0f m² after")
    return fixed, note % {"before": before, "after": area_m2(fixed)}


def _check_areas(features, level, crs, show_progress, repair=False):
    parent_ids = {}
    if level in PARENT_LEVEL:
        parent_model = AREA_MODELS[PARENT_LEVEL[level]]
        parent_ids = dict(parent_model.objects.values_list("code", "id"))
    seen: dict[str, int] = {}
    valid, errors = [], []
    items = progress(enumerate(features), len(features), f"checking {level}", show_progress)
    for index, feature in items:
        props = _properties(feature)
        problems = []
        raw_code, code_problem = read_property_text(props, "code")
        name, name_problem = read_property_text(props, "name")
        problems += [p for p in (code_problem, name_problem) if p]
        code = raw_code
        if not code_problem:
            try:
                code = validate_code(str(level), raw_code)
            except CodeError as exc:
                problems.append(code_reason(exc))
        problems += _name_problems(name, name_problem)
        parent_id = None
        if level in PARENT_LEVEL and not problems:
            parent_code = code[: PARENT_PREFIX[level]]
            given, given_problem = read_property_text(props, "parent")
            if given_problem:
                problems.append(given_problem)
            elif given and given != parent_code:
                problems.append(
                    _("parent %(given)s does not match the code's own parent %(expected)s")
                    % {"given": repr(given), "expected": repr(parent_code)}
                )
            parent_id = parent_ids.get(parent_code)
            if parent_id is None:
                problems.append(_unknown_parent(level, parent_code))
        if code and code in seen:
            problems.append(_duplicate(seen[code]))
        elif code:
            seen[code] = index
        geom = None
        repaired = ""
        try:
            geom, repaired = _geometry(feature, crs, repair)
        except GeometryError as exc:
            problems.append(_geometry_refusal(exc, repair))
        if problems:
            errors.append(FeatureError(index, "; ".join(problems), raw_code))
        else:
            note = str(FeatureError(index, repaired, code)) if repaired else ""
            valid.append(_Valid(code, name, geom, parent_id, index=index, repaired=note))
    return valid, errors


def code_reason(exc: CodeError) -> str:
    """Return a core code error in the active language, its words translated too."""
    params = {
        key: pgettext("code kind", value) if key in ("what", "part", "parent") else value
        for key, value in exc.params.items()
    }
    return _(exc.message) % params if params else _(exc.message)


def _name_problems(name: str, problem: str | None) -> list[str]:
    if problem:
        return []  # already reported by read_property_text
    if not name:
        return [_("property 'name' is missing")]
    if len(name) > 100:
        return [_("property 'name' is longer than 100 characters")]
    return []


def _duplicate(first_index: int) -> str:
    return _("duplicate code (also feature #%(index)s)") % {"index": first_index}


def _geometry_refusal(exc: GeometryError, repair: bool) -> str:
    reason = geometry_reason(exc)
    if exc.message.startswith("geometry is invalid") and not repair:
        reason += _(" (import with --repair to mend it)")
    return reason


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
_ZONE_TEXTS = ("code", "name", "department", "inspector")


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
        texts = {key: read_property_text(props, key) for key in _ZONE_TEXTS}
        problems = [problem for _text_value, problem in texts.values() if problem]
        code, name = texts["code"][0], texts["name"][0]
        if texts["code"][1] is None:
            if not code or len(code) > 30:
                problems.append(_("property 'code' is missing or longer than 30 characters"))
            elif code in seen:
                problems.append(_duplicate(seen[code]))
            else:
                seen[code] = index
        problems += _name_problems(name, texts["name"][1])
        cells = props.get("cells")
        geom = None
        if cells is not None:
            if not isinstance(cells, list) or not cells:
                problems.append(_("property 'cells' must be a non-empty list of grid codes"))
                cells = []
            unknown = [str(c) for c in cells if str(c) not in cell_ids]
            if unknown:
                problems.append(
                    _("unknown grid cells: %(codes)s")
                    % {"codes": ", ".join(repr(c)[1:-1] for c in unknown[:5])}
                )
            ids = [cell_ids.get(str(c)) for c in cells]
        else:
            ids = []
            try:
                geom, _note = _geometry(feature, crs)
            except GeometryError as exc:
                problems.append(geometry_reason(exc) + _(" (give 'cells' or a polygon)"))
        extra = {}
        department, inspector = texts["department"][0], texts["inspector"][0]
        if level == PlaceLevel.RESPONSIBILITY and department:
            extra["department_id"] = departments.get(department)
            if extra["department_id"] is None:
                problems.append(_("unknown department %(code)s") % {"code": repr(department)})
        if level == PlaceLevel.PATROL and inspector:
            user = User.objects.filter(username=inspector).first()
            if user is None:
                problems.append(_("unknown inspector %(name)s") % {"name": repr(inspector)})
            extra["inspector_id"] = user.pk if user else None
        if problems:
            errors.append(FeatureError(index, "; ".join(problems), code))
            continue
        if geom is not None:
            ids = _cells_within(geom)
            if not ids:
                errors.append(FeatureError(index, _("the polygon covers no grid cell"), code))
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
