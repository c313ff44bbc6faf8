"""Tests for civicgrid.core.spatial: cell location and nearby-asset search."""

import math
import threading

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import MultiPolygon, Point, Polygon, box

from civicgrid.core.spatial import EARTH_RADIUS_M, CellIndex, PointIndex, haversine_m

# A 2x2 block of unit squares around (119.6, 39.9); keys are cell codes,
# positions follow the list order (lower position wins ties).
#   c (2) | d (3)
#   ------+------
#   a (0) | b (1)
X0, Y0 = 119.6, 39.9
SQUARES = {
    "a": box(X0, Y0, X0 + 0.01, Y0 + 0.01),
    "b": box(X0 + 0.01, Y0, X0 + 0.02, Y0 + 0.01),
    "c": box(X0, Y0 + 0.01, X0 + 0.01, Y0 + 0.02),
    "d": box(X0 + 0.01, Y0 + 0.01, X0 + 0.02, Y0 + 0.02),
}


def square_index(order="abcd"):
    return CellIndex(list(order), [SQUARES[k] for k in order])


# --- CellIndex: basic cases -----------------------------------------------------


def test_inside_and_outside():
    index = square_index()
    lons = [X0 + 0.005, X0 + 0.015, X0 + 0.005, X0 + 0.015, X0 - 0.001, X0 + 0.5]
    lats = [Y0 + 0.005, Y0 + 0.005, Y0 + 0.015, Y0 + 0.015, Y0 + 0.005, Y0]
    positions = index.locate(lons, lats)
    assert positions.dtype == np.int64
    assert positions.tolist() == [0, 1, 2, 3, -1, -1]
    assert index.keys_for(positions) == ["a", "b", "c", "d", None, None]
    assert index.locate_one(X0 + 0.015, Y0 + 0.015) == "d"
    assert index.locate_one(X0 - 1, Y0) is None


def test_shared_edge_goes_to_lowest_position():
    on_edge = (X0 + 0.01, Y0 + 0.005)  # between a and b
    assert square_index("abcd").locate_one(*on_edge) == "a"
    assert square_index("bacd").locate_one(*on_edge) == "b"
    assert square_index("dcba").locate_one(*on_edge) == "b"


def test_shared_vertex_goes_to_lowest_position():
    centre = (X0 + 0.01, Y0 + 0.01)  # touches all four squares
    for order in ("abcd", "dcba", "cdab", "bdca"):
        assert square_index(order).locate_one(*centre) == order[0]


def test_tie_resolution_is_vectorized_and_mixed_with_plain_hits():
    index = square_index("dcba")  # positions: d=0, c=1, b=2, a=3
    lons = np.array([X0 + 0.01, X0 + 0.005, X0 + 0.01, X0 + 0.015, X0])
    lats = np.array([Y0 + 0.01, Y0 + 0.005, Y0 + 0.005, Y0 + 0.01, Y0 + 0.02])
    # centre -> d, inside a, a|b edge -> b, b|d edge -> d, corner of c only -> c
    assert index.keys_for(index.locate(lons, lats)) == ["d", "a", "b", "d", "c"]


def test_outer_boundary_counts_as_inside():
    # "intersects" semantics: a point exactly on the outer boundary of the
    # grid belongs to the cell rather than falling through the cracks.
    assert square_index().locate_one(X0, Y0) == "a"
    assert square_index().locate_one(X0 + 0.02, Y0 + 0.005) == "b"


def test_multipolygon_cell():
    left = box(0, 0, 1, 1)
    right = box(3, 0, 4, 1)
    middle = box(1, 0, 3, 1)
    index = CellIndex([10, 20], [MultiPolygon([left, right]), middle])
    assert index.locate([0.5, 3.5, 2.0, 5.0], [0.5, 0.5, 0.5, 0.5]).tolist() == [0, 0, 1, -1]
    assert index.locate_one(3.5, 0.5) == 10


def test_hole_is_outside_and_island_cell_inside_it():
    donut = Polygon(box(0, 0, 10, 10).exterior.coords, [box(4, 4, 6, 6).exterior.coords])
    island = box(4, 4, 6, 6)
    only_donut = CellIndex(["donut"], [donut])
    assert only_donut.locate_one(5, 5) is None
    assert only_donut.locate_one(2, 2) == "donut"
    both = CellIndex(["donut", "island"], [donut, island])
    assert both.locate_one(5, 5) == "island"
    # The hole's rim is shared by both cells: the lower position wins.
    assert both.locate_one(4, 5) == "donut"


