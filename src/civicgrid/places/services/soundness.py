"""Keep the grid sound: compare imported outlines with each other and the stored ones.

A unit grid cell identical to another under a different code, or lying on
top of a neighbour, makes every located case ambiguous, so an import that
brings one is refused (each clash named by feature index and the other
cell's code). Districts, streets and communities are looser in practice
(boundaries drawn by different offices), so their overlaps and the gaps left
between them are only warnings printed after the import, as are parents that
their streets, communities or cells leave partly bare or spill out of.

The stored outline of a place whose code the file carries is left out: the
file replaces it.
"""

from collections import defaultdict

import numpy as np
import shapely
from django.utils.translation import gettext as _

from civicgrid.common.importing import FeatureError, iter_chunks
from civicgrid.core.geometry import (
    Clash,
    OverlapTolerance,
    approx_area_m2,
    coverage,
    find_clashes,
    find_gaps,
)
from civicgrid.places.choices import PlaceLevel
from civicgrid.places.services.importing import AREA_MODELS, PARENT_LEVEL


def _parent_field(level) -> str:
    """Return the child's field naming its parent: it is named after the parent's level."""
    return f"{PARENT_LEVEL[level]}_id"


def _stored(level, exclude: set[str], **filters) -> list[tuple[str, object, int | None]]:
    """Return (code, outline, parent id) of stored places whose code is not in ``exclude``.

    Codes are read first and outlines only of the places kept, in chunks, so
    a re-import of the whole grid parses nothing and a large ``exclude`` never
    becomes one huge SQL parameter list.
    """
    model = AREA_MODELS[level]
    keep = [
        pk
        for pk, code in model.objects.filter(**filters).values_list("id", "code")
        if code not in exclude
    ]
    parent_field = _parent_field(level) if level in PARENT_LEVEL else "id"
    result = []
    for chunk in iter_chunks(keep, 500):
        rows = model.objects.filter(id__in=chunk).values_list("code", "geometry", parent_field)
        for code, geometry, parent_id in rows:
            result.append((code, shapely.geometry.shape(geometry), parent_id))
    return result


def _world(valid, stored) -> tuple[list, np.ndarray]:
    """Return the outlines of the file followed by the stored ones, and which are the file's."""
    geoms = [item.geom for item in valid] + [geom for _code, geom, _parent in stored]
    checked = np.zeros(len(geoms), dtype=bool)
    checked[: len(valid)] = True
    return geoms, checked


def _describe(clash: Clash, other: str) -> str:
    if clash.identical:
        return _("identical to %(other)s under another code") % {"other": other}
    return _("overlaps %(other)s by %(area).0f m² (%(share).1f%% of the smaller)") % {
        "other": other,
        "area": clash.overlap_m2,
        "share": clash.share * 100,
    }


def grid_clash_errors(valid, tolerance: OverlapTolerance) -> list[FeatureError]:
    """Return one error per file cell that is identical to, or overlaps, another cell.

    Between two cells of the file the later one is blamed (as for duplicate
    codes), naming the earlier by index and code.
    """
    if not valid:
        return []
    stored = _stored(PlaceLevel.GRID, {item.code for item in valid})
    geoms, checked = _world(valid, stored)
    reasons: dict[int, list[str]] = {}
    n_file = len(valid)
    for clash in find_clashes(geoms, checked, tolerance):
        if clash.second < n_file:  # both from the file
            blamed, other = valid[clash.second], valid[clash.first]
            label = _("feature #%(index)s (%(code)s)") % {"index": other.index, "code": other.code}
        else:
            blamed = valid[clash.first]
            label = _("stored cell %(code)s") % {"code": stored[clash.second - n_file][0]}
        reasons.setdefault(blamed.index, []).append(_describe(clash, label))
    codes = {item.index: item.code for item in valid}
    return [
        FeatureError(index, "; ".join(texts), codes[index])
        for index, texts in sorted(reasons.items())
    ]


def layer_warnings(valid, level, tolerance: OverlapTolerance) -> list[str]:
    """Return warnings about overlaps and gaps among districts, streets or communities.

    The file's places are compared with each other and with the stored ones
    of the same level. A gap is a hole enclosed by them larger than the
    tolerance's area cap.
    """
    if not valid or level == PlaceLevel.GRID or level not in AREA_MODELS:
        return []
    stored = _stored(level, {item.code for item in valid})
    geoms, checked = _world(valid, stored)
    codes = [item.code for item in valid] + [code for code, _geom, _parent in stored]
    warnings = []
    for clash in find_clashes(geoms, checked, tolerance):
        first, second = codes[clash.first], codes[clash.second]
        warnings.append(f"{first}: {_describe(clash, second)}")
    for gap in find_gaps(geoms, min_area_m2=tolerance.max_m2):
        warnings.append(
            _("gap of %(area).0f m² between neighbouring places near %(lon).6f, %(lat).6f")
            % {"area": gap.area_m2, "lon": gap.lon, "lat": gap.lat}
        )
    return warnings


def coverage_warnings(valid, level, tolerance: OverlapTolerance) -> list[str]:
    """Return warnings for parents that their children leave partly bare or spill out of.

    Only the parents of the file's places are looked at; their children are
    the file's places plus the stored ones the file does not replace. Area
    beyond the tolerance (against the parent's own area) counts.
    """
    if not valid or level not in PARENT_LEVEL:
        return []
    parent_level, parent_field = PARENT_LEVEL[level], _parent_field(level)
    parent_ids = {item.parent_id for item in valid}
    children = defaultdict(list)
    for item in valid:
        children[item.parent_id].append(item.geom)
    exclude = {item.code for item in valid}
    for _code, geom, parent_id in _stored(level, exclude, **{f"{parent_field}__in": parent_ids}):
        children[parent_id].append(geom)
    parents = AREA_MODELS[parent_level].objects.filter(id__in=parent_ids).order_by("code")
    warnings = []
    for pk, code, geometry in parents.values_list("id", "code", "geometry"):
        outline = shapely.geometry.shape(geometry)
        own_m2 = float(approx_area_m2([outline])[0])
        fit = coverage(outline, children[pk])
        if tolerance.exceeded(fit.uncovered_m2, own_m2):
            warnings.append(
                _("%(code)s: %(area).0f m² of it lies in none of its parts")
                % {"code": code, "area": fit.uncovered_m2}
            )
        if tolerance.exceeded(fit.outside_m2, own_m2):
            warnings.append(
                _("%(code)s: its parts reach %(area).0f m² beyond it")
                % {"code": code, "area": fit.outside_m2}
            )
    return warnings
