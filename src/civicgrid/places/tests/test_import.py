"""Importing districts, streets, communities, grid cells and zones."""

import copy
import io
import json
import subprocess
import sys

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from civicgrid.core.coords import from_wgs84
from civicgrid.core.geometry import OverlapTolerance
from civicgrid.places.models import (
    Community,
    District,
    GridCell,
    PatrolZone,
    ResponsibilityZone,
    Street,
)
from civicgrid.places.services import ImportRefused, import_places, locate
from civicgrid.testing.factories import (
    DepartmentFactory,
    UserFactory,
    build_city,
    city_layers,
    feature,
    feature_collection,
    geojson_file,
    square,
)
from civicgrid.testing.processes import scratch_env

pytestmark = pytest.mark.django_db

MODELS = (District, Street, Community, GridCell)


@pytest.fixture(autouse=True)
def _english():
    """Compare reasons with their English msgids; the Chinese tests switch back."""
    with translation.override("en"):
        yield


def counts():
    return tuple(model.objects.count() for model in MODELS)


def import_layers(layers, levels=("district", "street", "community", "grid")):
    for level in levels:
        import_places(geojson_file(layers[level]), level, show_progress=False)


def refused(features, level, crs="wgs84") -> ImportRefused:
    with pytest.raises(ImportRefused) as info:
        import_places(geojson_file(features), level, crs, show_progress=False)
    return info.value


def errors_by_index(exc: ImportRefused) -> dict[int, str]:
    return {error.index: error.reason for error in exc.errors}


# -- valid files -------------------------------------------------------------------


def test_every_level_imports_and_links_its_parents():
    """A valid district, street, community and grid file import, linked to their parents."""
    layers = city_layers(rows=2, cols=2)
    results = [
        import_places(geojson_file(layers[level]), level, show_progress=False)
        for level in ("district", "street", "community", "grid")
    ]
    assert [(r.created, r.updated, r.total) for r in results] == [
        (1, 0, 1),
        (1, 0, 1),
        (1, 0, 1),
        (4, 0, 4),
    ]
    assert counts() == (1, 1, 1, 4)
    cell = GridCell.objects.get(code="130391001001001")
    assert cell.community.code == "130391001001"
    assert cell.street.code == "130391001"
    assert cell.district.code == "130391"
    assert cell.name == "测试1区1号网格"
    assert cell.geometry["type"] == "Polygon"
    # A 0.001° square at 40° N is about 85 m × 111 m.
    assert 9_000 < cell.area_m2 < 10_000
    assert (cell.min_lon, cell.max_lat) == (119.6, 39.935)
    assert (cell.max_lon, cell.min_lat) == pytest.approx((119.601, 39.934))


def test_import_accepts_a_path(tmp_path):
    """A file path works as well as a file object."""
    path = tmp_path / "districts.geojson"
    path.write_text(json.dumps(feature_collection(city_layers()["district"])), encoding="utf-8")
    result = import_places(path, "district", show_progress=False)
    assert result.created == 1
    assert District.objects.get().name == "测试1区"


def test_utf8_bom_is_accepted():
    """A file saved with a UTF-8 byte-order mark imports."""
    text = json.dumps(feature_collection(city_layers()["district"]), ensure_ascii=False)
    result = import_places(io.BytesIO(("\ufeff" + text).encode("utf-8")), "district")
    assert result.created == 1


def test_14_and_15_digit_grid_codes_both_import():
    """Grid codes of the CJ/T 213 (14 digits) and GB/T 30428.1 (15 digits) forms import."""
    city = build_city(rows=1, cols=2, grid_digits=14)
    assert [c.code for c in city.cells] == ["13039100100101", "13039100100102"]
    extra = feature(
        "130391001001101",
        "十五位网格",
        square(119.602, 39.934, 119.603, 39.935),
    )
    import_places(geojson_file([extra]), "grid", show_progress=False)
    assert sorted(len(code) for code in GridCell.objects.values_list("code", flat=True)) == [
        14,
        14,
        15,
    ]
    assert locate(119.6025, 39.9345).grid_cell.code == "130391001001101"


def test_codes_are_normalized_before_storing():
    """Full-width digits and stray spaces in a code are stored as plain ASCII digits."""
    layers = city_layers()
    layers["district"][0]["properties"]["code"] = " １３０３９１ "
    import_places(geojson_file(layers["district"]), "district", show_progress=False)
    assert District.objects.get().code == "130391"


