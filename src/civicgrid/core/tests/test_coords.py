"""Tests for civicgrid.core.coords: reference pairs, round trips, errors."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civicgrid.core.coords import CRS_VALUES, CoordinateError, from_wgs84, to_wgs84

# Points well inside the GCJ-02 rectangle and away from its edges, where a
# round trip must be lossless (near the edges see test_edge_of_china_rectangle).
china_lon = st.floats(min_value=73.5, max_value=135.0)
china_lat = st.floats(min_value=3.0, max_value=53.5)


# --- published reference pairs ---------------------------------------------

# AMap (高德) Web Service "坐标转换" API documentation, example response for
# coordsys=gps (WGS-84 -> GCJ-02):
#   https://lbs.amap.com/api/webservice/guide/api/convert
#   (example as mirrored at https://apifox.com/apidoc/project-759159/api-14671355)
#   locations=116.481499,39.990475|116.481499,39.990375
#   -> "116.487585177952,39.991754014757;116.487585177952,39.991653917101"
# AMap's server runs the real algorithm and prints 12 decimals; the published
# formula agrees to ~4e-7 degree (a few centimetres), hence the tolerance.
AMAP_WGS84_TO_GCJ02 = [
    ((116.481499, 39.990475), (116.487585177952, 39.991754014757)),
    ((116.481499, 39.990375), (116.487585177952, 39.991653917101)),
]

# wandergis/coordtransform (widely used JS converter), documented results in
# its test/app.js for the input (116.404, 39.915):
#   https://github.com/wandergis/coordtransform/blob/master/test/app.js
WANDERGIS_INPUT = (116.404, 39.915)
WANDERGIS_WGS84_TO_GCJ02 = (116.41024449916938, 39.91640428150164)
WANDERGIS_GCJ02_TO_BD09 = (116.41036949371029, 39.92133699351021)
# Its bd09->gcj02 and gcj02->wgs84 use the one-step approximate inverses;
# ours are exact inverses, so they agree only to a few 1e-7 degree.
WANDERGIS_BD09_TO_GCJ02 = (116.39762729119315, 39.90865673957631)
WANDERGIS_GCJ02_TO_WGS84_ONE_STEP = (116.39775550083061, 39.91359571849836)


@pytest.mark.parametrize(("wgs", "gcj"), AMAP_WGS84_TO_GCJ02)
def test_amap_published_wgs84_to_gcj02(wgs, gcj):
    lon, lat = from_wgs84(*wgs, "gcj02")
    assert lon == pytest.approx(gcj[0], abs=1e-6)
    assert lat == pytest.approx(gcj[1], abs=1e-6)


@pytest.mark.parametrize(("wgs", "gcj"), AMAP_WGS84_TO_GCJ02)
def test_amap_published_gcj02_back_to_wgs84(wgs, gcj):
    lon, lat = to_wgs84(*gcj, "gcj02")
    assert lon == pytest.approx(wgs[0], abs=1e-6)
    assert lat == pytest.approx(wgs[1], abs=1e-6)


def test_wandergis_wgs84_to_gcj02_matches_to_full_precision():
    # Same formula, same floating-point operations: agreement to ~1e-12.
    lon, lat = from_wgs84(*WANDERGIS_INPUT, "gcj02")
    assert lon == pytest.approx(WANDERGIS_WGS84_TO_GCJ02[0], abs=1e-11)
    assert lat == pytest.approx(WANDERGIS_WGS84_TO_GCJ02[1], abs=1e-11)


def test_wandergis_gcj02_to_bd09():
    # The API has no direct gcj02 -> bd09 call, so go through the WGS-84
    # preimage of the GCJ-02 input (exact to 1e-10 degree) and on to BD-09.
    wgs = to_wgs84(*WANDERGIS_INPUT, "gcj02")
    lon, lat = from_wgs84(*wgs, "bd09")
    assert lon == pytest.approx(WANDERGIS_GCJ02_TO_BD09[0], abs=1e-9)
    assert lat == pytest.approx(WANDERGIS_GCJ02_TO_BD09[1], abs=1e-9)


def test_wandergis_bd09_to_gcj02_within_approximation_error():
    # bd09 -> wgs84 then wgs84 -> gcj02 isolates our bd09 -> gcj02 step.
    lon, lat = from_wgs84(*to_wgs84(*WANDERGIS_INPUT, "bd09"), "gcj02")
    assert lon == pytest.approx(WANDERGIS_BD09_TO_GCJ02[0], abs=1e-6)
    assert lat == pytest.approx(WANDERGIS_BD09_TO_GCJ02[1], abs=1e-6)


def test_gcj02_inverse_is_exact_where_one_step_is_not():
    lon, lat = to_wgs84(*WANDERGIS_WGS84_TO_GCJ02, "gcj02")
    # The exact inverse recovers the original input to 1e-9 degree ...
    assert abs(lon - WANDERGIS_INPUT[0]) < 1e-9
    assert abs(lat - WANDERGIS_INPUT[1]) < 1e-9
    # ... and stays close to the documented one-step approximation of the
    # different input, which is only good to ~1e-6.
    approx = to_wgs84(*WANDERGIS_INPUT, "gcj02")
    assert approx[0] == pytest.approx(WANDERGIS_GCJ02_TO_WGS84_ONE_STEP[0], abs=2e-6)
    assert approx[1] == pytest.approx(WANDERGIS_GCJ02_TO_WGS84_ONE_STEP[1], abs=2e-6)


# --- round trips -------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(lon=china_lon, lat=china_lat, crs=st.sampled_from(CRS_VALUES))
def test_round_trip_from_wgs84(lon, lat, crs):
    back = to_wgs84(*from_wgs84(lon, lat, crs), crs)
    assert abs(back[0] - lon) < 1e-6
    assert abs(back[1] - lat) < 1e-6


@settings(max_examples=300, deadline=None)
@given(lon=china_lon, lat=china_lat, crs=st.sampled_from(CRS_VALUES))
def test_round_trip_to_wgs84(lon, lat, crs):
    back = from_wgs84(*to_wgs84(lon, lat, crs), crs)
    assert abs(back[0] - lon) < 1e-6
    assert abs(back[1] - lat) < 1e-6


def test_round_trip_is_far_below_target_in_bulk():
    rng = np.random.default_rng(20240611)
    lons = rng.uniform(73.5, 135.0, 50_000)
    lats = rng.uniform(3.0, 53.5, 50_000)
    for crs in ("gcj02", "bd09"):
        back_lon, back_lat = to_wgs84(*from_wgs84(lons, lats, crs), crs)
        assert np.abs(back_lon - lons).max() < 1e-9
        assert np.abs(back_lat - lats).max() < 1e-9


def test_offsets_are_plausible_in_china():
    # GCJ-02 moves points by tens to hundreds of metres, BD-09 a bit more;
    # a result of 0 or of kilometres would mean a broken formula.
    lon, lat = 119.6, 39.935  # Qinhuangdao
    for crs, low, high in (("gcj02", 1e-4, 1e-2), ("bd09", 1e-3, 2e-2)):
        shifted = from_wgs84(lon, lat, crs)
        moved = math.hypot(shifted[0] - lon, shifted[1] - lat)
        assert low < moved < high, crs


# --- identity cases ----------------------------------------------------------


@pytest.mark.parametrize(
    ("lon", "lat"),
    [(2.35, 48.85), (-74.0, 40.7), (151.2, -33.9), (139.69, 35.69), (0.0, 0.0), (180.0, -90.0)],
)
def test_gcj02_is_identity_outside_china(lon, lat):
    assert from_wgs84(lon, lat, "gcj02") == (lon, lat)
    assert to_wgs84(lon, lat, "gcj02") == (lon, lat)


@pytest.mark.parametrize("crs", ["wgs84", "cgcs2000"])
def test_wgs84_and_cgcs2000_are_identity(crs):
    lons = np.array([119.6, 2.35, -179.5])
    lats = np.array([39.935, 48.85, 89.0])
    out = to_wgs84(lons, lats, crs)
    np.testing.assert_array_equal(out[0], lons)
    np.testing.assert_array_equal(out[1], lats)
    assert from_wgs84(119.6, 39.935, crs) == (119.6, 39.935)


def test_edge_of_china_rectangle_does_not_crash_or_drift():
    # Just inside the eastern edge the offset pushes the point outside the
    # rectangle, where the inverse cannot know it was shifted: it must
    # come back unchanged rather than be moved twice.
    gcj = from_wgs84(137.834, 30.0, "gcj02")
    assert gcj[0] > 137.8347
    assert to_wgs84(*gcj, "gcj02") == gcj


def test_inputs_are_not_modified():
    lons = np.array([119.6, 119.7])
    lats = np.array([39.9, 40.0])
    to_wgs84(lons, lats, "bd09")
    from_wgs84(lons, lats, "gcj02")
    np.testing.assert_array_equal(lons, [119.6, 119.7])
    np.testing.assert_array_equal(lats, [39.9, 40.0])


# --- scalar / array consistency ----------------------------------------------


@pytest.mark.parametrize("crs", CRS_VALUES)
@pytest.mark.parametrize("convert", [to_wgs84, from_wgs84])
def test_array_matches_scalar(convert, crs):
    rng = np.random.default_rng(7)
    lons = np.concatenate([rng.uniform(73.5, 135.0, 200), [2.35, -74.0]])
    lats = np.concatenate([rng.uniform(3.0, 53.5, 200), [48.85, 40.7]])
    out_lon, out_lat = convert(lons, lats, crs)
    assert out_lon.dtype == np.float64 and out_lat.dtype == np.float64
    assert out_lon.shape == lons.shape
    for i in range(lons.size):
        lon, lat = convert(float(lons[i]), float(lats[i]), crs)
        assert type(lon) is float and type(lat) is float
        # Iterative inversion stops for the batch as a whole, so a single
        # point may get one extra polish step: equal well below 1e-9.
        assert lon == pytest.approx(out_lon[i], abs=1e-10)
        assert lat == pytest.approx(out_lat[i], abs=1e-10)


def test_sequences_and_shapes():
    out = from_wgs84([119.6, 119.7], [39.9, 40.0], "gcj02")
    assert isinstance(out, tuple) and isinstance(out[0], np.ndarray)
    grid = from_wgs84(np.full((2, 3), 119.6), np.full((2, 3), 39.9), "bd09")
    assert grid[0].shape == (2, 3)
    empty = to_wgs84([], [], "gcj02")
    assert empty[0].shape == (0,) and empty[0].dtype == np.float64
    # Integers and numpy scalars are scalars too.
    assert isinstance(from_wgs84(120, 40, "gcj02")[0], float)
    assert isinstance(from_wgs84(np.float32(120.5), np.float64(40.0), "gcj02")[1], float)


# --- errors --------------------------------------------------------------------


@pytest.mark.parametrize("crs", ["WGS84", "epsg:4326", "gcj-02", "", None, 4326])
@pytest.mark.parametrize("convert", [to_wgs84, from_wgs84])
def test_unknown_crs(convert, crs):
    with pytest.raises(CoordinateError, match="Unknown coordinate system"):
        convert(119.6, 39.9, crs)


@pytest.mark.parametrize(
    ("lon", "lat"),
    [(math.nan, 39.9), (119.6, math.nan), (math.inf, 39.9), ([119.6, math.nan], [39.9, 40.0])],
)
@pytest.mark.parametrize("convert", [to_wgs84, from_wgs84])
def test_non_finite(convert, lon, lat):
    with pytest.raises(CoordinateError, match="finite"):
        convert(lon, lat, "gcj02")


@pytest.mark.parametrize(
    ("lon", "lat", "which"),
    [(180.5, 39.9, "Longitude"), (-181.0, 39.9, "Longitude"), (119.6, 90.01, "Latitude")],
)
def test_out_of_range(lon, lat, which):
    with pytest.raises(CoordinateError, match=which):
        to_wgs84(lon, lat, "wgs84")
    with pytest.raises(CoordinateError, match=which):
        from_wgs84(np.array([119.6, lon]), np.array([39.9, lat]), "bd09")


def test_swapped_lat_lon_hint():
    with pytest.raises(CoordinateError, match="swapped"):
        to_wgs84(39.9, 119.6, "gcj02")


def test_bad_shapes_and_types():
    with pytest.raises(CoordinateError, match="shapes differ"):
        to_wgs84([119.6, 119.7], [39.9], "gcj02")
    with pytest.raises(CoordinateError, match="numbers"):
        to_wgs84("east", 39.9, "gcj02")


def test_coordinate_error_is_value_error():
    assert issubclass(CoordinateError, ValueError)