def test_empty_inputs():
    index = square_index()
    result = index.locate([], [])
    assert result.dtype == np.int64 and result.shape == (0,)
    assert index.keys_for(result) == []
    empty = CellIndex([], [])
    assert len(empty) == 0
    assert empty.locate([X0], [Y0]).tolist() == [-1]
    assert empty.locate_one(X0, Y0) is None
    assert all(math.isnan(v) for v in empty.bounds)


def test_nan_points_are_outside():
    assert square_index().locate([math.nan, X0 + 0.005], [Y0, Y0 + 0.005]).tolist() == [-1, 0]


def test_locate_keeps_input_shape():
    lons = np.full((2, 3), X0 + 0.005)
    lats = np.full((2, 3), Y0 + 0.015)
    result = square_index().locate(lons, lats)
    assert result.shape == (2, 3) and (result == 2).all()


def test_len_bounds_keys_and_immutability():
    index = square_index()
    assert len(index) == 4
    assert index.bounds == pytest.approx((X0, Y0, X0 + 0.02, Y0 + 0.02))
    assert index.keys == ("a", "b", "c", "d")
    with pytest.raises(ValueError):
        index.geometries[0] = box(0, 0, 1, 1)
    with pytest.raises(AttributeError):
        index.extra = 1


def test_construction_errors():
    with pytest.raises(ValueError, match="keys"):
        CellIndex(["a"], [SQUARES["a"], SQUARES["b"]])
    with pytest.raises(TypeError, match="Polygon"):
        CellIndex(["a", "p"], [SQUARES["a"], Point(0, 0)])
    with pytest.raises(TypeError, match="Polygon"):
        CellIndex(["a"], [None])
    with pytest.raises(ValueError, match="shapes differ"):
        square_index().locate([1.0, 2.0], [1.0])


def test_shared_between_threads():
    # A fresh index used first by many threads at once: lazy GEOS state must
    # already have been built by the constructor (see _prepare_for_sharing).
    polygons = voronoi_cells(9, 400)
    rng = np.random.default_rng(3)
    lons = rng.uniform(-0.05, 1.05, 20_000)
    lats = rng.uniform(-0.05, 1.05, 20_000)
    expected = CellIndex(range(len(polygons)), polygons).locate(lons, lats)
    index = CellIndex(
        range(len(polygons)), [shapely.from_wkb(shapely.to_wkb(p)) for p in polygons]
    )
    barrier = threading.Barrier(8)
    results = []

    def work():
        barrier.wait()
        results.append(index.locate(lons, lats))

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 8
    for result in results:
        np.testing.assert_array_equal(result, expected)


# --- CellIndex vs brute force ---------------------------------------------------


def brute_force_locate(polygons, lons, lats):
    """Loop over points and cells with plain Shapely predicates."""
    out = []
    for lon, lat in zip(lons, lats, strict=True):
        point = Point(lon, lat)
        hit = next((i for i, poly in enumerate(polygons) if poly.intersects(point)), -1)
        out.append(hit)
    return np.array(out, dtype=np.int64)


def voronoi_cells(seed, n_sites):
    """Build gap-free irregular cells clipped to the unit square."""
    rng = np.random.default_rng(seed)
    sites = shapely.multipoints(rng.uniform(0, 1, (n_sites, 2)))
    extent = box(0, 0, 1, 1)
    cells = shapely.get_parts(shapely.voronoi_polygons(sites, extend_to=extent))
    return list(shapely.intersection(cells, extent))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_matches_brute_force_on_random_voronoi_cells(seed):
    polygons = voronoi_cells(seed, 60)
    rng = np.random.default_rng(seed + 100)
    lons = rng.uniform(-0.1, 1.1, 1500)
    lats = rng.uniform(-0.1, 1.1, 1500)
    # Add exact vertices of the cells: each is shared by 2-3 cells, the
    # hardest case for tie-breaking.
    vertices = shapely.get_coordinates(polygons[:20])
    lons = np.concatenate([lons, vertices[:, 0]])
    lats = np.concatenate([lats, vertices[:, 1]])
    index = CellIndex(range(len(polygons)), polygons)
    np.testing.assert_array_equal(
        index.locate(lons, lats), brute_force_locate(polygons, lons, lats)
    )


