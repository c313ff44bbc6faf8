"""Locating points on the unit grid: the service and ``/api/v1/places/locate``."""

import copy

import pytest
import shapely
import shapely.geometry

from civicgrid.core.coords import from_wgs84
from civicgrid.places.models import GridCell
from civicgrid.places.schemas import MAX_BATCH_POINTS
from civicgrid.places.services import OutsideCity, import_places, locate, locate_many
from civicgrid.testing.factories import city_layers, feature, geojson_file, square

pytestmark = pytest.mark.django_db

URL = "/api/v1/places/locate"


def get(client, **params):
    return client.get(URL, params)


def post(client, body):
    return client.post(URL, body, content_type="application/json")


# -- single point --------------------------------------------------------------


def test_point_inside_a_cell_gives_the_cell_and_its_parents(client, city):
    """A point inside a cell answers with the cell, community, street and district."""
    cell = city.cell(1, 1)
    lon, lat = city.center(cell)
    response = get(client, lon=lon, lat=lat)
    assert response.status_code == 200
    body = response.json()
    assert body["grid_cell"] == {"id": cell.pk, "code": "130391001001004", "name": cell.name}
    assert body["community"]["code"] == "130391001001"
    assert body["street"]["code"] == "130391001"
    assert body["district"] == {
        "id": city.districts[0].pk,
        "code": "130391",
        "name": "测试1区",
    }
    assert (body["lon"], body["lat"]) == pytest.approx((lon, lat))


def test_locate_needs_no_authentication(client, city):
    """Locating is public: no key and no session are needed."""
    assert get(client, lon=city.center(0)[0], lat=city.center(0)[1]).status_code == 200


def test_point_outside_the_city_is_422_outside_city(client, city):
    """A point in no cell answers 422 with the ``outside_city`` error."""
    lon, lat = city.outside
    response = get(client, lon=lon, lat=lat)
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "outside_city"
    assert "不在本市任何单元网格内" in body["message"]
    assert body["fields"] == {}


def test_an_empty_grid_answers_outside_city(client, db):
    """Before any grid is imported every point is outside the city."""
    response = get(client, lon=119.6, lat=39.9)
    assert response.status_code == 422
    assert response.json()["error"] == "outside_city"


def test_point_on_a_shared_edge_goes_to_the_lowest_code(client, city):
    """A point exactly on the edge between two cells belongs to the cell with the lower code."""
    lon, _ = city.vertex(0, 1)  # the vertical line between the two columns
    _, lat = city.center(city.cell(0, 0))
    assert get(client, lon=lon, lat=lat).json()["grid_cell"]["code"] == "130391001001001"
    # The horizontal edge between the rows of the eastern column: 002 beats 004.
    lon, _ = city.center(city.cell(0, 1))
    _, lat = city.vertex(1, 0)
    assert get(client, lon=lon, lat=lat).json()["grid_cell"]["code"] == "130391001001002"


def test_point_on_a_shared_vertex_goes_to_the_lowest_code(client, city):
    """The vertex shared by four cells belongs to the lowest of the four codes."""
    lon, lat = city.vertex(1, 1)
    # The point really touches all four stored outlines, so the tie-break decides.
    point = shapely.Point(lon, lat)
    assert all(shapely.geometry.shape(c.geometry).intersects(point) for c in city.cells)
    assert get(client, lon=lon, lat=lat).json()["grid_cell"]["code"] == "130391001001001"


def test_border_tie_break_does_not_depend_on_import_order(client, db):
    """Cells imported in reverse code order still resolve borders to the lowest code."""
    layers = city_layers()
    layers["grid"].reverse()
    for level in ("district", "street", "community", "grid"):
        import_places(geojson_file(layers[level]), level, show_progress=False)
    first = GridCell.objects.get(code="130391001001001")
    assert first.pk == GridCell.objects.order_by("pk").last().pk
    lon, lat = round(119.600 + 0.001, 7), round(39.935 - 0.001, 7)
    assert get(client, lon=lon, lat=lat).json()["grid_cell"]["code"] == "130391001001001"


