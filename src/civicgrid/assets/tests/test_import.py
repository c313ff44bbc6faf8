"""Importing the asset census and searching assets near a point."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from civicgrid.assets.models import Asset
from civicgrid.assets.services import ImportRefused, import_assets, nearest_assets
from civicgrid.core.coords import from_wgs84
from civicgrid.core.spatial import haversine_m
from civicgrid.testing.factories import (
    AssetFactory,
    CategoryFactory,
    DepartmentFactory,
    asset_csv,
    geojson_file,
    point_feature,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Compare reports with their English msgids (the default language is Chinese)."""
    with translation.override("en"):
        yield


CODE16 = "1303910101000001"  # CJ/T 214: 130391 + 01 + 01 + 000001 → class 01001
CODE17 = "13039101001000002"  # GB/T 47678.5: 130391 + 01 + 001 + 000002 → class 01001


@pytest.fixture
def census(city):
    """Return the city with two asset classes, one incident class and a department."""
    CategoryFactory(code="01001", name="供水井盖")
    CategoryFactory(code="01002", name="污水井盖")
    CategoryFactory(kind="incident", code="01003", name="暴露垃圾")
    DepartmentFactory(code="GSZX", name="供水总公司")
    return city


def row(city, code=CODE16, cell=0, **extra):
    lon, lat = city.center(cell)
    return {
        "code": code,
        "category": "",
        "name": "井盖",
        "lon": f"{lon:.7f}",
        "lat": f"{lat:.7f}",
        "state": "完好",
        "owner": "",
        "maintainer": "",
        "note": "",
        **extra,
    }


def refused(source, **kwargs) -> dict[int, str]:
    with pytest.raises(ImportRefused) as info:
        import_assets(source, show_progress=False, **kwargs)
    return {e.index: e.reason for e in info.value.errors}


# -- valid files -------------------------------------------------------------------


def test_csv_with_16_and_17_digit_codes_imports(census):
    """A CSV with both code forms imports; each asset gets its class, owner and cell."""
    rows = [
        row(census, CODE16, cell=0, owner="GSZX", maintainer="GSZX", state="破损"),
        row(census, CODE17, cell=3, category="01001", state="intact", note="新装"),
    ]
    result = import_assets(asset_csv(rows), show_progress=False)
    assert (result.created, result.updated, result.total) == (2, 0, 2)
    first = Asset.objects.get(code=CODE16)
    assert first.category.code == "01001"
    assert first.owner.code == "GSZX" and first.maintainer.code == "GSZX"
    assert first.state == "damaged"
    assert first.grid_cell_id == census.cells[0].pk
    second = Asset.objects.get(code=CODE17)
    assert second.grid_cell_id == census.cells[3].pk
    assert (second.state, second.note, second.owner) == ("intact", "新装", None)


def test_state_defaults_to_intact(census):
    """A row without a state is intact."""
    data = row(census)
    del data["state"]
    import_assets(asset_csv([data]), show_progress=False)
    assert Asset.objects.get().state == "intact"


def test_geojson_points_import(census):
    """A GeoJSON FeatureCollection of Point features imports like a CSV."""
    lon, lat = census.center(1)
    features = [point_feature(lon, lat, code=CODE17, name="井盖", state="丢失")]
    result = import_assets(geojson_file(features, name="assets.geojson"), show_progress=False)
    assert result.created == 1
    asset = Asset.objects.get()
    assert (asset.state, asset.grid_cell_id) == ("lost", census.cells[1].pk)
    assert (asset.lon, asset.lat) == pytest.approx((lon, lat))


def test_geojson_is_recognised_by_content(census):
    """A JSON file without a telling name is still read as GeoJSON."""
    features = [point_feature(*census.center(0), code=CODE16)]
    handle = io.StringIO(json.dumps({"type": "FeatureCollection", "features": features}))
    assert import_assets(handle, show_progress=False).created == 1


def test_gcj02_points_are_stored_in_wgs84(census):
    """Points given in GCJ-02 are converted before storing and locating."""
    lon, lat = census.center(2)
    gcj_lon, gcj_lat = from_wgs84(lon, lat, "gcj02")
    data = row(census, lon=f"{gcj_lon:.9f}", lat=f"{gcj_lat:.9f}")
    import_assets(asset_csv([data]), crs="gcj02", show_progress=False)
    asset = Asset.objects.get()
    assert asset.grid_cell_id == census.cells[2].pk
    assert haversine_m(lon, lat, asset.lon, asset.lat) < 0.01


