"""Benchmark CellIndex.locate against a bare Shapely STRtree query.

The question this answers: how much does our wrapper (input checks, tie
resolution for boundary points, mapping to positions) cost on top of the
raw Shapely 2 query it is built on, for a realistic city grid? The target
is at least half the raw throughput.

Run without installing the package:

    .venv/bin/python bench/locate.py [--cells 40000] [--points 200000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import shapely
from shapely import STRtree
from shapely.geometry import Polygon

# Make `civicgrid` importable from a plain checkout.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from civicgrid.core.spatial import CellIndex  # noqa: E402 (needs the sys.path line above)
from httpbench import Environment, Server, percentile, run_clients  # noqa: E402

# Metres per degree of latitude on the haversine sphere; good enough to size
# a synthetic city, nothing here needs geodetic accuracy.
_M_PER_DEG_LAT = 6371008.8 * math.pi / 180.0
# Typical unit-grid cell edge (单元网格 are roughly 100 m across).
_CELL_EDGE_M = 100.0
# Share of points that fall outside the grid, and share snapped exactly onto
# cell vertices (the tie-resolution path); the rest are ordinary points.
_OUTSIDE_SHARE = 0.05
_ON_VERTEX_SHARE = 0.001


def make_irregular_cells(
    n: int, seed: int, center: tuple[float, float] = (119.6, 39.935)
) -> list[Polygon]:
    """Return ``n`` irregular, gap-free polygons tiling a city-sized rectangle.

    Voronoi cells of a jittered ~100 m lattice look like real unit-grid
    cells (5-8 vertices, varied shapes, many shared vertices where three
    cells meet) while staying valid and non-overlapping by construction.
    The default centre is Qinhuangdao.
    """
    if n < 1:
        raise ValueError("n must be >= 1")
    rng = np.random.default_rng(seed)
    cols = math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    step_lat = _CELL_EDGE_M / _M_PER_DEG_LAT
    step_lon = step_lat / math.cos(math.radians(center[1]))
    west = center[0] - cols * step_lon / 2.0
    south = center[1] - rows * step_lat / 2.0

    col_idx, row_idx = np.divmod(np.arange(n), rows)
    # Jitter each site by up to 45 % of a step so that no two sites meet.
    lons = west + (col_idx + 0.5 + rng.uniform(-0.45, 0.45, n)) * step_lon
    lats = south + (row_idx + 0.5 + rng.uniform(-0.45, 0.45, n)) * step_lat
    extent = shapely.box(west, south, west + cols * step_lon, south + rows * step_lat)

    diagram = shapely.voronoi_polygons(
        shapely.multipoints(np.column_stack([lons, lats])), extend_to=extent
    )
    cells = shapely.intersection(shapely.get_parts(diagram), extent)
    return list(cells)


def make_points(cells: list[Polygon], n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Return ``n`` random points, mostly inside the grid, a few on cell vertices."""
    rng = np.random.default_rng(seed + 1)
    west, south, east, north = shapely.total_bounds(cells)
    width, height = east - west, north - south

    lons = rng.uniform(west, east, n)
    lats = rng.uniform(south, north, n)

    n_outside = int(n * _OUTSIDE_SHARE)
    # Outside points: a band up to 10 % of the extent beyond the east edge.
    lons[:n_outside] = east + rng.uniform(1e-6, 0.1, n_outside) * width
    lats[:n_outside] = south + rng.uniform(0, 1, n_outside) * height

    n_vertex = int(n * _ON_VERTEX_SHARE)
    if n_vertex:
        vertices = shapely.get_coordinates(cells)
        picked = vertices[rng.integers(0, len(vertices), n_vertex)]
        lons[n_outside : n_outside + n_vertex] = picked[:, 0]
        lats[n_outside : n_outside + n_vertex] = picked[:, 1]

    order = rng.permutation(n)  # do not hand the tree a sorted input
    return lons[order], lats[order]