@settings(max_examples=40, deadline=None)
@given(
    n_cells=st.integers(min_value=1, max_value=6),
    n_rows=st.integers(min_value=1, max_value=6),
    points=st.lists(
        st.tuples(
            st.integers(min_value=-2, max_value=14), st.integers(min_value=-2, max_value=14)
        ),
        max_size=60,
    ),
    data=st.data(),
)
def test_matches_brute_force_on_integer_grids(n_cells, n_rows, points, data):
    """Integer points on a grid of 2x2 cells land on edges and vertices very often."""
    polygons = [
        box(i * 2, j * 2, i * 2 + 2, j * 2 + 2) for j in range(n_rows) for i in range(n_cells)
    ]
    order = data.draw(st.permutations(range(len(polygons))))
    polygons = [polygons[i] for i in order]
    lons = np.array([p[0] for p in points], dtype=float)
    lats = np.array([p[1] for p in points], dtype=float)
    index = CellIndex(range(len(polygons)), polygons)
    np.testing.assert_array_equal(
        index.locate(lons, lats), brute_force_locate(polygons, lons, lats)
    )


def test_overlapping_cells_choose_lowest_position():
    # Bad data (overlapping cells) must still give a deterministic answer.
    big = box(0, 0, 10, 10)
    small = box(2, 2, 4, 4)
    assert CellIndex(["big", "small"], [big, small]).locate_one(3, 3) == "big"
    assert CellIndex(["small", "big"], [small, big]).locate_one(3, 3) == "small"


# --- haversine ------------------------------------------------------------------


def test_haversine_known_values():
    # One degree of latitude on this sphere is R * pi / 180.
    assert haversine_m(119.6, 39.0, 119.6, 40.0) == pytest.approx(EARTH_RADIUS_M * math.pi / 180)
    # A quarter of the equator.
    assert haversine_m(0, 0, 90, 0) == pytest.approx(EARTH_RADIUS_M * math.pi / 2)
    # Antipodes do not produce NaN.
    assert haversine_m(0, 0, 180, 0) == pytest.approx(EARTH_RADIUS_M * math.pi)
    assert haversine_m(119.6, 39.9, 119.6, 39.9) == 0.0


def test_haversine_broadcasts():
    lons = np.array([119.6, 119.61, 119.62])
    result = haversine_m(119.6, 39.9, lons, np.full(3, 39.9))
    assert result.shape == (3,)
    assert result[0] == 0.0 and 0 < result[1] < result[2]
    # East-west distance shrinks with cos(latitude).
    expected = EARTH_RADIUS_M * math.radians(0.01) * math.cos(math.radians(39.9))
    assert result[1] == pytest.approx(expected, rel=1e-6)


# --- PointIndex -------------------------------------------------------------------


def brute_force_within(keys, lons, lats, lon, lat, radius):
    distances = haversine_m(lon, lat, lons, lats)
    found = [(keys[i], float(distances[i]), i) for i in range(len(keys)) if distances[i] <= radius]
    found.sort(key=lambda item: (item[1], item[2]))
    return [(key, dist) for key, dist, _ in found]


@pytest.fixture(scope="module")
def city_assets():
    rng = np.random.default_rng(11)
    n = 3000
    lons = rng.uniform(119.5, 119.7, n)
    lats = rng.uniform(39.85, 40.0, n)
    keys = [f"lamp-{i}" for i in range(n)]
    return keys, lons, lats, PointIndex(keys, lons, lats)


@pytest.mark.parametrize("radius", [0.0, 50.0, 300.0, 1500.0, 20_000.0])
def test_within_matches_brute_force(city_assets, radius):
    keys, lons, lats, index = city_assets
    rng = np.random.default_rng(int(radius) + 1)
    for lon, lat in zip(
        rng.uniform(119.45, 119.75, 25), rng.uniform(39.8, 40.05, 25), strict=True
    ):
        expected = brute_force_within(keys, lons, lats, lon, lat, radius)
        got = index.within(lon, lat, radius)
        assert [k for k, _ in got] == [k for k, _ in expected]
        assert [d for _, d in got] == pytest.approx([d for _, d in expected])


