"""Convert coordinates between WGS-84 and the Chinese offset systems.

Chinese web maps do not publish WGS-84: AMap/Tencent use GCJ-02 (the
state-mandated obfuscation of WGS-84) and Baidu adds its own BD-09 shift on
top of GCJ-02. Reports arrive from all of them, while CivicGrid stores and
indexes everything in WGS-84, so every coordinate crosses this module once at
the boundary. The functions are vectorized with numpy because bulk imports
(cells, assets, historic cases) convert hundreds of thousands of points.

CGCS2000 differs from WGS-84 by centimetres, far below what a citizen's phone
or a grid cell boundary can resolve, so it is treated as an identity.

Pure Python + numpy: no Django imports, so it stays usable from scripts.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Final, Literal, TypeAlias

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "BD09",
    "CGCS2000",
    "CRS_VALUES",
    "GCJ02",
    "SAME_AS_WGS84",
    "WGS84",
    "CoordinateError",
    "CrsName",
    "from_wgs84",
    "to_wgs84",
]

# The names of the coordinate systems, defined here once: choices, API schemas,
# command options, settings and tile presets all refer to these constants.
WGS84: Final = "wgs84"
GCJ02: Final = "gcj02"
BD09: Final = "bd09"
CGCS2000: Final = "cgcs2000"
CRS_VALUES: tuple[str, ...] = (WGS84, GCJ02, BD09, CGCS2000)
#: Systems whose coordinates are used as they are (CGCS2000: see the module docstring).
SAME_AS_WGS84: frozenset[str] = frozenset({WGS84, CGCS2000})
#: The type of a coordinate system name in API schemas (an enum of ``CRS_VALUES``).
CrsName = Literal[CRS_VALUES]  # type: ignore[valid-type]

# Krasovsky 1940 ellipsoid parameters used by the published GCJ-02 algorithm.
_KRASOVSKY_A = 6378245.0
_KRASOVSKY_EE = 0.00669342162296594323

# The rough rectangle inside which GCJ-02 applies its offset; everything
# outside (including Taiwan's neighbours, but also the far side of the globe)
# is left unchanged by every GCJ-02 implementation, so we must do the same.
_CHINA_LON_MIN, _CHINA_LON_MAX = 72.004, 137.8347
_CHINA_LAT_MIN, _CHINA_LAT_MAX = 0.8293, 55.8271

# Baidu's BD-09 constant: pi * 3000 / 180.
_X_PI = math.pi * 3000.0 / 180.0

# The inversions stop once re-applying the forward shift lands within this
# many degrees of the input (one order of magnitude below the 1e-9 degree
# target, so the error of the answer, not only the residual, is under it).
_INVERSE_TOLERANCE = 1e-10
# Each fixed-point step gains about three digits, so 3-5 steps suffice
# everywhere; the cap only guards against an endless loop.
_INVERSE_MAX_ITERATIONS = 30

FloatArray: TypeAlias = NDArray[np.float64]
CoordinateInput: TypeAlias = float | Sequence[float] | NDArray[np.floating]


class CoordinateError(ValueError):
    """Signal an unknown coordinate system or an unusable longitude/latitude.

    ``code`` says which (``unknown_crs``, ``not_numbers``, ``shapes_differ``,
    ``not_finite``, ``lon_range``, ``lat_range``) and ``params`` holds its values, so
    the edges can say it in the reader's language; the message is for developers.
    """

    def __init__(self, message: str, code: str = "invalid", **params) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


def to_wgs84(lon: CoordinateInput, lat: CoordinateInput, crs: str):
    """Convert coordinates given in ``crs`` to WGS-84.

    Scalars give back a ``(lon, lat)`` tuple of floats; sequences and arrays
    give back a tuple of float64 arrays shaped like the input, so callers can
    feed whole columns without a Python loop.
    """
    lons, lats, scalar = _validated(lon, lat, crs)
    if crs == GCJ02:
        lons, lats = _gcj02_to_wgs84(lons, lats)
    elif crs == BD09:
        lons, lats = _gcj02_to_wgs84(*_bd09_to_gcj02(lons, lats))
    return _result(lons, lats, scalar)


def from_wgs84(lon: CoordinateInput, lat: CoordinateInput, crs: str):
    """Convert WGS-84 coordinates to ``crs``.

    Same calling convention as :func:`to_wgs84`; used when we hand
    coordinates to a Chinese map SDK or API that expects its own system.
    """
    lons, lats, scalar = _validated(lon, lat, crs)
    if crs == GCJ02:
        lons, lats = _wgs84_to_gcj02(lons, lats)
    elif crs == BD09:
        lons, lats = _gcj02_to_bd09(*_wgs84_to_gcj02(lons, lats))
    return _result(lons, lats, scalar)


# --- input handling ---------------------------------------------------------


def _validated(lon, lat, crs) -> tuple[FloatArray, FloatArray, bool]:
    """Return float64 copies of the inputs, refusing anything we cannot convert.

    Bad input is refused instead of silently passed through, because a NaN or
    a swapped lon/lat stored in a case would surface much later as a case in
    the wrong district.
    """
    if not isinstance(crs, str) or crs not in CRS_VALUES:
        raise CoordinateError(
            f"Unknown coordinate system {crs!r}; expected one of {', '.join(CRS_VALUES)}.",
            "unknown_crs",
            crs=str(crs),
        )
    try:
        lons = np.array(lon, dtype=np.float64)
        lats = np.array(lat, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise CoordinateError(
            f"Longitude and latitude must be numbers: {exc}", "not_numbers"
        ) from exc
    if lons.shape != lats.shape:
        raise CoordinateError(
            f"Longitude and latitude shapes differ: {lons.shape} vs {lats.shape}.",
            "shapes_differ",
        )
    if not (np.isfinite(lons).all() and np.isfinite(lats).all()):
        raise CoordinateError(
            "Longitude and latitude must be finite numbers (no NaN or inf).", "not_finite"
        )
    if lons.size and (lons.min() < -180.0 or lons.max() > 180.0):
        raise CoordinateError(
            f"Longitude out of range [-180, 180] (got {_worst(lons, 180.0)}); "
            "were longitude and latitude swapped?",
            "lon_range",
        )
    if lats.size and (lats.min() < -90.0 or lats.max() > 90.0):
        raise CoordinateError(
            f"Latitude out of range [-90, 90] (got {_worst(lats, 90.0)}); "
            "were longitude and latitude swapped?",
            "lat_range",
        )
    return lons, lats, lons.ndim == 0


def _worst(values: FloatArray, limit: float) -> float:
    """Return the first offending value so the error message names it."""
    return float(values[np.abs(values) > limit].flat[0])


def _result(lons: FloatArray, lats: FloatArray, scalar: bool):
    """Shape the output like the input: floats for scalars, arrays otherwise."""
    if scalar:
        return float(lons), float(lats)
    return lons, lats


# --- GCJ-02 -----------------------------------------------------------------


def _inside_china(lons: FloatArray, lats: FloatArray) -> NDArray[np.bool_]:
    """Flag the points that GCJ-02 offsets (the published rough rectangle)."""
    return (
        (lons >= _CHINA_LON_MIN)
        & (lons <= _CHINA_LON_MAX)
        & (lats >= _CHINA_LAT_MIN)
        & (lats <= _CHINA_LAT_MAX)
    )


def _gcj02_offset(lons: FloatArray, lats: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Return the GCJ-02 (dlon, dlat) in degrees for WGS-84 input, ignoring the China box.

    This is the widely published form of the algorithm: two trigonometric
    series in metres-ish units relative to (105 E, 35 N), scaled to degrees
    on the Krasovsky ellipsoid.
    """
    x = lons - 105.0
    y = lats - 35.0
    pi = math.pi
    # The sin() terms shared by both series.
    common = (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
    sqrt_abs_x = np.sqrt(np.abs(x))

    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt_abs_x
    dlat += common
    dlat += (20.0 * np.sin(y * pi) + 40.0 * np.sin(y / 3.0 * pi)) * 2.0 / 3.0
    dlat += (160.0 * np.sin(y / 12.0 * pi) + 320.0 * np.sin(y * pi / 30.0)) * 2.0 / 3.0

    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt_abs_x
    dlon += common
    dlon += (20.0 * np.sin(x * pi) + 40.0 * np.sin(x / 3.0 * pi)) * 2.0 / 3.0
    dlon += (150.0 * np.sin(x / 12.0 * pi) + 300.0 * np.sin(x / 30.0 * pi)) * 2.0 / 3.0

    rad_lat = lats / 180.0 * pi
    magic = 1.0 - _KRASOVSKY_EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_KRASOVSKY_A * (1.0 - _KRASOVSKY_EE)) / (magic * sqrt_magic) * pi)
    dlon = (dlon * 180.0) / (_KRASOVSKY_A / sqrt_magic * np.cos(rad_lat) * pi)
    return dlon, dlat


