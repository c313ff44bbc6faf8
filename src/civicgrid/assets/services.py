"""Operations of the assets app: the census import and nearest-asset search."""

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.db import transaction
from django.db.models import Count, Max

from civicgrid.assets.choices import STATE_WORDS, AssetState
from civicgrid.assets.models import Asset
from civicgrid.categories.models import Category
from civicgrid.common.cache import FingerprintCache
from civicgrid.common.importing import (
    FeatureError,
    ImportRefused,
    ImportResult,
    iter_chunks,
    progress,
    read_csv_rows,
    read_feature_collection,
    read_property_text,
    read_text,
)
from civicgrid.core.codes import CodeError, normalize_category_code, parse_asset_code
from civicgrid.core.coords import WGS84, CoordinateError, to_wgs84
from civicgrid.core.spatial import PointIndex
from civicgrid.org.models import Department


@dataclass
class _Row:
    index: int
    props: dict
    lon: object
    lat: object


def _rows_from(source, name: str) -> list[_Row]:
    """Return rows from a CSV or GeoJSON file (chosen by name, else by content)."""
    text = read_text(source)
    is_json = name.lower().endswith((".geojson", ".json")) or text.lstrip().startswith("{")
    if not is_json:
        import io

        return [
            _Row(i, row, row.get("lon"), row.get("lat"))
            for i, row in enumerate(read_csv_rows(io.StringIO(text)))
        ]
    import io

    rows = []
    for i, feature in enumerate(read_feature_collection(io.StringIO(text))):
        props = feature.get("properties") if isinstance(feature, dict) else None
        props = props if isinstance(props, dict) else {}
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        lon = lat = None
        if isinstance(geometry, dict) and geometry.get("type") == "Point":
            coords = geometry.get("coordinates")
            if isinstance(coords, list) and len(coords) >= 2:
                lon, lat = coords[0], coords[1]
        rows.append(_Row(i, props, lon, lat))
    return rows