def test_a_point_on_the_outer_boundary_is_inside(client, city):
    """A point exactly on the city's outer edge still belongs to the edge cell."""
    lon, lat = city.vertex(0, 0)
    assert get(client, lon=lon, lat=lat).json()["grid_cell"]["code"] == "130391001001001"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"lon": "abc", "lat": "39.9"}, "lon"),
        ({"lon": "119.6", "lat": ""}, "lat"),
        ({"lat": "39.9"}, "lon"),
        ({"lon": "nan", "lat": "39.9"}, "lon"),
        ({"lon": "119.6", "lat": "inf"}, "lat"),
        ({"lon": "181", "lat": "39.9"}, "lon"),
        ({"lon": "119.6", "lat": "-90.5"}, "lat"),
        ({"lon": "119.6", "lat": "39.9", "crs": "epsg4326"}, "crs"),
    ],
)
def test_bad_input_is_a_422_validation_error(client, city, params, field):
    """Malformed, missing, non-finite or out-of-range coordinates and an unknown crs are 422."""
    response = get(client, **params)
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "validation_error"
    assert field in body["fields"]


@pytest.mark.parametrize("crs", ["gcj02", "bd09"])
def test_offset_coordinates_land_in_the_right_cell(client, city, crs):
    """GCJ-02 and BD-09 inputs are converted to WGS-84 before locating."""
    for cell in city.cells:
        lon, lat = city.center(cell)
        shifted_lon, shifted_lat = from_wgs84(lon, lat, crs)
        # The offset is hundreds of metres, far more than a 100 m cell.
        assert abs(shifted_lon - lon) > 0.002 or abs(shifted_lat - lat) > 0.002
        response = get(client, lon=shifted_lon, lat=shifted_lat, crs=crs)
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["grid_cell"]["code"] == cell.code
        assert (body["lon"], body["lat"]) == pytest.approx((lon, lat), abs=1e-6)


def test_cgcs2000_is_taken_as_wgs84(client, city):
    """CGCS2000 coordinates are used as they are."""
    lon, lat = city.center(2)
    body = get(client, lon=lon, lat=lat, crs="cgcs2000").json()
    assert body["grid_cell"]["code"] == city.cells[2].code


# -- batch ---------------------------------------------------------------------


def test_batch_answers_in_order_with_nulls_outside(client, city):
    """A batch answers one result per point, in order, null where a point is outside."""
    points = [list(city.center(3)), list(city.outside), list(city.center(0))]
    response = post(client, {"points": points})
    assert response.status_code == 200
    body = response.json()
    assert body["outside"] == 1
    assert [r and r["grid_cell"]["code"] for r in body["results"]] == [
        city.cells[3].code,
        None,
        city.cells[0].code,
    ]


def test_batch_converts_offset_coordinates(client, city):
    """A batch in GCJ-02 is converted before locating."""
    points = [list(from_wgs84(*city.center(i), "gcj02")) for i in range(4)]
    body = post(client, {"crs": "gcj02", "points": points}).json()
    assert body["outside"] == 0
    assert [r["grid_cell"]["code"] for r in body["results"]] == [c.code for c in city.cells]


@pytest.mark.parametrize(
    "body",
    [
        {"points": []},
        {},
        {"points": [[119.6]]},
        {"points": [[119.6, 39.9, 0.0]]},
        {"points": [[119.6, 95.0]]},
        {"points": [["a", "b"]]},
        {"points": [[119.6, 39.9]], "crs": "mercator"},
    ],
)
def test_bad_batches_are_422(client, city, body):
    """An empty list, malformed pairs, out-of-range values and an unknown crs are 422."""
    response = post(client, body)
    assert response.status_code == 422
    assert response.json()["error"] == "validation_error"


