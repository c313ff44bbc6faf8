"""Tests for civicgrid.core.geometry: raw checks, repair, clashes and gaps (no database)."""

import json
import math

import pytest
import shapely
from shapely.geometry import box

from civicgrid.core.geometry import (
    GeometryError,
    OverlapTolerance,
    approx_area_m2,
    area_m2,
    check_positions,
    coverage,
    find_clashes,
    find_gaps,
    parse_area,
    repair_area,
)

X0, Y0 = 119.6, 39.9
STEP = 0.001  # about 85 m × 111 m at 40° N


def ring(west, south, east, north):
    return [[west, south], [east, south], [east, north], [west, north], [west, south]]


def polygon(*rings):
    return {"type": "Polygon", "coordinates": list(rings)}


def cell(col, row, dx=0.0):
    west, south = X0 + col * STEP + dx, Y0 + row * STEP
    return box(west, south, west + STEP, south + STEP)


# --- raw coordinates ---------------------------------------------------------------


def test_an_open_ring_is_refused_although_shapely_would_close_it():
    """A ring whose last position differs from its first is refused, naming the ring."""
    open_ring = ring(X0, Y0, X0 + STEP, Y0 + STEP)[:-1] + [[X0, Y0 + STEP / 2]]
    geojson = polygon(open_ring)
    assert shapely.geometry.shape(geojson).is_valid  # what the old check relied on
    with pytest.raises(GeometryError) as info:
        parse_area(geojson)
    assert "polygon 0, ring 0 is not closed" in str(info.value)
    assert info.value.params["ring"] == 0


def test_an_open_hole_in_a_multipolygon_is_named():
    """The polygon and ring numbers of an open hole are in the reason."""
    outer = ring(X0, Y0, X0 + 0.01, Y0 + 0.01)
    hole = ring(X0 + 0.002, Y0 + 0.002, X0 + 0.003, Y0 + 0.003)[:-1] + [[X0 + 0.002, Y0 + 0.0025]]
    geojson = {
        "type": "MultiPolygon",
        "coordinates": [[ring(X0 + 0.02, Y0, X0 + 0.03, Y0 + 0.01)], [outer, hole]],
    }
    with pytest.raises(GeometryError, match=r"polygon 1, ring 1 is not closed"):
        check_positions(geojson)


@pytest.mark.parametrize(
    ("bad", "expected"),
    [
        (math.nan, "finite"),
        (math.inf, "finite"),
        (-math.inf, "finite"),
        (json.loads("1e400"), "finite"),
        (10**400, "finite"),
        ("119.6", "not a number"),
        (True, "not a number"),
        (None, "not a number"),
    ],
)
def test_non_finite_huge_or_non_numeric_coordinates_are_refused(bad, expected):
    """NaN, infinity, numbers beyond float and non-numbers are refused before Shapely sees them."""
    coords = ring(X0, Y0, X0 + STEP, Y0 + STEP)
    coords[2] = [bad, Y0 + STEP]
    with pytest.raises(GeometryError, match=expected):
        parse_area(polygon(coords))


@pytest.mark.parametrize(
    ("coords", "expected"),
    [
        ([[X0, Y0], [X0 + STEP, Y0], [X0, Y0]], "at least 4 positions"),
        ([[X0, Y0], [X0 + STEP], [X0 + STEP, Y0 + STEP], [X0, Y0]], "2 or 3 numbers"),
        ("not a ring", "at least 4 positions"),
    ],
)
def test_malformed_rings_are_refused(coords, expected):
    """Short rings and short positions are refused with their reason."""
    with pytest.raises(GeometryError, match=expected):
        parse_area(polygon(coords))


def test_a_closed_square_parses():
    """A closed, valid ring parses to its polygon."""
    geom = parse_area(polygon(ring(X0, Y0, X0 + STEP, Y0 + STEP)))
    assert geom.equals(cell(0, 0))
    assert 9_000 < area_m2(geom) < 10_000


# --- repair ------------------------------------------------------------------------

BOWTIE = polygon([[X0, Y0], [X0 + STEP, Y0 + STEP], [X0 + STEP, Y0], [X0, Y0 + STEP], [X0, Y0]])


def test_a_bowtie_is_refused_unless_repair_is_asked_for():
    """A self-intersecting outline is refused by default and mended by ``repair_area``."""
    with pytest.raises(GeometryError, match="Self-intersection"):
        parse_area(BOWTIE)
    raw = parse_area(BOWTIE, allow_invalid=True)
    repaired = repair_area(raw)
    assert repaired.is_valid
    assert repaired.geom_type in ("Polygon", "MultiPolygon")
    # The two triangles of the bow-tie: half the square.
    assert area_m2(repaired) == pytest.approx(area_m2(cell(0, 0)) / 2, rel=1e-6)


def test_repair_keeps_a_valid_outline_unchanged():
    """A valid outline comes back as it is."""
    square = cell(0, 0)
    assert repair_area(square) is square


def test_repair_refuses_an_outline_without_area():
    """An outline that collapses to a line cannot be repaired into a place."""
    flat = shapely.Polygon([(X0, Y0), (X0 + STEP, Y0), (X0 + 2 * STEP, Y0), (X0, Y0)])
    with pytest.raises(GeometryError, match="could not be repaired"):
        repair_area(flat)