def test_reimport_updates_by_code(census):
    """Importing the census again updates assets by code; nothing is duplicated."""
    import_assets(asset_csv([row(census, CODE16), row(census, CODE17)]), show_progress=False)
    original = Asset.objects.get(code=CODE16)
    changed = [row(census, CODE16, cell=3, name="改名井盖", state="废弃"), row(census, CODE17)]
    result = import_assets(asset_csv(changed), show_progress=False)
    assert (result.created, result.updated, result.total) == (0, 2, 2)
    assert Asset.objects.count() == 2
    asset = Asset.objects.get(code=CODE16)
    assert asset.pk == original.pk
    assert (asset.name, asset.state) == ("改名井盖", "disused")
    assert asset.grid_cell_id == census.cells[3].pk
    assert asset.updated_at > original.updated_at


def test_codes_are_stored_normalized(census):
    """A code typed with full-width digits is stored in ASCII, so re-import matches it."""
    wide = CODE16.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    import_assets(asset_csv([row(census, wide)]), show_progress=False)
    assert Asset.objects.get().code == CODE16
    import_assets(asset_csv([row(census, CODE16)]), show_progress=False)
    assert Asset.objects.count() == 1


def test_the_four_digit_category_form_is_accepted(census):
    """The census's older 4-digit class code (0101) names the same class as 01001."""
    import_assets(asset_csv([row(census, CODE16, category="0101")]), show_progress=False)
    assert Asset.objects.get().category.code == "01001"


def test_import_assets_command(census, tmp_path):
    """``import-assets`` imports a file and prints the counts."""
    path = tmp_path / "assets.csv"
    path.write_text(asset_csv([row(census)]).getvalue(), encoding="utf-8")
    out = io.StringIO()
    call_command("import_assets", str(path), no_progress=True, stdout=out)
    assert "assets: 1 items: 1 created, 0 updated" in out.getvalue()


def test_import_assets_command_refuses_with_the_report(census, tmp_path):
    """``import-assets`` turns a refusal into a command error that lists each bad row."""
    path = tmp_path / "assets.csv"
    path.write_text(asset_csv([row(census), row(census, state="坏了")]).getvalue())
    with pytest.raises(CommandError) as info:
        call_command("import_assets", str(path), no_progress=True)
    assert "1 of 2 items are invalid; nothing was imported" in str(info.value)
    assert f"#1 ({CODE16}): " in str(info.value)
    assert not Asset.objects.exists()


def test_import_assets_command_missing_file(tmp_path):
    """A missing file is a command error."""
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_assets", str(tmp_path / "none.csv"))


# -- refusals ------------------------------------------------------------------


def test_a_census_with_bad_rows_is_refused_whole_with_a_row_report(census):
    """Every bad row is reported by index with its reason, and nothing is stored."""
    AssetFactory(category=CategoryFactory(code="01001"), code="1303910101000099", name="旧")
    rows = [
        row(census, "1303910101000010"),  # 0: fine
        row(census, "1303910101000011", category="01002"),  # 1: code/category mismatch
        row(census, "1303910909000012"),  # 2: class 09009 is unknown
        row(census, "1303910103000013"),  # 3: 01003 is an incident class, not an asset class
        row(census, "1303910101000014", owner="NOPE"),  # 4: unknown owner
        row(census, "1303910101000015", maintainer="NOPE2"),  # 5: unknown maintainer
        row(census, "1303910101000016", state="坏了"),  # 6: bad state
        {**row(census, "1303910101000017"), "lon": "119.5", "lat": "39.5"},  # 7: outside
        row(census, "1303910101000010"),  # 8: duplicate of row 0
        row(census, "130391010100001"),  # 9: 15 digits
        row(census, "1303910101000000"),  # 10: sequence all zeros
        {**row(census, "1303910101000018"), "lon": "abc"},  # 11: lon not a number
        {**row(census, "1303910101000019"), "lat": ""},  # 12: lat missing
        {**row(census, "1303910101000020"), "lon": "200"},  # 13: lon out of range
        row(census, "1303910101000021", name="长" * 101),  # 14: name too long
        row(census, ""),  # 15: no code
    ]
    reasons = refused(asset_csv(rows))
    assert sorted(reasons) == list(range(1, 16))
    assert "code's class 01001 does not match category 01002" in reasons[1]
    assert "unknown asset category '09009'" in reasons[2]
    assert "unknown asset category '01003'" in reasons[3]
    assert "unknown owner department 'NOPE'" in reasons[4]
    assert "unknown maintainer department 'NOPE2'" in reasons[5]
    assert "unknown state '坏了'" in reasons[6]
    assert "outside every unit grid cell" in reasons[7]
    assert "duplicate code (also row #0)" in reasons[8]
    assert "has 15 digits; expected 16 or 17" in reasons[9]
    assert "sequence part 000000 must not be all zeros" in reasons[10]
    assert "lon/lat missing or not numbers" in reasons[11]
    assert "lon/lat missing or not numbers" in reasons[12]
    assert "Longitude out of range" in reasons[13]
    assert "name longer than 100" in reasons[14]
    assert "code is empty" in reasons[15]
    assert list(Asset.objects.values_list("code", "name")) == [("1303910101000099", "旧")]