def _float(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: a huge integer
        return None
    return number if math.isfinite(number) else None


_CHECKED = ("code", "name")


def import_assets(source, crs: str = WGS84, show_progress: bool | None = None) -> ImportResult:
    """Import an asset census from CSV or GeoJSON, all or nothing; update by code."""
    name = str(source) if isinstance(source, str | Path) else getattr(source, "name", "")
    rows = _rows_from(source, name)
    categories = {c.code: c.pk for c in Category.objects.filter(kind="asset")}
    departments = dict(Department.objects.values_list("code", "id"))
    errors, valid, seen = [], [], {}
    lons = np.full(len(rows), np.nan)
    lats = np.full(len(rows), np.nan)
    for row in progress(rows, len(rows), "checking assets", show_progress):
        # Codes and names come from outside: no NUL bytes or invisible characters.
        problems = [p for p in (read_property_text(row.props, k)[1] for k in _CHECKED) if p]
        props = {k: ("" if v is None else str(v).strip()) for k, v in row.props.items()}
        code = props.get("code", "")
        category_id = None
        try:
            parsed = parse_asset_code(code)
            # Store and compare the normalized code, so that full-width digits or
            # inner spaces neither dodge the duplicate check nor reach the database.
            code = parsed.code
            given = props.get("category")
            # Census files still use the 4-digit class form (0101 for 01001).
            category_code = normalize_category_code(given) if given else parsed.category_code
            if category_code != parsed.category_code:
                problems.append(
                    f"code's class {parsed.category_code} does not match category {category_code}"
                )
            category_id = categories.get(category_code)
            if category_id is None:
                problems.append(f"unknown asset category {category_code!r}")
        except CodeError as exc:
            problems.append(str(exc))
        if code in seen:
            problems.append(f"duplicate code (also row #{seen[code]})")
        elif code:
            seen[code] = row.index
        lon, lat = _float(row.lon), _float(row.lat)
        if lon is None or lat is None:
            problems.append("lon/lat missing or not numbers (GeoJSON needs Point geometry)")
        else:
            try:
                lon, lat = to_wgs84(lon, lat, crs)
                lons[row.index], lats[row.index] = lon, lat
            except CoordinateError as exc:
                problems.append(str(exc))
        state_text = props.get("state", "") or AssetState.INTACT
        state = STATE_WORDS.get(state_text, state_text)
        if state not in AssetState.values:
            problems.append(f"unknown state {state_text!r} (完好/破损/丢失/废弃/移除)")
        refs = {}
        for role in ("owner", "maintainer"):
            ref = props.get(role, "")
            refs[role] = departments.get(ref) if ref else None
            if ref and refs[role] is None:
                problems.append(f"unknown {role} department {ref!r}")
        if len(props.get("name", "")) > 100 or len(props.get("note", "")) > 1000:
            problems.append("name longer than 100 or note longer than 1000 characters")
        if problems:
            errors.append(FeatureError(row.index, "; ".join(problems), code))
            continue
        valid.append(
            {
                "index": row.index,
                "code": code,
                "category_id": category_id,
                "name": props.get("name", ""),
                "state": state,
                "owner_id": refs["owner"],
                "maintainer_id": refs["maintainer"],
                "note": props.get("note", ""),
            }
        )
    cells = _locate_cells(lons, lats, [v["index"] for v in valid], errors, rows)
    if errors:
        errors.sort(key=lambda e: e.index)
        raise ImportRefused(errors, len(rows))
    return _write(valid, lons, lats, cells, show_progress)


def _locate_cells(lons, lats, indexes, errors, rows) -> dict[int, int | None]:
    """Return row index → grid cell id, adding an error for points outside the grid."""
    from civicgrid.places.services import cell_index

    grid = cell_index()
    if not len(grid.cells) or not indexes:
        return dict.fromkeys(indexes)
    idx = np.array(indexes)
    positions = grid.locate_positions(lons[idx], lats[idx])
    result = {}
    for row_index, pos in zip(indexes, positions, strict=True):
        if pos < 0:
            code = str(rows[row_index].props.get("code", ""))
            errors.append(FeatureError(row_index, "point is outside every unit grid cell", code))
        else:
            result[row_index] = grid.cells[int(pos)].id
    return result


def _write(valid, lons, lats, cells, show_progress) -> ImportResult:
    existing = {a.code: a for a in Asset.objects.filter(code__in=[v["code"] for v in valid])}
    to_create, to_update = [], []
    for item in progress(valid, len(valid), "saving assets", show_progress):
        index = item.pop("index")
        asset = existing.get(item["code"]) or Asset(code=item["code"])
        for key, value in item.items():
            setattr(asset, key, value)
        asset.lon, asset.lat = float(lons[index]), float(lats[index])
        asset.grid_cell_id = cells.get(index)
        (to_update if asset.pk else to_create).append(asset)
    fields = ["name", "category", "lon", "lat", "state", "owner", "maintainer", "note"]
    fields += ["grid_cell", "updated_at"]
    from django.utils import timezone

    with transaction.atomic():
        for chunk in iter_chunks(to_create, 1000):
            Asset.objects.bulk_create(chunk)
        now = timezone.now()
        for chunk in iter_chunks(to_update, 1000):
            for asset in chunk:
                asset.updated_at = now
            Asset.objects.bulk_update(chunk, fields)
    invalidate_asset_index()
    return ImportResult(created=len(to_create), updated=len(to_update), total=len(valid))


# -- nearest assets -----------------------------------------------------------


def _build_asset_index() -> PointIndex | None:
    rows = list(Asset.objects.values_list("id", "lon", "lat"))
    if not rows:
        return None
    ids, lon, lat = zip(*rows, strict=True)
    return PointIndex(list(ids), np.array(lon), np.array(lat))


def _asset_fingerprint():
    # The largest id too: rows deleted and loaded again may keep count and times.
    stats = Asset.objects.aggregate(n=Count("id"), last=Max("updated_at"), top=Max("id"))
    return stats["n"], stats["last"], stats["top"]


ASSET_INDEX = FingerprintCache(_build_asset_index, _asset_fingerprint)


def invalidate_asset_index() -> None:
    """Drop this process's asset index; the next search rebuilds it."""
    ASSET_INDEX.invalidate()


def nearest_assets(lon: float, lat: float, radius_m: float, limit: int = 20, category=None):
    """Return ``(asset, distance_m)`` pairs within ``radius_m`` of a WGS-84 point."""
    index = ASSET_INDEX.get()
    if index is None:
        return []
    hits = index.within(lon, lat, radius_m)
    by_id = Asset.objects.in_bulk([key for key, _ in hits])
    pairs = [(by_id[key], dist) for key, dist in hits if key in by_id]
    if category is not None:
        pairs = [(a, d) for a, d in pairs if a.category_id == getattr(category, "pk", category)]
    return pairs[:limit]