# --- clashes -----------------------------------------------------------------------


def test_neighbours_sharing_edges_do_not_clash():
    """A regular grid of cells touching at edges and corners has no clash."""
    cells = [cell(c, r) for r in range(10) for c in range(10)]
    assert find_clashes(cells) == []


def test_identical_outlines_are_found_whatever_the_start_vertex_or_direction():
    """The same square written from another corner and the other way round is identical."""
    square = cell(0, 0)
    rewound = shapely.Polygon(
        list(square.exterior.coords)[::-1][1:] + [square.exterior.coords[-2]]
    )
    rewound = shapely.Polygon(rewound.exterior.coords)
    noisy = shapely.transform(square, lambda xy: xy + 3e-8)
    clashes = find_clashes([square, cell(1, 0), rewound, noisy])
    assert [(c.first, c.second, c.identical) for c in clashes] == [
        (0, 2, True),
        (0, 3, True),
        (2, 3, True),
    ]
    assert clashes[0].share == pytest.approx(1.0)


def test_overlaps_beyond_the_tolerance_are_found():
    """A cell shifted a third onto its neighbour clashes; a 1 cm sliver does not."""
    shifted = cell(1, 0, dx=-STEP / 3)
    sliver = cell(1, 1, dx=-1e-7)
    clashes = find_clashes([cell(0, 0), shifted, cell(0, 1), sliver])
    assert [(c.first, c.second, c.identical) for c in clashes] == [(0, 1, False)]
    assert clashes[0].share == pytest.approx(1 / 3, rel=1e-3)
    assert clashes[0].overlap_m2 == pytest.approx(area_m2(cell(0, 0)) / 3, rel=0.01)


def test_tolerance_holds_small_cells_to_the_share_and_big_ones_to_the_cap():
    """An overlap counts past ``share`` of the smaller outline or past ``max_m2``."""
    tolerance = OverlapTolerance(share=0.01, max_m2=100)
    assert not tolerance.exceeded(overlap_m2=90, smaller_m2=10_000)
    assert tolerance.exceeded(overlap_m2=101, smaller_m2=10_000_000)
    assert tolerance.exceeded(overlap_m2=6, smaller_m2=500)
    assert not OverlapTolerance(share=0.5, max_m2=10_000).exceeded(3000, 10_000)
    with pytest.raises(ValueError):
        OverlapTolerance(share=2)


def test_only_pairs_with_a_checked_outline_are_reported():
    """Clashes among outlines that are not checked (already stored) are not the file's."""
    stored = [cell(0, 0), cell(0, 0)]  # an old duplicate in the database
    new = cell(5, 5)
    assert find_clashes([*stored, new], checked=[False, False, True]) == []
    on_top = cell(0, 0)
    clashes = find_clashes([*stored, on_top], checked=[False, False, True])
    assert [(c.first, c.second) for c in clashes] == [(0, 2), (1, 2)]


def test_clash_search_scales_to_a_large_grid():
    """50,000 cells are checked in one STRtree pass, not pair by pair."""
    cells = [cell(c, r) for r in range(250) for c in range(200)]
    cells.append(cell(3, 3))
    clashes = find_clashes(cells)
    assert [(c.first, c.second) for c in clashes] == [(3 * 200 + 3, 50_000)]


# --- gaps --------------------------------------------------------------------------


def test_a_hole_between_neighbours_is_a_gap():
    """A missing cell in the middle of a 3 × 3 block is one gap of a cell's area."""
    cells = [cell(c, r) for r in range(3) for c in range(3) if (c, r) != (1, 1)]
    gaps = find_gaps(cells)
    assert len(gaps) == 1
    assert gaps[0].area_m2 == pytest.approx(area_m2(cell(1, 1)), rel=0.01)
    assert cell(1, 1).contains(shapely.Point(gaps[0].lon, gaps[0].lat))
    assert find_gaps(cells, min_area_m2=20_000) == []
    assert find_gaps([cell(c, r) for r in range(3) for c in range(3)]) == []


def test_approx_area_agrees_with_the_geodesic_area():
    """The local projection is within 0.5 % of the ellipsoid for a cell."""
    square = cell(0, 0)
    assert approx_area_m2([square])[0] == pytest.approx(area_m2(square), rel=0.005)


def test_coverage_measures_bare_parent_area_and_spill():
    """Children tiling their parent leave nothing; a missing child or one outside shows up."""
    parent = box(X0, Y0, X0 + 3 * STEP, Y0 + STEP)
    tiles = [cell(c, 0) for c in range(3)]
    full = coverage(parent, tiles)
    assert full.uncovered_m2 < 0.01 and full.outside_m2 < 0.01
    missing = coverage(parent, tiles[:2])
    assert missing.uncovered_m2 == pytest.approx(area_m2(tiles[2]), rel=0.01)
    spilling = coverage(parent, [*tiles, cell(3, 0)])
    assert spilling.outside_m2 == pytest.approx(area_m2(cell(3, 0)), rel=0.01)