def test_gcj02_file_is_stored_in_wgs84():
    """A file in GCJ-02 is converted to WGS-84 before storing."""
    layers = city_layers(rows=1, cols=1)
    wgs_ring = np.array(layers["grid"][0]["geometry"]["coordinates"][0])
    gcj_lon, gcj_lat = from_wgs84(wgs_ring[:, 0], wgs_ring[:, 1], "gcj02")
    shifted = copy.deepcopy(layers)
    shifted["grid"][0]["geometry"]["coordinates"] = [
        [[float(x), float(y)] for x, y in zip(gcj_lon, gcj_lat, strict=True)]
    ]
    import_layers(layers, ("district", "street", "community"))
    import_places(geojson_file(shifted["grid"]), "grid", "gcj02", show_progress=False)
    stored = np.array(GridCell.objects.get().geometry["coordinates"][0])
    # GCJ-02 shifts by hundreds of metres here; the round trip is within centimetres.
    assert np.abs(gcj_lon - wgs_ring[:, 0]).max() > 1e-3
    assert np.abs(stored - wgs_ring).max() < 1e-6


def test_reimport_updates_by_code_without_duplicates():
    """Importing a layer again updates names and outlines by code; nothing is duplicated."""
    city = build_city()
    first = GridCell.objects.get(code=city.cells[0].code)
    layers = copy.deepcopy(city.layers)
    layers["grid"][0]["properties"]["name"] = "改名网格"
    result = import_places(geojson_file(layers["grid"]), "grid", show_progress=False)
    assert (result.created, result.updated, result.total) == (0, 4, 4)
    assert counts() == (1, 1, 1, 4)
    renamed = GridCell.objects.get(code=city.cells[0].code)
    assert renamed.pk == first.pk
    assert renamed.name == "改名网格"
    assert renamed.updated_at > first.updated_at
    assert locate(*city.center(0)).grid_cell.name == "改名网格"


def test_reimport_of_a_parent_renames_it_in_locations():
    """A renamed community shows in the next location of its cells."""
    city = build_city()
    assert locate(*city.center(0)).community.name == "测试1区一社区"
    layers = copy.deepcopy(city.layers)
    layers["community"][0]["properties"]["name"] = "新社区"
    import_places(geojson_file(layers["community"]), "community", show_progress=False)
    assert locate(*city.center(0)).community.name == "新社区"


def test_import_places_command_reports_the_result(tmp_path):
    """``import-places`` imports a file and prints the counts."""
    layers = city_layers()
    out = io.StringIO()
    for level in ("district", "street", "community", "grid"):
        path = tmp_path / f"{level}.geojson"
        path.write_text(json.dumps(feature_collection(layers[level])), encoding="utf-8")
        call_command("import_places", str(path), level=level, no_progress=True, stdout=out)
    assert "grid: 4 items: 4 created, 0 updated" in out.getvalue()
    assert counts() == (1, 1, 1, 4)


def test_import_places_command_refuses_with_the_report(tmp_path):
    """``import-places`` turns a refusal into a command error listing each bad feature."""
    build_city()
    bad = [feature("130391001001009", None, square(119.7, 39.9, 119.701, 39.901))]
    path = tmp_path / "bad.geojson"
    path.write_text(json.dumps(feature_collection(bad)), encoding="utf-8")
    with pytest.raises(CommandError) as info:
        call_command("import_places", str(path), level="grid", no_progress=True)
    message = str(info.value)
    assert "1 of 1 items are invalid; nothing was imported" in message
    assert "#0 (130391001001009): property 'name' is missing" in message


def test_import_places_command_missing_file(tmp_path):
    """A missing file is a command error, not a traceback."""
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_places", str(tmp_path / "nope.geojson"), level="grid")


def test_import_places_command_rejects_an_unknown_level(tmp_path):
    """An unknown ``--level`` is refused by the argument parser."""
    with pytest.raises(CommandError, match="invalid choice"):
        call_command("import_places", str(tmp_path / "x.geojson"), "--level", "town")


# -- refusals ------------------------------------------------------------------


BOWTIE = {
    "type": "Polygon",
    "coordinates": [
        [[119.61, 39.93], [119.611, 39.931], [119.611, 39.93], [119.61, 39.931], [119.61, 39.93]]
    ],
}