def test_batch_of_the_maximum_size_is_answered(client, city):
    """A batch of exactly ``MAX_BATCH_POINTS`` points is answered."""
    points = [list(city.center(i % 4)) for i in range(MAX_BATCH_POINTS)]
    body = post(client, {"points": points}).json()
    assert len(body["results"]) == MAX_BATCH_POINTS
    assert body["outside"] == 0


def test_a_batch_over_the_maximum_is_refused(client, city):
    """A batch of more than ``MAX_BATCH_POINTS`` points is a 422, not a long computation."""
    points = [list(city.center(0))] * (MAX_BATCH_POINTS + 1)
    response = post(client, {"points": points})
    assert response.status_code == 422
    assert "points" in response.json()["fields"]


def test_malformed_json_body_is_a_4xx_json_error(client, city):
    """A body that is not JSON is answered with a JSON error, not a 500."""
    response = client.post(URL, "{not json", content_type="application/json")
    assert 400 <= response.status_code < 500
    assert "error" in response.json()


# -- the index follows the grid ------------------------------------------------


def test_index_refreshes_after_a_reimport(client, city):
    """After a re-import moves and renames a cell, locating answers with the new grid."""
    lon, lat = city.center(0)
    assert get(client, lon=lon, lat=lat).json()["grid_cell"]["name"] == city.cells[0].name
    layers = copy.deepcopy(city.layers)
    layers["grid"][0]["properties"]["name"] = "新名字"
    # Move cell 001 one kilometre east, off the rest of the grid.
    ring = layers["grid"][0]["geometry"]["coordinates"][0]
    layers["grid"][0]["geometry"]["coordinates"] = [[[x + 0.01, y] for x, y in ring]]
    import_places(geojson_file(layers["grid"]), "grid", show_progress=False)
    assert get(client, lon=lon, lat=lat).json()["error"] == "outside_city"
    body = get(client, lon=lon + 0.01, lat=lat).json()
    assert body["grid_cell"] == {
        "id": city.cells[0].pk,
        "code": city.cells[0].code,
        "name": "新名字",
    }


def test_index_sees_cells_added_later(client, city):
    """A point outside the city is found once a cell covering it is imported."""
    lon, lat = city.outside
    assert locate_many([lon], [lat]) == [None]
    cell = feature(
        "130391001001099",
        "飞地网格",
        square(lon - 0.0005, lat - 0.0005, lon + 0.0005, lat + 0.0005),
    )
    import_places(geojson_file([cell]), "grid", show_progress=False)
    assert get(client, lon=lon, lat=lat).json()["grid_cell"]["code"] == "130391001001099"


def test_index_follows_an_edit_through_the_orm(city):
    """Saving a cell through the ORM (e.g. the admin) drops the cached index."""
    locate(*city.center(0))
    cell = GridCell.objects.get(pk=city.cells[0].pk)
    cell.name = "后台改名"
    cell.save()
    assert locate(*city.center(0)).grid_cell.name == "后台改名"


def test_service_raises_outside_city(city):
    """The service raises ``OutsideCity`` for a point in no cell."""
    with pytest.raises(OutsideCity):
        locate(*city.outside)


def test_many_random_points_land_in_the_arithmetic_cell(db):
    """Random points in a 4 × 4 city land in the cell their coordinates say, in one batch."""
    import numpy as np

    from civicgrid.testing.factories import CELL_DEG, ORIGIN, build_city

    city = build_city(rows=4, cols=4)
    rng = np.random.default_rng(7)
    cols = rng.integers(0, 4, 2_000)
    rows = rng.integers(0, 4, 2_000)
    # Stay 1 % of a cell away from the borders, where the tie-break rule applies instead.
    lons = ORIGIN[0] + (cols + rng.uniform(0.01, 0.99, 2_000)) * CELL_DEG
    lats = ORIGIN[1] - (rows + rng.uniform(0.01, 0.99, 2_000)) * CELL_DEG
    found = [where.grid_cell.code for where in locate_many(lons, lats)]
    expected = [city.cell(int(r), int(c)).code for r, c in zip(rows, cols, strict=True)]
    assert found == expected
