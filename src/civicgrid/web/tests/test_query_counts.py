"""Every console page makes the same number of queries with N cases as with 2N.

The pinned numbers live in one file, ``query_counts.json`` beside this
module (as NetBox keeps its ``query_counts.json``): a page that starts to ask
the database once per listed case (N+1) fails here with its actual counts.
When a change adds a query on purpose (a new middleware, a new panel),
re-pin every page in one run::

    CIVICGRID_PIN_QUERIES=1 pytest src/civicgrid/web/tests/test_query_counts.py

and commit the rewritten JSON file with the change that explains it.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from civicgrid.testing import democity
from civicgrid.web.tests import conftest_desk as desk
from civicgrid.web.tests.conftest_desk import EAST, WEST

demo_city = democity.demo_city
city = democity.city
clock = democity.clock
_media_in_tmp = democity._media_in_tmp

COUNTS_FILE = Path(__file__).with_name("query_counts.json")
PIN_VARIABLE = "CIVICGRID_PIN_QUERIES"

#: Page name → (user, address); ``{case}`` is a resolved case, ``{open}`` a dispatched one.
PAGES = {
    "intake": ("operator", "/intake/"),
    "intake_with_case": ("operator", "/intake/?case={reported}"),
    "intake_new": ("operator", "/intake/new"),
    "intake_callbacks": ("operator", "/intake/callbacks"),
    "dispatch": ("dispatcher", "/dispatch/"),
    "dispatch_with_case": ("dispatcher", "/dispatch/?case={open}"),
    "worklist": ("handler", "/worklist/"),
    "mobile_tasks": ("inspector", "/m/"),
    "mobile_task": ("inspector", "/m/tasks/{case}/"),
    "mobile_new_report": ("inspector", "/m/new/"),
    "case_list": ("dispatcher", "/cases/"),
    "case_page": ("dispatcher", "/cases/{case}/"),
    "case_sheet": ("dispatcher", "/cases/{case}/sheet/"),
    "case_sheet_pdf": ("dispatcher", "/cases/{case}/sheet.pdf"),
    "case_export_csv": ("dispatcher", "/cases/export.csv"),
    "case_export_xlsx": ("dispatcher", "/cases/export.xlsx"),
    "map_cases": ("dispatcher", "/map/cases.geojson"),
    "screen": ("leader", "/screen/"),
    "screen_stats": ("leader", "/screen/stats.json"),
    "screen_cases": ("leader", "/screen/cases.geojson"),
    "screen_stats_street": ("leader", "/screen/stats.json?street={street}"),
    "screen_stats_cell": ("leader", "/screen/stats.json?grid_cell={cell}"),
    "api_case_list": ("dispatcher", "/api/v1/cases"),
    "api_case_detail": ("dispatcher", "/api/v1/cases/{case}"),
    "home_shift_lead": ("shift_lead", "/"),
    "todo_badges": ("handler", "/todo/badges"),
    "todo_list": ("coordinator", "/todo/hard/"),
    "notices": ("handler", "/notices/"),
}


def process_caches():
    """Return the process-wide caches whose fingerprint check is one query per request."""
    from civicgrid.assets.services import ASSET_INDEX
    from civicgrid.cases.services.calendar import CALENDAR
    from civicgrid.categories.services import CATEGORY_LOOKUP
    from civicgrid.places.services.locating import GRID_INDEX

    return (GRID_INDEX, ASSET_INDEX, CALENDAR, CATEGORY_LOOKUP)


def add_cases(city) -> dict[str, int]:
    """Add one case in every state a console lists, through the services; return some ids."""
    from civicgrid.cases.services import act

    dispatcher = city.user("dispatcher")
    guess = desk.a_condition().category_id  # a report's category is the case's guess
    reported = desk.report(city, WEST, category=guess)
    verify_task = desk.report(city, EAST, text="路灯不亮")
    act(
        verify_task.pk,
        "request_verification",
        city.user("operator"),
        inspector=city.users["inspector2"],
    )
    own_task = desk.report(city, WEST, category=guess, text="垃圾满溢")
    act(
        own_task.pk,
        "request_verification",
        city.user("operator"),
        inspector=city.users["inspector"],
    )
    verified = desk.report(city, EAST, text="占道经营")
    act(verified.pk, "verify", city.user("operator"))
    desk.filed(city, WEST)
    suspended = desk.filed(city, EAST)
    act(suspended.pk, "suspend", dispatcher, reason="待天气好转")
    ruling = desk.filed(city, WEST)
    act(ruling.pk, "refer_to_experts", dispatcher, reason="权属不清")
    dispatched = desk.dispatched(city, WEST)
    extension = desk.dispatched(city, WEST)
    act(
        extension.pk,
        "request_extension",
        desk.handler_of(extension),
        extension="2天",
        reason="缺配件",
    )
    resolved = desk.dispatched(city, WEST)
    handler = desk.handler_of(resolved)
    from civicgrid.cases.services.photos import check_uploads, store_photo

    photo = store_photo(check_uploads([desk.jpeg()])[0], "after", handler)
    act(resolved.pk, "resolve", handler, photos=[photo.pk], note="已处置")
    closed = desk.dispatched(city, WEST)
    photo = store_photo(check_uploads([desk.jpeg()])[0], "after", handler)
    act(closed.pk, "resolve", handler, photos=[photo.pk], note="已处置")
    act(closed.pk, "check", city.user("inspector"), passed=True)
    act(closed.pk, "close", city.user("shift_lead"))
    return {
        "case": resolved.pk,
        "open": dispatched.pk,
        "reported": reported.pk,
        "street": resolved.street_id,
        "cell": resolved.grid_cell_id,
    }


def count_queries(client, url: str) -> tuple[int, list[str]]:
    """Return the number of queries (and their SQL) of one GET, body included."""
    for process_cache in process_caches():
        process_cache.recheck()  # exactly one fingerprint query each, in every request
    cache.clear()  # the screen's shared numbers are computed, not served from the cache
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200, (url, response.status_code)
    return len(captured), [query["sql"] for query in captured.captured_queries]


def _shape(sql: str) -> str:
    """Return ``sql`` with its literals replaced, so one query per row looks the same."""
    return re.sub(r"'[^']*'|\b\d+\b", "?", sql)


def grown(first: list[str], second: list[str]) -> str:
    """Return the query shape whose count grew most from ``first`` to ``second``."""
    before, after = Counter(map(_shape, first)), Counter(map(_shape, second))
    shape = max(after, key=lambda s: after[s] - before[s])
    return f"{after[shape] - before[shape]} more of {shape[:300]}"


def test_console_pages_make_as_many_queries_with_2n_cases_as_with_n(city, clock, monkeypatch):
    """Each page's query count is pinned, and the same with N and with 2N cases."""
    for process_cache in process_caches():
        # A slow run must not cross the recheck interval in the middle of a request.
        monkeypatch.setattr(process_cache, "recheck_seconds", 10**9)
    ids = add_cases(city)
    clients = {user: city.client(user) for user, _url in PAGES.values()}
    urls = {name: url.format(**ids) for name, (_user, url) in PAGES.items()}
    for name, (user, _url) in PAGES.items():
        count_queries(clients[user], urls[name])  # warm: translations, content types
    first = {name: count_queries(clients[user], urls[name]) for name, (user, _) in PAGES.items()}
    add_cases(city)
    second = {name: count_queries(clients[user], urls[name]) for name, (user, _) in PAGES.items()}

    actual = {name: first[name][0] for name in PAGES}
    if os.environ.get(PIN_VARIABLE):
        COUNTS_FILE.write_text(json.dumps(actual, indent=2, sort_keys=True) + "\n")
    pinned = json.loads(COUNTS_FILE.read_text())
    problems = []
    for name in PAGES:
        n, n2 = first[name][0], second[name][0]
        if n != n2:
            problems.append(
                f"{name}: {n} queries with N cases, {n2} with 2N; repeated: "
                f"{grown(first[name][1], second[name][1])}"
            )
        elif pinned.get(name) != n:
            problems.append(f"{name}: pinned {pinned.get(name)}, actual {n}")
    assert not problems, (
        f"query counts changed (re-pin with {PIN_VARIABLE}=1 if intended):\n" + "\n".join(problems)
    )