def test_a_refused_reimport_leaves_existing_assets_unchanged(census):
    """A refused re-import does not touch the assets that were already stored."""
    import_assets(asset_csv([row(census, CODE16, name="原名")]), show_progress=False)
    bad = [row(census, CODE16, name="新名"), row(census, CODE17, state="?")]
    refused(asset_csv(bad))
    assert list(Asset.objects.values_list("code", "name")) == [(CODE16, "原名")]


def test_geojson_features_without_points_are_refused(census):
    """A GeoJSON feature with a polygon or no geometry has no usable point."""
    features = [
        {"type": "Feature", "properties": {"code": CODE16}, "geometry": None},
        {
            "type": "Feature",
            "properties": {"code": CODE17},
            "geometry": {"type": "Polygon", "coordinates": []},
        },
    ]
    reasons = refused(geojson_file(features, name="a.geojson"))
    assert sorted(reasons) == [0, 1]
    assert all("GeoJSON needs Point geometry" in text for text in reasons.values())


@pytest.mark.parametrize(
    ("text", "expected"),
    [("", "no header line"), ("code,category,lon,lat\n", "has no rows")],
)
def test_unusable_csv_is_refused(census, text, expected):
    """An empty CSV or one with only a header is refused."""
    reasons = refused(io.StringIO(text))
    assert expected in reasons[-1]


# -- nearest assets ------------------------------------------------------------


def test_nearest_assets_within_a_radius_nearest_first(census):
    """Assets within the radius come back nearest first with their distance in metres."""
    lamp = CategoryFactory(code="01037", name="路灯")
    cover = CategoryFactory(code="01001")
    lon, lat = census.center(0)
    metre = 1 / 111_320  # degrees of latitude per metre, near enough
    near = AssetFactory(category=cover, lon=lon, lat=lat + 10 * metre)
    nearer = AssetFactory(category=lamp, lon=lon, lat=lat + 3 * metre)
    AssetFactory(category=cover, lon=lon, lat=lat + 80 * metre)  # outside 50 m
    found = nearest_assets(lon, lat, radius_m=50)
    assert [asset for asset, _ in found] == [nearer, near]
    assert [round(d) for _, d in found] == [3, 10]
    assert [a for a, _ in nearest_assets(lon, lat, 50, category=cover)] == [near]
    assert [a for a, _ in nearest_assets(lon, lat, 50, category=cover.pk)] == [near]
    assert [a for a, _ in nearest_assets(lon, lat, 50, limit=1)] == [nearer]
    assert len(nearest_assets(lon, lat, radius_m=100)) == 3


def test_nearest_assets_with_no_assets_is_empty(db):
    """With no assets at all the search answers an empty list."""
    assert nearest_assets(119.6, 39.9, 100) == []


def test_nearest_assets_sees_a_new_import(census):
    """Assets imported after a search are found by the next search."""
    lon, lat = census.center(0)
    assert nearest_assets(lon, lat, 30) == []
    import_assets(asset_csv([row(census)]), show_progress=False)
    assert [a.code for a, _ in nearest_assets(lon, lat, 30)] == [CODE16]


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (
            {"name": "井\x00盖"},
            "property 'name' contains a control or invisible character (U+0000)",
        ),
        ({"name": "井盖\u202e"}, "(U+202E) at position 2"),
        ({"code": CODE16[:6] + "\u200b" + CODE16[6:]}, "(U+200B) at position 6"),
        ({"lon": "1" + "0" * 400}, "lon/lat missing or not numbers"),
        ({"lat": "nan"}, "lon/lat missing or not numbers"),
    ],
)
def test_odd_characters_and_unusable_numbers_are_refused(census, extra, expected):
    """A NUL byte or invisible character in a code or name, a 400-digit or NaN coordinate
    are refused with a clear reason; nothing is stored."""
    with pytest.raises(ImportRefused) as info:
        import_assets(asset_csv([row(census, **extra)]), show_progress=False)
    assert expected in info.value.errors[0].reason
    assert not Asset.objects.exists()


def test_a_huge_integer_coordinate_in_geojson_is_refused(census):
    """A GeoJSON point whose longitude is an integer beyond a float is refused, not a crash."""
    lon, lat = census.center(0)
    point = point_feature(lon, lat, code=CODE16, name="井盖")
    point["geometry"]["coordinates"][0] = 10**400
    with pytest.raises(ImportRefused) as info:
        import_assets(geojson_file([point], name="census.geojson"), show_progress=False)
    assert "lon/lat missing or not numbers" in info.value.errors[0].reason