def test_a_file_with_bad_features_is_refused_whole_and_each_is_named():
    """Every bad grid feature is reported by index with its reason, and nothing is stored."""
    city = build_city()
    before = counts()
    original = {c.code: (c.name, c.geometry) for c in GridCell.objects.all()}

    def box(i):
        lon = 119.7 + i * 0.002
        return square(lon, 39.9, lon + 0.001, 39.901)

    good = copy.deepcopy(city.layers["grid"][0])
    good["properties"]["name"] = "不应保存的新名字"
    features = [
        good,  # 0: fine on its own
        feature("13039100100100X", "坏编码", box(1)),  # 1: bad code
        feature("130391001001010", "重复一", box(2)),  # 2: first of a duplicate pair
        feature("130391001001010", "重复二", box(3)),  # 3: duplicate code
        feature("130391001999001", "无父级", box(4)),  # 4: unknown parent community
        feature("130391001001011", "父级不符", box(5), parent="130391001002"),  # 5
        feature("130391001001012", "空几何", {"type": "Polygon", "coordinates": []}),  # 6
        feature("130391001001013", "自相交", BOWTIE),  # 7
        feature("130391001001014", "点", {"type": "Point", "coordinates": [119.7, 39.9]}),  # 8
        feature("130391001001015", None, box(9)),  # 9: missing name
        feature("130391001001016", "   ", box(10)),  # 10: blank name
        feature("130391001001017", "无几何", None),  # 11: no geometry
        {"type": "NotAFeature", "properties": {"code": "130391001001018", "name": "x"}},  # 12
        feature("130391001001019", "经纬度越界", square(190, 95, 191, 96)),  # 13
    ]
    exc = refused(features, "grid")
    reasons = errors_by_index(exc)
    # Feature 2 is the first holder of the duplicated code: only #3 is blamed.
    assert sorted(reasons) == [1, *range(3, 14)]
    assert "must contain only digits" in reasons[1]
    assert "duplicate code (also feature #2)" in reasons[3]
    assert "unknown parent community '130391001999'" in reasons[4]
    assert "does not match the code's own parent '130391001001'" in reasons[5]
    assert "geometry is empty" in reasons[6]
    assert "geometry is invalid" in reasons[7] and "Self-intersection" in reasons[7]
    assert "'Point' is not Polygon or MultiPolygon" in reasons[8]
    assert "property 'name' is missing" in reasons[9]
    assert "property 'name' is missing" in reasons[10]
    assert "geometry is missing" in reasons[11]
    assert "not a GeoJSON Feature" in reasons[12]
    assert "outside longitude/latitude range" in reasons[13]
    # The codes travel with the errors so that the report can name them.
    assert {e.index: e.code for e in exc.errors}[3] == "130391001001010"
    report = exc.report()
    assert report.splitlines()[0] == "12 of 14 items are invalid; nothing was imported"
    for index in [1, *range(3, 14)]:
        assert f"  #{index} " in report
    assert "  #0 " not in report
    assert "  #2 " not in report
    # Nothing partial: counts and existing rows are untouched.
    assert counts() == before
    assert {c.code: (c.name, c.geometry) for c in GridCell.objects.all()} == original


def test_report_can_be_limited():
    """A long report can be cut to its first lines with a count of the rest."""
    features = [feature(f"99{i:04d}", f"区{i}", None) for i in range(5)]
    report = refused(features, "district").report(limit=2)
    lines = report.splitlines()
    assert len(lines) == 4
    assert lines[-1] == "  … and 3 more"


@pytest.mark.parametrize(
    ("level", "code", "expected"),
    [
        ("district", "12345", "has 5 digits; expected 6"),
        ("district", "990000", "province part 99"),
        ("street", "130391000", "street part 000 must not be all zeros"),
        ("community", "130391001", "has 9 digits; expected 12"),
        ("grid", "130391001001000", "sequence part 000 must not be all zeros"),
        ("grid", "1303910010011", "has 13 digits; expected 15 or 14"),
        ("grid", "", "code is empty"),
    ],
)
def test_bad_codes_are_refused_per_level(level, code, expected):
    """A code with the wrong structure for its level is refused with the reason."""
    build_city()
    exc = refused([feature(code, "坏编码", square(119.7, 39.9, 119.701, 39.901))], level)
    assert exc.errors[0].index == 0
    assert expected in exc.errors[0].reason