#: Pages that list cases (or count them) and draw no outline.
LISTS = (
    "intake", "dispatch", "worklist", "mobile_tasks", "case_list", "case_export_csv",
    "case_export_xlsx", "map_cases", "screen_stats", "screen_stats_street", "screen_stats_cell",
    "screen_cases", "api_case_list", "todo_list",
)  # fmt: skip


@pytest.mark.parametrize("name", LISTS)
def test_case_lists_read_no_place_outline(city, clock, name):
    """Lists join their places for names and codes but never read an outline column."""
    ids = add_cases(city)
    user, url = PAGES[name]
    _count, queries = count_queries(city.client(user), url.format(**ids))
    assert any('"cases_case"' in sql for sql in queries)
    outlines = [sql for sql in queries if '"geometry"' in sql]
    assert outlines == [], outlines[0][:800]


@pytest.mark.parametrize("name", ["case_page", "mobile_task", "intake_with_case"])
def test_case_pages_read_only_their_cell_outline(city, clock, name):
    """A case page draws its cell: it reads that outline and no district's or street's."""
    ids = add_cases(city)
    user, url = PAGES[name]
    _count, queries = count_queries(city.client(user), url.format(**ids))
    outlines = [sql for sql in queries if '"geometry"' in sql]
    assert outlines and all('"places_gridcell"."geometry"' in sql for sql in outlines)
    for table in ("places_district", "places_street", "places_community"):
        assert not any(f'"{table}"."geometry"' in sql for sql in outlines), table


def test_the_admin_case_list_reads_no_district_outline(city, clock, client):
    """The admin's case list shows district names without loading their outlines."""
    from django.contrib.auth import get_user_model

    add_cases(city)
    client.force_login(get_user_model().objects.create_superuser("root", password="x"))
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/admin/cases/case/").status_code == 200
    listed = [q["sql"] for q in captured.captured_queries if 'FROM "cases_case"' in q["sql"]]
    assert listed and not any('"geometry"' in sql for sql in listed)