def best_of(repeat: int, func: Callable[[], object]) -> float:
    """Return the fastest wall time of ``repeat`` runs, the least noisy estimate."""
    best = math.inf
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return best


def raw_locate(tree: STRtree, lons: np.ndarray, lats: np.ndarray) -> None:
    """Do the bare Shapely work: build points and run one predicate query."""
    points = shapely.points(lons, lats)
    tree.query(points, predicate="intersects")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cells", type=int, default=40_000, help="number of grid cells")
    parser.add_argument("--points", type=int, default=200_000, help="points per locate call")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs; the best is kept")
    parser.add_argument("--seed", type=int, default=20240611, help="random seed")
    parser.add_argument("--api", action="store_true", help="also benchmark the HTTP API")
    parser.add_argument(
        "--api-requests", type=int, default=1000, help="requests for the --api benchmark"
    )
    args = parser.parse_args(argv)
    if args.cells < 1 or args.points < 1 or args.repeat < 1:
        parser.error("--cells, --points and --repeat must be >= 1")
    return args


def print_table(rows: list[tuple[str, str, str]]) -> None:
    """Print left-aligned label column and right-aligned value columns."""
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for label, first, second in rows:
        print(f"{label:<{widths[0]}}  {first:>{widths[1]}}  {second:>{widths[2]}}")


def main(argv: list[str] | None = None) -> int:
    """Run the locate benchmark and print the comparison table."""
    args = parse_args(argv)

    start = time.perf_counter()
    cells = make_irregular_cells(args.cells, args.seed)
    lons, lats = make_points(cells, args.points, args.seed)
    generate_s = time.perf_counter() - start

    start = time.perf_counter()
    index = CellIndex(range(len(cells)), cells)
    ours_build_s = time.perf_counter() - start
    start = time.perf_counter()
    tree = STRtree(cells)
    raw_build_s = time.perf_counter() - start

    # Both share the same polygon objects, whose prepared state is cached on
    # them; one untimed call each makes sure neither pays for preparation.
    positions = index.locate(lons, lats)
    raw_locate(tree, lons, lats)

    ours_s = best_of(args.repeat, lambda: index.locate(lons, lats))
    raw_s = best_of(args.repeat, lambda: raw_locate(tree, lons, lats))

    n = args.points
    located = int((positions >= 0).sum())
    print(
        f"cells={len(cells):,}  points={n:,} ({located / n:.1%} inside)  "
        f"repeat={args.repeat}  seed={args.seed}  "
        f"shapely={shapely.__version__}  GEOS={shapely.geos_version_string}"
    )
    print(f"data generation: {generate_s:.2f} s")
    print()
    print_table(
        [
            ("", "CellIndex", "raw Shapely"),
            ("build (s)", f"{ours_build_s:.3f}", f"{raw_build_s:.3f}"),
            ("locate best (s)", f"{ours_s:.3f}", f"{raw_s:.3f}"),
            ("points/s", f"{n / ours_s:,.0f}", f"{n / raw_s:,.0f}"),
        ]
    )
    ratio = raw_s / ours_s
    verdict = "OK" if ratio >= 0.5 else "BELOW TARGET"
    print(f"\nthroughput ours/raw: {ratio:.2f}x  (target >= 0.5x: {verdict})")
    print(
        "(CellIndex build includes eager preparation + warm-up of the polygons;"
        " raw STRtree prepares lazily on its first query)"
    )

    # --- API benchmark hook ------------------------------------------------
    # bench_api() below is a placeholder; the lead engineer replaces it with
    # the HTTP API benchmark. It only runs when --api is given.
    if args.api:
        bench_api(args)
    return 0


# --- HTTP API benchmark --------------------------------------------------
# A throwaway server (temporary data dir, SQLite, the demo city) on a free
# loopback port, loaded by keep-alive clients in threads of this process.
# Nothing here ever talks to anything but 127.0.0.1.