def test_a_street_under_an_unknown_district_is_refused():
    """A street whose district was never imported is refused."""
    layers = city_layers()
    exc = refused(layers["street"], "street")
    assert "unknown parent district '130391'" in exc.errors[0].reason
    assert counts() == (0, 0, 0, 0)


def test_a_cell_filed_under_the_wrong_community_is_refused():
    """A ``parent`` property that contradicts the code's own prefix is refused."""
    build_city()
    cell = feature(
        "130391001001009",
        "错挂网格",
        square(119.7, 39.9, 119.701, 39.901),
        parent="130391001002",
    )
    exc = refused([cell], "grid")
    assert "parent '130391001002' does not match" in exc.errors[0].reason


def test_a_matching_parent_property_is_accepted():
    """A ``parent`` property equal to the code's prefix is fine."""
    build_city()
    cell = feature(
        "130391001001009",
        "挂对网格",
        square(119.7, 39.9, 119.701, 39.901),
        parent="130391001001",
    )
    assert import_places(geojson_file([cell]), "grid").created == 1


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{not json", "file is not valid JSON"),
        (json.dumps({"type": "Feature", "properties": {}}), "not a GeoJSON FeatureCollection"),
        (json.dumps([1, 2, 3]), "not a GeoJSON FeatureCollection"),
        (json.dumps({"type": "FeatureCollection"}), "has no 'features' list"),
        (json.dumps({"type": "FeatureCollection", "features": []}), "has no features"),
    ],
)
def test_unusable_files_are_refused(content, expected):
    """A file that is not a usable FeatureCollection is refused with one file-level error."""
    build_city()
    before = counts()
    with pytest.raises(ImportRefused) as info:
        import_places(io.StringIO(content), "grid", show_progress=False)
    assert [e.index for e in info.value.errors] == [-1]
    assert expected in info.value.errors[0].reason
    assert counts() == before


def test_non_utf8_file_is_refused():
    """A file in another encoding (GBK) is refused, not mis-decoded."""
    text = json.dumps(feature_collection(city_layers()["district"]), ensure_ascii=False)
    with pytest.raises(ImportRefused, match="invalid") as info:
        import_places(io.BytesIO(text.encode("gbk")), "district")
    assert "not UTF-8" in info.value.errors[0].reason


def test_unknown_level_is_an_error():
    """An unknown level is a programming error, not an import report."""
    with pytest.raises(ValueError):
        import_places(geojson_file(city_layers()["district"]), "town")


# -- zones ---------------------------------------------------------------------


def test_responsibility_zone_by_cells_with_department():
    """A responsibility zone listing cells is stored with its department and outline."""
    city = build_city()
    department = DepartmentFactory(code="SZGY")
    codes = [city.cells[0].code, city.cells[1].code]
    zone = feature("ZR-1", "北片责任区", None, cells=codes, department="SZGY")
    result = import_places(geojson_file([zone]), "responsibility", show_progress=False)
    assert (result.created, result.updated) == (1, 0)
    stored = ResponsibilityZone.objects.get(code="ZR-1")
    assert stored.department == department
    assert sorted(stored.cells.values_list("code", flat=True)) == codes
    # The outline is the union of the two northern cells.
    assert stored.geometry["type"] == "Polygon"


def test_patrol_zone_by_polygon_with_inspector():
    """A patrol zone given as a polygon gets the cells whose inside point it covers."""
    city = build_city()
    inspector = UserFactory(username="zhangwei", roles=["inspector"])
    # The western column of the 2 × 2 city, padded a little on the outside only.
    west, south = city.vertex(2, 0)
    middle, north = city.vertex(0, 1)
    outline = square(west - 0.0005, south - 0.0005, middle, north + 0.0005)
    zone = feature("XC-1", "西片巡查区", outline, inspector="zhangwei")
    import_places(geojson_file([zone]), "patrol", show_progress=False)
    stored = PatrolZone.objects.get(code="XC-1")
    assert stored.inspector == inspector
    assert sorted(stored.cells.values_list("code", flat=True)) == [
        city.cell(0, 0).code,
        city.cell(1, 0).code,
    ]


