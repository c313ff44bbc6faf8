"""Keep the grid sound: compare imported outlines with each other and the stored ones.

A unit grid cell identical to another under a different code, or lying on
top of a neighbour, makes every located case ambiguous, so an import that
brings one is refused (each clash named by feature index and the other
cell's code). Districts, streets and communities are looser in practice
(boundaries drawn by different offices), so their overlaps and the gaps left
between them are only warnings printed after the import.

The stored outlines of a place whose code the file carries are left out: the
file replaces them.
"""

import numpy as np
import shapely
from django.utils.translation import gettext as _

from civicgrid.common.importing import FeatureError, iter_chunks
from civicgrid.core.geometry import Clash, OverlapTolerance, find_clashes, find_gaps
from civicgrid.places.choices import PlaceLevel
from civicgrid.places.models import Community, District, GridCell, Street

_LAYER_MODELS = {
    PlaceLevel.DISTRICT: District,
    PlaceLevel.STREET: Street,
    PlaceLevel.COMMUNITY: Community,
}


def _stored_cells(exclude: set[str]) -> tuple[list[str], list]:
    """Return codes and outlines of the stored cells whose code is not in ``exclude``.

    Codes are read first and outlines only of the cells kept, in chunks, so a
    re-import of the whole grid parses nothing and a large ``exclude`` never
    becomes one huge SQL parameter list.
    """
    keep = [pk for pk, code in GridCell.objects.values_list("id", "code") if code not in exclude]
    codes, geoms = [], []
    for chunk in iter_chunks(keep, 500):
        for code, geometry in GridCell.objects.filter(id__in=chunk).values_list(
            "code", "geometry"
        ):
            codes.append(code)
            geoms.append(shapely.geometry.shape(geometry))
    return codes, geoms


def _stored_layer(level, exclude: set[str]) -> tuple[list[str], list]:
    rows = _LAYER_MODELS[level].objects.exclude(code__in=exclude).values_list("code", "geometry")
    rows = list(rows)
    return [code for code, _geom in rows], [shapely.geometry.shape(g) for _code, g in rows]


def _world(valid, stored_geoms):
    """Return the outlines of the file followed by the stored ones, and which are the file's."""
    geoms = [item.geom for item in valid] + list(stored_geoms)
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
    stored_codes, stored_geoms = _stored_cells({item.code for item in valid})
    geoms, checked = _world(valid, stored_geoms)
    reasons: dict[int, list[str]] = {}
    n_file = len(valid)
    for clash in find_clashes(geoms, checked, tolerance):
        if clash.second < n_file:  # both from the file
            blamed, other = valid[clash.second], valid[clash.first]
            label = _("feature #%(index)s (%(code)s)") % {"index": other.index, "code": other.code}
        else:
            blamed = valid[clash.first]
            label = _("stored cell %(code)s") % {"code": stored_codes[clash.second - n_file]}
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
    if not valid or level not in _LAYER_MODELS:
        return []
    stored_codes, stored_geoms = _stored_layer(level, {item.code for item in valid})
    geoms, checked = _world(valid, stored_geoms)
    codes = [item.code for item in valid] + stored_codes
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