_API_CLIENTS = 16  # concurrent keep-alive client connections
_API_WORKERS = 2  # gunicorn worker processes (the benchmark machine has 2 cores)
_API_THREADS = 8  # threads per worker (the `civicgrid serve` default)
_API_BATCH_POINTS = 1_000  # points per batch request (the endpoint takes up to 10,000)
_API_BATCH_REQUESTS = 48
_API_WARMUP = 64  # untimed requests first, so every worker has built its grid index
# The demo city's extent (119.600E 39.935N, 1,680 cells).
_DEMO_BBOX = (119.5755, 39.917, 119.6245, 39.953)


def _status_text(statuses) -> str:
    return ", ".join(f"{code}×{n}" for code, n in sorted(statuses.items()))


def bench_api(args: argparse.Namespace) -> None:
    """Benchmark the locate API over HTTP: single GET and batch POST, on loopback."""
    import json

    if args.api_requests < 1:
        raise SystemExit("--api-requests must be >= 1")
    rng = np.random.default_rng(args.seed + 2)
    west, south, east, north = _DEMO_BBOX

    def single(n: int) -> list[tuple[str, str, None]]:
        lons, lats = rng.uniform(west, east, n), rng.uniform(south, north, n)
        return [
            ("GET", f"/api/v1/places/locate?lon={lon:.6f}&lat={lat:.6f}&crs=wgs84", None)
            for lon, lat in zip(lons, lats, strict=True)
        ]

    def batch(n: int) -> list[tuple[str, str, bytes]]:
        out = []
        for _ in range(n):
            pts = np.column_stack(
                [
                    rng.uniform(west, east, _API_BATCH_POINTS),
                    rng.uniform(south, north, _API_BATCH_POINTS),
                ]
            ).round(6)
            body = json.dumps({"crs": "wgs84", "points": pts.tolist()}).encode()
            out.append(("POST", "/api/v1/places/locate", body))
        return out

    print()
    print(
        f"HTTP API: throwaway server (SQLite demo city), gunicorn + {_API_WORKERS} uvicorn "
        f"(ASGI) workers, {_API_CLIENTS} keep-alive clients"
    )
    start = time.perf_counter()
    with (
        Environment("sqlite") as environment,
        Server(environment, _API_WORKERS, _API_THREADS) as server,
    ):
        setup_s = time.perf_counter() - start
        run_clients(server.port, single(_API_WARMUP), _API_CLIENTS)  # untimed warm-up
        s_wall, s_lat, s_status, _ = run_clients(
            server.port, single(args.api_requests), _API_CLIENTS
        )
        b_wall, b_lat, b_status, _ = run_clients(
            server.port, batch(_API_BATCH_REQUESTS), _API_CLIENTS
        )
    ms = 1000.0
    n_points = _API_BATCH_REQUESTS * _API_BATCH_POINTS
    print(f"server setup (demo + start): {setup_s:.1f} s")
    print()
    print_table(
        [
            ("", "GET single", f"POST batch ({_API_BATCH_POINTS:,} pts)"),
            ("requests", f"{len(s_lat):,}", f"{len(b_lat):,}"),
            ("wall (s)", f"{s_wall:.2f}", f"{b_wall:.2f}"),
            ("requests/s", f"{len(s_lat) / s_wall:,.0f}", f"{len(b_lat) / b_wall:,.1f}"),
            ("points/s", f"{len(s_lat) / s_wall:,.0f}", f"{n_points / b_wall:,.0f}"),
            (
                "p50 (ms)",
                f"{percentile(s_lat, 0.50) * ms:.1f}",
                f"{percentile(b_lat, 0.50) * ms:.1f}",
            ),
            (
                "p99 (ms)",
                f"{percentile(s_lat, 0.99) * ms:.1f}",
                f"{percentile(b_lat, 0.99) * ms:.1f}",
            ),
        ]
    )
    print(f"\nHTTP status: single {_status_text(s_status)}; batch {_status_text(b_status)}")
    print("(422 = point outside every grid cell; client and server share this machine's CPUs)")


if __name__ == "__main__":
    sys.exit(main())