def test_zone_reimport_updates_cells_and_name():
    """Importing a zone again replaces its cells and name."""
    city = build_city()
    zone = feature("ZR-1", "责任区", None, cells=[city.cells[0].code])
    import_places(geojson_file([zone]), "responsibility", show_progress=False)
    zone = feature("ZR-1", "改名责任区", None, cells=[c.code for c in city.cells[2:]])
    result = import_places(geojson_file([zone]), "responsibility", show_progress=False)
    assert (result.created, result.updated) == (0, 1)
    stored = ResponsibilityZone.objects.get()
    assert stored.name == "改名责任区"
    assert sorted(stored.cells.values_list("code", flat=True)) == [c.code for c in city.cells[2:]]


def test_bad_zones_are_refused_whole():
    """Unknown cells, department or inspector, an empty cell list, a polygon covering no cell,
    a duplicate code and a missing or too long name are each reported; nothing is stored."""
    city = build_city()
    cell = city.cells[0].code
    far = square(119.9, 39.9, 119.901, 39.901)
    responsibility = [
        feature("ZR-1", "好的", None, cells=[cell]),
        feature("ZR-2", "未知网格", None, cells=["130391001001999"]),
        feature("ZR-3", "未知部门", None, cells=[cell], department="NOPE"),
        feature("ZR-4", "空列表", None, cells=[]),
        feature("ZR-5", "不覆盖网格", far),
        feature("ZR-1", "重复", None, cells=[cell]),
        feature("ZR-6", None, None, cells=[cell]),
        feature("ZR-7", "无网格无多边形", None),
    ]
    reasons = errors_by_index(refused(responsibility, "responsibility"))
    assert sorted(reasons) == [1, 2, 3, 4, 5, 6, 7]
    assert "unknown grid cells: 130391001001999" in reasons[1]
    assert "unknown department 'NOPE'" in reasons[2]
    assert "non-empty list" in reasons[3]
    assert "covers no grid cell" in reasons[4]
    assert "duplicate code (also feature #0)" in reasons[5]
    assert "property 'name' is missing" in reasons[6]
    assert "give 'cells' or a polygon" in reasons[7]
    long_name = [feature("ZR-8", "长" * 101, None, cells=[cell])]
    assert "longer than 100 characters" in refused(long_name, "responsibility").errors[0].reason
    patrol = [feature("XC-1", "巡查", None, cells=[cell], inspector="nobody")]
    assert "unknown inspector 'nobody'" in refused(patrol, "patrol").errors[0].reason
    assert not ResponsibilityZone.objects.exists()
    assert not PatrolZone.objects.exists()


# -- a sound grid ----------------------------------------------------------------


def box_at(col, row=0, dx=0.0, size=0.001):
    """Return a cell-sized square ``col`` cells east and ``row`` north of 119.7, 39.9."""
    west, south = 119.7 + col * 0.001 + dx, 39.9 + row * 0.001
    return square(west, south, west + size, south + size)


def new_cell(seq, geometry, name=None):
    return feature(f"130391001001{seq:03d}", name or f"新网格{seq}", geometry)


def test_a_cell_identical_to_a_stored_one_under_another_code_is_refused():
    """A cell drawn exactly on a stored cell under a new code is refused, naming that cell."""
    city = build_city()
    stored = city.layers["grid"][0]
    ring = stored["geometry"]["coordinates"][0]
    # Same square, other start vertex and direction: still the same cell.
    rewound = {"type": "Polygon", "coordinates": [ring[1:][::-1] + [ring[1:][::-1][0]]]}
    exc = refused([new_cell(9, box_at(0)), new_cell(10, rewound)], "grid")
    assert [(e.index, e.code) for e in exc.errors] == [(1, "130391001001010")]
    assert f"identical to stored cell {stored['properties']['code']} under another code" in (
        exc.errors[0].reason
    )
    assert counts() == (1, 1, 1, 4)


def test_identical_and_overlapping_cells_within_the_file_are_refused():
    """Within one file the later of two identical or overlapping cells is named."""
    build_city()
    features = [
        new_cell(11, box_at(0)),
        new_cell(12, box_at(0)),  # identical to #0
        new_cell(13, box_at(2)),
        new_cell(14, box_at(3, dx=-0.0005)),  # half on #2
        new_cell(15, box_at(5)),
        new_cell(16, box_at(6, dx=-0.000001)),  # a 0.1 m sliver on #4: tolerated
    ]
    reasons = errors_by_index(refused(features, "grid"))
    assert sorted(reasons) == [1, 3]
    assert "identical to feature #0 (130391001001011) under another code" in reasons[1]
    assert "overlaps feature #2 (130391001001013) by" in reasons[3]
    assert "(50.0% of the smaller)" in reasons[3]
    assert counts() == (1, 1, 1, 4)