def _wgs84_to_gcj02(lons: FloatArray, lats: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Apply the GCJ-02 offset inside China and leave other points unchanged."""
    dlon, dlat = _gcj02_offset(lons, lats)
    inside = _inside_china(lons, lats)
    return np.where(inside, lons + dlon, lons), np.where(inside, lats + dlat, lats)


def _gcj02_to_wgs84(lons: FloatArray, lats: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Invert GCJ-02 by fixed-point iteration instead of the one-step shortcut.

    The common one-step inverse (subtract the offset computed at the GCJ-02
    point) is off by up to a metre or two, which is enough to put a report
    in the neighbouring grid cell.

    Only points whose GCJ-02 position lies in the China rectangle are
    iterated; the others were never offset. (A WGS-84 point within a few
    hundred metres inside the rectangle's edge can be pushed outside it by
    the offset; such a point cannot be told apart from an unshifted one, so
    it comes back unchanged, exactly as every other implementation does.)
    """
    inside = _inside_china(lons, lats)
    out_lon = lons.copy()
    out_lat = lats.copy()
    if not inside.any():
        return out_lon, out_lat
    target_lon = lons[inside]
    target_lat = lats[inside]
    # The one-step estimate is the starting point; iteration only polishes it.
    dlon, dlat = _gcj02_offset(target_lon, target_lat)
    out_lon[inside], out_lat[inside] = _invert(
        _shift_by_gcj02_offset, target_lon, target_lat, target_lon - dlon, target_lat - dlat
    )
    return out_lon, out_lat


def _shift_by_gcj02_offset(lons: FloatArray, lats: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Apply the GCJ-02 offset without the China test, so the inversion stays smooth."""
    dlon, dlat = _gcj02_offset(lons, lats)
    return lons + dlon, lats + dlat


def _invert(
    forward: Callable[[FloatArray, FloatArray], tuple[FloatArray, FloatArray]],
    target_lon: FloatArray,
    target_lat: FloatArray,
    guess_lon: FloatArray,
    guess_lat: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """Solve forward(w) == target by the fixed-point iteration w <- w - (forward(w) - target).

    Both shifts we invert are the identity plus a perturbation whose
    Jacobian is ~1e-3, so each vectorized pass gains about three digits and
    a handful of passes reach the tolerance for every point at once.
    """
    lon = np.array(guess_lon, dtype=np.float64)
    lat = np.array(guess_lat, dtype=np.float64)
    for _ in range(_INVERSE_MAX_ITERATIONS):
        fwd_lon, fwd_lat = forward(lon, lat)
        err_lon = fwd_lon - target_lon
        err_lat = fwd_lat - target_lat
        lon -= err_lon
        lat -= err_lat
        if max(np.abs(err_lon).max(), np.abs(err_lat).max()) < _INVERSE_TOLERANCE:
            break
    return lon, lat


# --- BD-09 ------------------------------------------------------------------


def _gcj02_to_bd09(lons: FloatArray, lats: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Apply Baidu's published polar-coordinate shift on top of GCJ-02.

    Unlike GCJ-02 the shift has no "outside China" exemption in the
    published formulas, so it is applied everywhere.
    """
    radius = np.hypot(lons, lats) + 0.00002 * np.sin(lats * _X_PI)
    theta = np.arctan2(lats, lons) + 0.000003 * np.cos(lons * _X_PI)
    return radius * np.cos(theta) + 0.0065, radius * np.sin(theta) + 0.006


def _bd09_to_gcj02(lons: FloatArray, lats: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Undo the BD-09 shift exactly, starting from the published inverse formula.

    The published inverse evaluates the perturbation at the BD-09 point
    instead of the GCJ-02 one and is off by up to ~2e-6 degree (20 cm).
    That is harmless on a map but breaks the promise that a round trip is
    lossless, so the same fixed-point polish as for GCJ-02 follows it.
    """
    x = lons - 0.0065
    y = lats - 0.006
    radius = np.hypot(x, y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return _invert(_gcj02_to_bd09, lons, lats, radius * np.cos(theta), radius * np.sin(theta))
