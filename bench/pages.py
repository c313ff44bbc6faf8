"""Benchmark: server time of every console page with 100,000 cases loaded.

Makes a throwaway data dir (SQLite by default, or a throwaway PostgreSQL
database with ``--db postgres``), loads the demo city, bulk-inserts
``--cases`` synthetic cases spread over the last 90 days, every state,
district, street, category and department, then requests each console page
as the role it serves, in-process through Django's test client (so the time
is the server's: view, queries, template), and prints median and worst
milliseconds per page against the 300 ms target.

    .venv/bin/python bench/pages.py [--cases 100000] [--repeat 5] [--db sqlite|postgres]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from httpbench import Environment  # noqa: E402

TARGET_MS = 300.0
# (page, role that uses it); "{case}" is a real case opened through the services.
PAGES = [
    ("/intake/", "operator"),
    ("/dispatch/", "dispatcher"),
    ("/worklist/", "handler"),
    ("/m/", "inspector"),
    ("/screen/", "leader"),
    ("/screen/stats.json", "leader"),
    ("/cases/", "operator"),
    ("/cases/?state=dispatched&overdue=true", "dispatcher"),
    ("/cases/{case}/", "operator"),
    ("/cases/{case}/sheet.pdf", "operator"),
    ("/cases/?page=1000", "operator"),
    ("/dispatch/?overdue_page=50", "dispatcher"),
    ("/map/cases.geojson", "leader"),
    ("/cases/", "district_dispatcher"),
    # The home page of every role: its to-do list (one aggregate over the visible cases).
    ("/", "operator"),
    ("/", "shift_lead"),
    ("/", "dispatcher"),
    ("/", "district_dispatcher"),
    ("/", "handler"),
    ("/", "inspector"),
    ("/", "coordinator"),
    ("/", "expert"),
    ("/", "leader"),
    ("/todo/badges", "shift_lead"),
    ("/todo/hard/", "coordinator"),
]
STATE_WEIGHTS = [
    ("closed", 62), ("dispatched", 10), ("resolved", 5), ("checked", 3), ("filed", 4),
    ("reported", 5), ("verified", 3), ("voided", 5), ("returned", 1), ("suspended", 1),
    ("in_ruling", 1),
]  # fmt: skip


def load_cases(count: int, seed: int) -> int:
    """Bulk-insert ``count`` synthetic cases (no events: lists and counts read cases)."""
    from django.db import transaction
    from django.utils import timezone

    from civicgrid.cases.models import Case
    from civicgrid.categories.models import FilingCondition
    from civicgrid.org.models import Department
    from civicgrid.places.models import GridCell

    rng = random.Random(seed)
    cells = list(
        GridCell.objects.values_list("id", "community_id", "street_id", "district_id", "geometry")
    )
    conditions = list(FilingCondition.objects.select_related("category").filter(active=True))
    departments = list(Department.objects.values_list("id", flat=True))
    states = [s for s, w in STATE_WEIGHTS for _ in range(w)]
    now = timezone.now()
    start_id = (Case.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    batch = []
    with transaction.atomic():
        for n in range(count):
            cell_id, community, street, district, geometry = rng.choice(cells)
            lon, lat = geometry["coordinates"][0][0]
            condition = rng.choice(conditions)
            state = rng.choice(states)
            created = now - timedelta(minutes=rng.uniform(0, 90 * 24 * 60))
            dispatched = state not in ("reported", "verified", "filed", "voided")
            due = created + timedelta(hours=rng.uniform(1, 72))
            batch.append(
                Case(
                    code=f"B{start_id + n:012d}",
                    state=state,
                    origin_channel=rng.choice(["inspector", "hotline", "citizen_app"]),
                    description="bench",
                    lon=lon + rng.uniform(0, 0.001),
                    lat=lat - rng.uniform(0, 0.0008),
                    grid_cell_id=cell_id,
                    community_id=community,
                    street_id=street,
                    district_id=district,
                    category=condition.category,
                    filing_condition=condition,
                    handling_limit=condition.time_limit.to_dict(),
                    department_id=rng.choice(departments) if dispatched else None,
                    created_at=created,
                    updated_at=created,
                    stage="handle" if state == "dispatched" else "close",
                    stage_started_at=created,
                    stage_due=due,
                    handling_started_at=created if dispatched else None,
                    handling_due=due if dispatched else None,
                    current_due=None if state in ("closed", "voided") else due,
                    handling_overdue=rng.random() < 0.08,
                    closed_at=created + timedelta(hours=5) if state == "closed" else None,
                )
            )
            if len(batch) == 5000:
                Case.objects.bulk_create(batch)
                batch = []
        Case.objects.bulk_create(batch)
    return count


def time_pages(repeat: int) -> list[tuple[str, str, float, float, int]]:
    """Request every page ``repeat`` times as its role; return timings."""
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.test import Client

    from civicgrid.cases.models import Case

    case = Case.objects.exclude(code__startswith="B").order_by("pk").first()
    users = {u.username: u for u in get_user_model().objects.all()}
    results = []
    for page, role in PAGES:
        path = page.format(case=case.pk)
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(users[role])
        client.get(path)  # warm the process (grid index, calendar, templates)
        # The first request after a change: the shared results (web.live) are rebuilt.
        cache.clear()
        start = time.perf_counter()
        response = client.get(path)
        if getattr(response, "streaming", False):
            b"".join(response.streaming_content)
        cold = (time.perf_counter() - start) * 1000
        times, status = [], 0
        for _ in range(repeat):
            start = time.perf_counter()
            response = client.get(path)
            if getattr(response, "streaming", False):
                b"".join(response.streaming_content)
            times.append((time.perf_counter() - start) * 1000)
            status = response.status_code
        results.append((path, role, cold, statistics.median(times), max(times), status))
    return results


def child(args) -> None:
    """Run inside the benchmark's environment: load cases, time pages, print."""
    import django

    django.setup()
    from django.db import connection

    started = time.perf_counter()
    load_cases(args.cases, args.seed)
    load_s = time.perf_counter() - started
    from civicgrid.cases.models import Case

    print(
        f"database: {connection.vendor}; cases: {Case.objects.count():,} (loaded in {load_s:.0f} s)"
    )
    print()
    width = max(len(p) for p, _ in PAGES) + 8
    print(
        f"{'page':<{width}} {'role':<20} {'cold ms':>8} {'median ms':>10} {'worst ms':>9}  status"
    )
    worst = 0.0
    for path, role, cold, median, top, status in time_pages(args.repeat):
        worst = max(worst, median, cold)
        mark = "" if max(median, cold) < TARGET_MS else "  OVER"
        print(
            f"{path:<{width}} {role:<20} {cold:>8.1f} {median:>10.1f} {top:>9.1f}  {status}{mark}"
        )
    verdict = "MET" if worst < TARGET_MS else "NOT MET"
    print(
        f"\ntarget: every page < {TARGET_MS:.0f} ms server time (cold and median) -> "
        f"slowest {worst:.1f} ms: {verdict}"
    )
    print("(cold = first request after a change, when shared results are rebuilt)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=20261127)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.cases < 1 or args.repeat < 1:
        raise SystemExit("--cases and --repeat must be at least 1")
    if args.child:
        child(args)
        return 0
    with Environment(args.db) as environment:
        env = dict(environment.env, DJANGO_SETTINGS_MODULE="civicgrid.settings.dev")
        command = [sys.executable, __file__, "--child", "--cases", str(args.cases)]
        command += ["--repeat", str(args.repeat), "--seed", str(args.seed)]
        return subprocess.run(command, env=env, cwd=ROOT).returncode


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicgrid.settings.dev")
    sys.exit(main())