def test_a_cell_overlapping_a_stored_neighbour_is_refused_unless_within_tolerance():
    """A cell reaching 10 % into a stored one is refused; a looser tolerance accepts it."""
    city = build_city()
    west, south = city.vertex(1, 2)  # the city's south-east corner column
    _east, north = city.vertex(0, 2)
    reaching = new_cell(17, square(west - 0.0001, south, west + 0.0009, north))
    exc = refused([reaching], "grid")
    assert "overlaps stored cell 130391001001002 by" in exc.errors[0].reason
    loose = OverlapTolerance(share=0.2, max_m2=5_000)
    result = import_places(geojson_file([reaching]), "grid", show_progress=False, tolerance=loose)
    assert result.created == 1


def test_reimport_of_a_moved_cell_is_not_compared_with_its_old_outline():
    """Cells re-imported with moved outlines replace their old ones without a clash."""
    city = build_city()
    top_row = copy.deepcopy(city.layers["grid"][:2])
    for cell in top_row:
        ring = cell["geometry"]["coordinates"][0]
        cell["geometry"]["coordinates"][0] = [[x + 0.0002, y] for x, y in ring]
    result = import_places(geojson_file(top_row), "grid", show_progress=False)
    assert result.updated == 2


def test_an_open_ring_is_refused_by_index():
    """A ring whose last position is not its first is refused, though Shapely would close it."""
    build_city()
    open_square = box_at(0)
    open_square["coordinates"][0] = open_square["coordinates"][0][:-1] + [[119.7, 39.9005]]
    reasons = errors_by_index(refused([new_cell(9, box_at(2)), new_cell(10, open_square)], "grid"))
    assert list(reasons) == [1]
    assert "polygon 0, ring 0 is not closed" in reasons[1]


def test_overlaps_and_gaps_between_districts_are_warnings_not_refusals():
    """Districts overlapping each other or leaving a hole import, with warnings."""
    layout = [(c, r) for r in range(3) for c in range(3) if (c, r) != (1, 1)]
    districts = [
        feature(f"13039{i + 1}", f"区{i + 1}", box_at(c, r)) for i, (c, r) in enumerate(layout)
    ]
    districts.append(feature("130399", "压线区", box_at(5, 0, dx=-0.0025)))  # on 130393
    result = import_places(geojson_file(districts), "district", show_progress=False)
    assert result.created == 9
    assert len(result.warnings) == 2
    overlap, gap = result.warnings
    assert overlap.startswith("130393: overlaps 130399 by")
    assert gap.startswith("gap of ") and "between neighbouring places near 119.70" in gap
    assert District.objects.count() == 9


def test_street_overlaps_are_compared_with_stored_streets():
    """A street drawn over a stored street of another code draws a warning naming both."""
    city = build_city()
    street = feature("130391002", "新街道", city.layers["street"][0]["geometry"])
    result = import_places(geojson_file([street]), "street", show_progress=False)
    assert result.created == 1
    assert result.warnings == [
        "130391002: identical to 130391001 under another code",
    ]


def test_parents_left_bare_or_spilled_out_of_are_warnings():
    """A district its streets leave half bare, and cells reaching outside their community,
    import with a warning naming the parent and the area."""
    layers = city_layers(rows=2, cols=2)
    import_places(geojson_file(layers["district"]), "district", show_progress=False)
    half = copy.deepcopy(layers["street"])
    west, south, east, north = 119.6, 39.933, 119.602, 39.935
    half[0]["geometry"] = square(west, (south + north) / 2, east, north)
    result = import_places(geojson_file(half), "street", show_progress=False)
    # Half of the 0.002° × 0.002° district (about 37,900 m²).
    assert result.warnings == ["130391: 18962 m² of it lies in none of its parts"]
    import_places(geojson_file(layers["street"]), "street", show_progress=False)
    import_places(geojson_file(layers["community"]), "community", show_progress=False)
    result = import_places(geojson_file(layers["grid"]), "grid", show_progress=False)
    assert result.warnings == []
    outside = import_places(geojson_file([new_cell(9, box_at(0))]), "grid", show_progress=False)
    assert [w.split(" reach ")[0] for w in outside.warnings] == ["130391001001: its parts"]


