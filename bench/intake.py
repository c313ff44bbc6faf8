"""Benchmark report intake over HTTP against the raw INSERT rate of the same rows.

The question this answers: how many reports per second does
``POST /api/v1/reports`` take end to end (HTTP, auth, locate, asset link,
duplicate check, Case + Report + CaseEvent with the hash chain), and how far
is that from what the database can simply insert? The target, on
PostgreSQL with 2 cores, is >= 300 reports/s with p99 < 100 ms.

A throwaway server is started on a free loopback port with a temporary data
dir (and, for PostgreSQL, a throwaway database) holding the demo city; it
is stopped and everything is removed afterwards, even on error.

    .venv/bin/python bench/intake.py [--db sqlite|postgres] [--reports 2000] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import random
import subprocess
import sys
import time
from pathlib import Path

from httpbench import HOST, Environment, Server, percentile, run_clients

ROOT = Path(__file__).resolve().parent.parent
# The demo city's extent (1,680 cells around 119.600E 39.935N).
BBOX = (119.5755, 39.917, 119.6245, 39.953)
# Asset categories (light poles, manhole covers: linked to the nearest asset)
# and incident categories (exposed rubbish, street vending).
CATEGORIES = ["01037", "01001", "06010", "09006"]
DESCRIPTIONS = ["路灯不亮", "井盖破损", "暴露垃圾", "占道经营", "设施损坏，请尽快处理"]
TARGET_RPS = 300.0
TARGET_P99_MS = 100.0
DEMO_PASSWORD = "civicgrid-demo"


# --- load generation ----------------------------------------------------------


def request_json(conn, method, path, payload, headers):
    """Send one JSON request on ``conn``; return (status, body bytes)."""
    conn.request(method, path, body=json.dumps(payload).encode(), headers=headers)
    response = conn.getresponse()
    return response.status, response.read()


def login(port: int, username: str) -> str:
    """Return a bearer token for a demo user."""
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        status, body = request_json(
            conn,
            "POST",
            "/api/v1/auth/token",
            {"username": username, "password": DEMO_PASSWORD},
            {"Content-Type": "application/json"},
        )
    finally:
        conn.close()
    if status not in (200, 201):
        raise RuntimeError(f"login as {username} failed: {status} {body[:300]!r}")
    return json.loads(body)["token"]


def make_reports(n: int, rng: random.Random, tag: str) -> list[dict]:
    """Return ``n`` report payloads at random points of the demo city."""
    west, south, east, north = BBOX
    return [
        {
            "channel": "inspector",
            "lon": round(rng.uniform(west, east), 6),
            "lat": round(rng.uniform(south, north), 6),
            "description": rng.choice(DESCRIPTIONS),
            "category": rng.choice(CATEGORIES),
            "idempotency_key": f"bench-{tag}-{i:07d}",
        }
        for i in range(n)
    ]


def post_reports(port: int, token: str, reports: list[dict], clients: int):
    """POST ``reports`` over ``clients`` keep-alive connections (see ``run_clients``)."""
    requests = [("POST", "/api/v1/reports", json.dumps(r).encode()) for r in reports]
    return run_clients(port, requests, clients, {"Authorization": f"Bearer {token}"})


# --- raw INSERT baseline (runs in a child process with the server's settings) ---


def raw_insert_child(prefix: str) -> None:
    """Re-insert copies of the benchmark's Case/Report/CaseEvent rows; print timings as JSON.

    Two figures: ``bulk`` — Django ``bulk_create`` of all rows in one
    transaction (batches of 500), the database's raw insert rate for these
    rows; ``per_report`` — one transaction per report with three ORM
    ``save()`` INSERTs, one client (what a commit per report costs at least).
    """
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicgrid.settings.dev")
    import django

    django.setup()
    from django.db import connection, transaction

    from civicgrid.cases.models import Case, CaseEvent, Report

    reports = list(
        Report.objects.filter(idempotency_key__startswith=prefix).select_related("case")
    )
    events = {
        e.case_id: e
        for e in CaseEvent.objects.filter(case__in=[r.case_id for r in reports], seq=1)
    }
    half = len(reports) // 2

    def clones(rows, tag):
        out = []
        for report in rows:
            case, event = report.case, events[report.case_id]
            case.pk, case.id, case.code = None, None, f"{tag}{case.code}"
            report.pk, report.id = None, None
            report.idempotency_key = f"{tag}-{report.idempotency_key}"
            event.pk, event.id = None, None
            out.append((case, report, event))
        return out

    bulk_rows = clones(reports[:half], "B")
    start = time.perf_counter()
    with transaction.atomic():
        cases = Case.objects.bulk_create([c for c, _, _ in bulk_rows], batch_size=500)
        for (_, report, event), case in zip(bulk_rows, cases, strict=True):
            report.case, event.case = case, case
        Report.objects.bulk_create([r for _, r, _ in bulk_rows], batch_size=500)
        CaseEvent.objects.bulk_create([e for _, _, e in bulk_rows], batch_size=500)
    bulk_s = time.perf_counter() - start

    single_rows = clones(reports[half:], "S")
    start = time.perf_counter()
    for case, report, event in single_rows:
        with transaction.atomic():
            case.save(force_insert=True)
            report.case, event.case = case, case
            report.save(force_insert=True)
            event.save(force_insert=True)
    single_s = time.perf_counter() - start
    print(
        json.dumps(
            {
                "vendor": connection.vendor,
                "bulk_n": len(bulk_rows),
                "bulk_s": bulk_s,
                "per_report_n": len(single_rows),
                "per_report_s": single_s,
            }
        )
    )


def raw_insert(environment: Environment, prefix: str) -> dict:
    """Run ``raw_insert_child`` in a subprocess with the server's environment."""
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--raw-insert-child", prefix],
        env=environment.env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode != 0:
        raise RuntimeError(f"raw insert failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- main ---------------------------------------------------------------------


def print_table(rows: list[tuple[str, ...]]) -> None:
    """Print a left-aligned label column and right-aligned value columns."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for label, *values in rows:
        cells = [f"{label:<{widths[0]}}"] + [
            f"{v:>{w}}" for v, w in zip(values, widths[1:], strict=True)
        ]
        print("  ".join(cells))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--reports", type=int, default=2000, help="timed reports (2000)")
    parser.add_argument("--concurrency", type=int, default=8, help="keep-alive clients (8)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2 = cores)")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (4)")
    parser.add_argument("--warmup", type=int, default=64, help="untimed reports first (64)")
    parser.add_argument("--seed", type=int, default=20240611, help="random seed")
    parser.add_argument(
        "--pg-server",
        default="postgresql://postgres@127.0.0.1:5432",
        help="PostgreSQL server URL, without database (local only)",
    )
    parser.add_argument("--pg-db", default="civicgrid_bench", help="throwaway database name")
    parser.add_argument("--raw-insert-child", metavar="PREFIX", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.reports < 2 or args.concurrency < 1 or args.workers < 1 or args.threads < 1:
        parser.error("--reports must be >= 2; --concurrency, --workers, --threads >= 1")
    if args.warmup < 0:
        parser.error("--warmup must be >= 0")
    if "@127.0.0.1" not in args.pg_server and "@localhost" not in args.pg_server:
        parser.error("--pg-server must point at 127.0.0.1 (this benchmark stays on loopback)")
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the intake benchmark and print the comparison table."""
    args = parse_args(argv)
    if args.raw_insert_child:
        raw_insert_child(args.raw_insert_child)
        return 0
    rng = random.Random(args.seed)
    tag = f"{os.getpid()}-{int(time.time())}"
    warmup = make_reports(args.warmup, rng, f"warm-{tag}")
    timed = make_reports(args.reports, rng, f"timed-{tag}")

    print(
        f"intake: db={args.db}  reports={args.reports:,}  concurrency={args.concurrency}  "
        f"serve: gunicorn + {args.workers} uvicorn (ASGI) workers  "
        f"cpus={os.cpu_count()}  seed={args.seed}"
    )
    start = time.perf_counter()
    with Environment(args.db, args.pg_server, args.pg_db) as environment:
        with Server(environment, args.workers, args.threads) as server:
            setup_s = time.perf_counter() - start
            token = login(server.port, "inspector")
            if warmup:
                post_reports(server.port, token, warmup, args.concurrency)
            wall, latencies, statuses, sample = post_reports(
                server.port, token, timed, args.concurrency
            )
        raw = raw_insert(environment, f"bench-timed-{tag}")

    created = statuses.get(201, 0)
    rps = created / wall
    p50, p95, p99 = (percentile(latencies, q) * 1000 for q in (0.50, 0.95, 0.99))
    bulk_rps = raw["bulk_n"] / raw["bulk_s"] if raw["bulk_s"] else math.inf
    single_rps = raw["per_report_n"] / raw["per_report_s"] if raw["per_report_s"] else math.inf
    print(f"setup (database + demo city + server start): {setup_s:.1f} s")
    print()
    print_table(
        [
            ("", "reports/s", "p50 (ms)", "p95 (ms)", "p99 (ms)", "rows"),
            (
                f"HTTP POST /reports ({args.concurrency} clients)",
                f"{rps:,.0f}",
                f"{p50:.1f}",
                f"{p95:.1f}",
                f"{p99:.1f}",
                f"{created:,}",
            ),
            (
                "raw INSERT, bulk_create (1 txn)",
                f"{bulk_rps:,.0f}",
                "-",
                "-",
                "-",
                f"{raw['bulk_n']:,}",
            ),
            (
                "raw INSERT, 1 txn per report",
                f"{single_rps:,.0f}",
                "-",
                "-",
                "-",
                f"{raw['per_report_n']:,}",
            ),
        ]
    )
    print()
    print(f"HTTP status: {', '.join(f'{k}×{v}' for k, v in sorted(statuses.items()))}")
    if sample:
        print(f"first error: {sample}")
    print(
        f"HTTP / raw bulk: {rps / bulk_rps:.3f}x   "
        f"HTTP / raw 1-txn-per-report: {rps / single_rps:.2f}x"
    )
    meets = rps >= TARGET_RPS and p99 < TARGET_P99_MS
    print(
        f"target (PostgreSQL, 2 cores): >= {TARGET_RPS:.0f} reports/s and p99 < "
        f"{TARGET_P99_MS:.0f} ms -> {rps:,.0f} reports/s, p99 {p99:.1f} ms: "
        f"{'MET' if meets else 'NOT MET'}"
        + ("" if args.db == "postgres" else " (this run is SQLite; the target is for PostgreSQL)")
    )
    print(
        "(a 'report' row = one Case + one Report + one CaseEvent; the load generator "
        "shares the machine's CPUs with the server and the database)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