def test_within_limit_and_nearest(city_assets):
    keys, lons, lats, index = city_assets
    lon, lat = 119.6, 39.93
    full = index.within(lon, lat, 800)
    assert len(full) > 5
    assert index.within(lon, lat, 800, limit=5) == full[:5]
    assert index.within(lon, lat, 800, limit=0) == []
    assert index.nearest(lon, lat, 800) == full[0]
    distances = haversine_m(lon, lat, lons, lats)
    assert full[0][0] == keys[int(np.argmin(distances))]
    assert index.nearest(lon, lat, full[0][1] * 0.999) is None


def test_exact_asset_location_and_zero_radius(city_assets):
    keys, lons, lats, index = city_assets
    assert index.within(float(lons[42]), float(lats[42]), 0.0) == [(keys[42], 0.0)]


def test_circle_extremes_are_not_cut_by_the_box():
    # Points placed exactly due east/west/north/south on the circle, at a
    # high latitude where d / cos(lat) would underestimate the box.
    lat = 70.0
    radius = 50_000.0
    angular = math.degrees(radius / EARTH_RADIUS_M)
    # The circle's widest longitude is reached slightly poleward of the
    # centre's latitude; place points just inside that true extreme.
    d = radius / EARTH_RADIUS_M
    phi = math.radians(lat)
    ext_lat = math.degrees(math.asin(math.sin(phi) / math.cos(d)))
    ext_dlon = math.degrees(math.asin(math.sin(d) / math.cos(phi)))
    lons = [10 + ext_dlon * 0.9999999, 10 - ext_dlon * 0.9999999, 10.0, 10.0]
    lats = [ext_lat, ext_lat, lat + angular * 0.9999999, lat - angular * 0.9999999]
    index = PointIndex(["e", "w", "n", "s"], lons, lats)
    found = dict(index.within(10.0, lat, radius))
    assert set(found) == {"e", "w", "n", "s"}
    assert all(value <= radius for value in found.values())


def test_antimeridian_and_pole():
    index = PointIndex(["east", "west", "pole"], [179.999, -179.999, 45.0], [0.0, 0.0, 89.9999])
    assert [k for k, _ in index.within(179.9995, 0.0, 1000)] == ["east", "west"]
    assert [k for k, _ in index.within(-179.9995, 0.0, 1000)] == ["west", "east"]
    assert [k for k, _ in index.within(-135.0, 89.9999, 100)] == ["pole"]


def test_point_index_edge_cases():
    empty = PointIndex([], [], [])
    assert len(empty) == 0
    assert empty.within(119.6, 39.9, 1000) == []
    assert empty.nearest(119.6, 39.9, 1000) is None
    with pytest.raises(ValueError):
        PointIndex(["a"], [119.6, 119.7], [39.9, 39.9])
    with pytest.raises(ValueError, match="finite"):
        PointIndex(["a"], [math.nan], [39.9])
    with pytest.raises(ValueError, match="range"):
        PointIndex(["a"], [39.9], [119.6])
    index = PointIndex(["a"], [119.6], [39.9])
    with pytest.raises(ValueError, match="radius"):
        index.within(119.6, 39.9, -1)
    with pytest.raises(ValueError, match="radius"):
        index.within(119.6, 39.9, math.nan)
    with pytest.raises(ValueError, match="finite"):
        index.nearest(math.nan, 39.9, 10)
    with pytest.raises(ValueError, match="limit"):
        index.within(119.6, 39.9, 10, limit=-1)


@settings(max_examples=60, deadline=None)
@given(
    lon=st.floats(min_value=-180, max_value=180),
    lat=st.floats(min_value=-89.9, max_value=89.9),
    radius=st.floats(min_value=0, max_value=3_000_000),
)
def test_within_matches_brute_force_anywhere(lon, lat, radius):
    rng = np.random.default_rng(5)
    # Cluster assets around the query so small radii still find something.
    lons = np.clip(lon + rng.normal(0, 5, 400), -180, 180)
    lats = np.clip(lat + rng.normal(0, 5, 400), -90, 90)
    keys = list(range(400))
    index = PointIndex(keys, lons, lats)
    expected = brute_force_within(keys, lons, lats, lon, lat, radius)
    got = index.within(lon, lat, radius)
    assert [k for k, _ in got] == [k for k, _ in expected]