# -- input from outside ------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("北\x00街", "(U+0000) at position 1"),
        ("网格\u202e321", "(U+202E) at position 2"),
        ("零\u200b宽", "(U+200B) at position 1"),
        ("\ud800", "(U+D800) at position 0"),
        ("换\n行", "(U+000A) at position 1"),
        (["列表"], "property 'name' must be text"),
        ({"zh": "网格"}, "property 'name' must be text"),
        (1.5, "property 'name' must be text"),
    ],
)
def test_control_or_invisible_characters_in_a_name_are_refused(name, expected):
    """A NUL byte, a bidi override, a zero-width space, a lone surrogate or a non-text name
    is refused with the character's code point and position; nothing is stored."""
    build_city()
    exc = refused([new_cell(9, box_at(0), name=name)], "grid")
    assert expected in exc.errors[0].reason
    assert counts() == (1, 1, 1, 4)


def test_odd_characters_in_codes_are_refused_for_places_and_zones():
    """A code with a NUL byte or an invisible character is refused at every level."""
    city = build_city()
    exc = refused([feature("130391\x00001001009", "网格", box_at(0))], "grid")
    assert "property 'code' contains a control or invisible character (U+0000)" in (
        exc.errors[0].reason
    )
    zone = feature("ZR\u200d1", "责任区", None, cells=[city.cells[0].code])
    exc = refused([zone], "responsibility")
    assert "(U+200D) at position 2" in exc.errors[0].reason
    assert not ResponsibilityZone.objects.exists()


def test_a_full_width_space_in_a_name_is_kept():
    """Ordinary Chinese typography (the ideographic space) is not odd."""
    build_city()
    import_places(geojson_file([new_cell(9, box_at(0), name="东　街")]), "grid")
    assert GridCell.objects.get(code="130391001001009").name == "东　街"


@pytest.mark.parametrize(
    "number", ["NaN", "Infinity", "-Infinity", "1e400", "1" + "0" * 400, "-1e999"]
)
def test_non_finite_or_huge_coordinates_are_refused_by_index(number):
    """NaN, infinities and numbers beyond a float are refused per feature; nothing is stored."""
    build_city()
    good = json.dumps(new_cell(9, box_at(0)))
    bad = json.dumps(new_cell(10, box_at(2))).replace("119.702", number, 1)
    text = f'{{"type": "FeatureCollection", "features": [{good}, {bad}]}}'
    with pytest.raises(ImportRefused) as info:
        import_places(io.StringIO(text), "grid", show_progress=False)
    assert [(e.index, e.code) for e in info.value.errors] == [(1, "130391001001010")]
    assert "coordinates must be finite numbers" in info.value.errors[0].reason
    assert counts() == (1, 1, 1, 4)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"type": "FeatureCollection", "features": [' + "9" * 5000 + "]}", "number too long"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ],
)
def test_unreadable_numbers_and_nesting_refuse_the_file(text, expected):
    """A 5,000-digit integer or JSON nested 100,000 deep refuses the file with one line."""
    with pytest.raises(ImportRefused) as info:
        import_places(io.StringIO(text), "district", show_progress=False)
    assert [e.index for e in info.value.errors] == [-1]
    assert expected in info.value.errors[0].reason
    assert counts() == (0, 0, 0, 0)


# -- repair ------------------------------------------------------------------------


def test_repair_mends_a_bowtie_and_reports_it_by_index_and_code():
    """With ``repair`` a self-intersecting cell is stored valid and listed with its areas."""
    build_city()
    bowtie = copy.deepcopy(BOWTIE)
    features = [new_cell(9, box_at(3)), new_cell(10, bowtie)]
    exc = refused(features, "grid")
    assert "Self-intersection" in exc.errors[0].reason
    assert "(import with --repair to mend it)" in exc.errors[0].reason
    result = import_places(geojson_file(features), "grid", show_progress=False, repair=True)
    assert result.created == 2
    # Repairs come first; the new cells also lie outside their community.
    assert result.warnings[1:] == ["130391001001: its parts reach 14221 m² beyond it"]
    note = result.warnings[0]
    assert note.startswith("#1 (130391001001010): repaired a self-intersecting outline: ")
    # The bow-tie's signed halves cancel before; its two triangles keep half the square after.
    assert " 0 m² before, " in note
    stored = GridCell.objects.get(code="130391001001010")
    assert stored.geometry["type"] in ("Polygon", "MultiPolygon")
    assert 4_000 < stored.area_m2 < 5_000
    assert f"{stored.area_m2:.0f} m² after" in note


def test_import_places_command_repairs_and_prints_every_repaired_feature(tmp_path):
    """``import-places --repair`` prints one line per repaired feature after the counts."""
    build_city()
    path = tmp_path / "cells.geojson"
    path.write_text(json.dumps(feature_collection([new_cell(10, copy.deepcopy(BOWTIE))])))
    out = io.StringIO()
    call_command(
        "import_places", str(path), level="grid", repair=True, no_progress=True, stdout=out
    )
    lines = out.getvalue().splitlines()
    assert lines[0] == "grid: 1 items: 1 created, 0 updated"
    assert lines[1] == "2 warnings:"
    assert lines[2].startswith("  #0 (130391001001010): repaired a self-intersecting outline")
    assert lines[3].startswith("  130391001001: its parts reach ")


def test_import_places_command_takes_the_overlap_tolerance(tmp_path):
    """``--overlap-percent`` and ``--overlap-m2`` loosen the overlap check; bad values refuse."""
    city = build_city()
    west, south = city.vertex(1, 2)
    _east, north = city.vertex(0, 2)
    path = tmp_path / "cells.geojson"
    reaching = new_cell(17, square(west - 0.0001, south, west + 0.0009, north))
    path.write_text(json.dumps(feature_collection([reaching])))
    with pytest.raises(CommandError, match="overlaps stored cell"):
        call_command("import_places", str(path), level="grid", no_progress=True)
    out = io.StringIO()
    call_command(
        "import_places",
        str(path),
        "--overlap-percent=20",
        "--overlap-m2=5000",
        level="grid",
        no_progress=True,
        stdout=out,
    )
    assert "1 created" in out.getvalue()
    with pytest.raises(CommandError, match="--overlap-percent must be 0-100"):
        call_command("import_places", str(path), "--overlap-percent=150", level="grid")


# -- in the reader's language --------------------------------------------------------


def test_refusals_are_in_chinese_by_default(tmp_path):
    """The command reports refusals in Simplified Chinese, the default language."""
    city = build_city()
    ring = city.layers["grid"][0]["geometry"]
    features = [
        new_cell(9, None),
        new_cell(10, ring),
        feature("130391001001011", "北\x00街", box_at(4)),
        feature("13039100100100X", "坏编码", box_at(6)),
    ]
    path = tmp_path / "bad.geojson"
    path.write_text(json.dumps(feature_collection(features)))
    with translation.override("zh-hans"), pytest.raises(CommandError) as info:
        call_command("import_places", str(path), level="grid", no_progress=True)
    message = str(info.value)
    assert message.splitlines()[0] == "4 个条目中有 4 个无效；未导入任何内容"
    assert "#0 (130391001001009): 缺少几何图形" in message
    assert "#1 (130391001001010): 与已存储的网格 130391001001001 完全相同" in message
    assert "#2 (130391001001011): 属性 'name' 含有控制字符或不可见字符（U+0000）" in message
    assert "#3 (13039100100100X): 网格编码 '13039100100100X' 只能包含数字 0-9" in message


# -- a data directory never migrated -------------------------------------------------


def run_cli(args, data_dir, tmp_path):
    """Run ``civicgrid`` in a subprocess on a scratch SQLite data directory."""
    return subprocess.run(
        [sys.executable, "-m", "civicgrid", *args],
        env=scratch_env(data_dir),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_imports_on_a_never_migrated_data_dir_migrate_first(tmp_path):
    """``import-places`` and ``import-assets`` on a fresh data dir migrate, then import."""
    districts = tmp_path / "district.geojson"
    districts.write_text(json.dumps(feature_collection(city_layers()["district"])))
    done = run_cli(
        ["import-places", str(districts), "--level", "district"], tmp_path / "a", tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert "数据库尚未更新" in done.stdout
    assert "district: 共 1 条：新建 1 条" in done.stdout
    census = tmp_path / "assets.csv"
    census.write_text("code,name,lon,lat\n13039101001000001,井盖,119.6005,39.9345\n")
    assets = run_cli(["import-assets", str(census)], tmp_path / "b", tmp_path)
    assert "Traceback" not in assets.stderr
    assert "数据库尚未更新" in assets.stdout
    # Migrated, the census is checked (and refused: the new city has no grid yet).
    assert assets.returncode == 1
    assert "#0 (13039101001000001)" in assets.stderr
