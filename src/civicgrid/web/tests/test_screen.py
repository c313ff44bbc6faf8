"""The command screen: page access, the stats JSON, the map layer and the live stream."""

from __future__ import annotations

import os

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from civicgrid.testing import browser as browser_tools
from civicgrid.web import live
from civicgrid.web.tests import conftest_screen
from civicgrid.web.tests.conftest_screen import NOW, build_screen_city, local, report

# The fixtures of conftest_screen, made visible to pytest in this module.
screen_clock = conftest_screen.screen_clock
screen_city = conftest_screen.screen_city
login = conftest_screen.login

STATS = "/screen/stats.json"


def stats(client, **params):
    response = client.get(STATS, params)
    assert response.status_code == 200, response.content
    return response.json()


def by_key(rows):
    return {row["key"]: row["count"] for row in rows}


# -- access ------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["leader", "shift_lead", "dispatcher", "district_dispatcher"])
def test_screen_renders_for_its_roles(screen_city, login, role):
    """Leaders, shift leads and dispatchers open the screen; it carries its endpoints."""
    client = login(screen_city.users[role])
    response = client.get("/screen/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="screen-config"' in html
    assert "/screen/stats.json" in html and "/screen/events" in html
    assert 'for="scr-district"' in html and 'for="scr-street"' in html
    assert "echarts.min.js" in html and "leaflet.markercluster.js" in html


@pytest.mark.parametrize("role", ["operator", "inspector", "handler"])
@pytest.mark.parametrize("url", ["/screen/", STATS, "/screen/cases.geojson", "/screen/events"])
def test_screen_is_forbidden_to_other_roles(screen_city, login, role, url):
    """Operators, inspectors and handlers get 403 on every screen endpoint."""
    assert login(screen_city.users[role]).get(url).status_code == 403


@pytest.mark.parametrize("url", ["/screen/", STATS, "/screen/cases.geojson", "/screen/events"])
def test_screen_sends_anonymous_users_to_login(client, db, url):
    """Without a session every screen endpoint redirects to the login page."""
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_screen_endpoints_are_get_only(screen_city, login):
    """The screen only reads: POST is refused."""
    client = login(screen_city.users["leader"])
    for url in ("/screen/", STATS, "/screen/cases.geojson", "/screen/events"):
        assert client.post(url).status_code == 405


# -- counts ------------------------------------------------------------------------


def test_city_wide_counts(screen_city, login):
    """Headline numbers, today's breakdowns and the overdue ranking count the right cases."""
    data = stats(login(screen_city.users["leader"]))
    assert data["scope"]["level"] == "city"
    assert data["kpis"] == {"open": 4, "reported_today": 4, "closed_today": 1, "overdue": 2}
    assert by_key(data["by_channel"]) == {"hotline": 3, "citizen_app": 1}
    assert by_key(data["by_state"]) == {"reported": 2, "dispatched": 2}
    assert data["by_channel"][0]["label"]  # a human label, not only the key
    assert sum(row["count"] for row in data["by_category"]) == 4
    ranking = {row["label"]: (row["open"], row["closed"]) for row in data["overdue_departments"]}
    assert ranking == {"市政": (1, 1), "环卫": (1, 0)}
    assert data["overdue_departments"][0]["label"] == "市政"  # most overdue first


def test_today_is_the_local_day(screen_city, login):
    """A case at 00:30 Shanghai time counts as today; 23:30 the evening before does not."""
    data = stats(login(screen_city.users["leader"]), grid_cell=screen_city.cell(0, 1, 0).pk)
    assert data["kpis"]["reported_today"] == 1  # c3, at 00:30 local (16:30 UTC the day before)
    data = stats(login(screen_city.users["leader"]), grid_cell=screen_city.cell(0, 0, 0).pk)
    assert data["kpis"]["reported_today"] == 1  # c1 only; c5 came in at 23:30 yesterday


def test_trend_counts_per_local_day(screen_city, login):
    """The 30-day trend counts reports, new cases and closures on their local day."""
    trend = stats(login(screen_city.users["leader"]))["trend"]
    assert len(trend["days"]) == 30
    assert trend["days"][-1] == "2026-03-10"
    assert trend["days"][0] == "2026-02-09"
    day = {d: i for i, d in enumerate(trend["days"])}
    assert trend["cases"][day["2026-03-10"]] == 4
    assert trend["cases"][day["2026-03-09"]] == 1
    assert trend["cases"][day["2026-02-18"]] == 1
    assert trend["reports"] == trend["cases"]
    assert trend["closed"][day["2026-03-10"]] == 1
    assert sum(trend["closed"]) == 1


def test_district_user_sees_only_their_district(screen_city, login):
    """A district-scoped dispatcher starts in their district and counts only its cases."""
    client = login(screen_city.users["district_dispatcher"])
    data = stats(client)
    d0 = screen_city.city.districts[0]
    assert data["scope"] == {
        "level": "district",
        "district": d0.pk,
        "street": None,
        "grid_cell": None,
    }
    assert data["kpis"] == {"open": 3, "reported_today": 3, "closed_today": 0, "overdue": 1}
    assert [c["label"] for c in data["breadcrumb"]] == [d0.name]  # no "whole city" above
    assert [d["id"] for d in data["places"]["districts"]] == [d0.pk]
    ranking = {row["label"]: (row["open"], row["closed"]) for row in data["overdue_departments"]}
    assert ranking == {"市政": (1, 0)}
    assert sum(data["trend"]["cases"]) == 4  # c1, c2, c3, c5


def test_district_user_cannot_drill_into_another_district(screen_city, login):
    """Asking for a place of another district answers 404, as for any object out of sight."""
    client = login(screen_city.users["district_dispatcher"])
    d1 = screen_city.city.districts[1]
    assert client.get(STATS, {"district": d1.pk}).status_code == 404
    assert client.get(STATS, {"street": screen_city.city.streets[1].pk}).status_code == 404
    assert client.get(STATS, {"grid_cell": screen_city.cell(1).pk}).status_code == 404
    assert client.get("/screen/cases.geojson", {"district": d1.pk}).status_code == 404
    assert client.get("/screen/", {"district": d1.pk}).status_code == 404


def test_drill_down_narrows_every_panel(screen_city, login):
    """district=, street= and grid_cell= narrow the counts; the deepest fixes its parents."""
    client = login(screen_city.users["leader"])
    d0, d1 = screen_city.city.districts
    city = stats(client)
    assert city["areas"]["level"] == "district"
    assert {a["key"]: a["open"] for a in city["areas"]["items"]} == {d0.pk: 3, d1.pk: 1}
    east = stats(client, district=d1.pk)
    assert east["kpis"] == {"open": 1, "reported_today": 1, "closed_today": 1, "overdue": 1}
    assert east["areas"]["level"] == "street"
    assert [a["key"] for a in east["areas"]["items"]] == [screen_city.city.streets[1].pk]
    street = stats(client, street=screen_city.city.streets[0].pk)
    assert street["kpis"]["open"] == 3
    assert street["scope"]["district"] == d0.pk
    assert street["areas"]["level"] == "grid_cell"
    cells = {a["key"]: a["open"] for a in street["areas"]["items"]}
    assert cells == {
        screen_city.cell(0, 0, 0).pk: 1,
        screen_city.cell(0, 0, 1).pk: 1,
        screen_city.cell(0, 1, 0).pk: 1,
    }
    cell = stats(client, grid_cell=screen_city.cell(0, 0, 0).pk)
    assert cell["scope"] == {
        "level": "grid_cell",
        "district": d0.pk,
        "street": screen_city.city.streets[0].pk,
        "grid_cell": screen_city.cell(0, 0, 0).pk,
    }
    assert cell["kpis"] == {"open": 1, "reported_today": 1, "closed_today": 0, "overdue": 0}
    assert cell["areas"] == {"level": None, "items": []}
    labels = [c["label"] for c in cell["breadcrumb"]]
    assert labels[1:] == [d0.name, screen_city.city.streets[0].name, screen_city.cell(0).code]
    assert cell["breadcrumb"][0]["query"] == {}


def test_unknown_or_malformed_places_are_404(screen_city, login):
    """Unknown ids and non-numbers in the drill-down parameters answer 404."""
    client = login(screen_city.users["leader"])
    for params in ({"district": "999999"}, {"street": "abc"}, {"grid_cell": "-1"}):
        assert client.get(STATS, params).status_code == 404


def test_stats_cost_a_fixed_number_of_queries(screen_city, login, screen_clock):
    """The stats are grouped aggregates: more cases do not mean more queries."""
    client = login(screen_city.users["leader"])
    with CaptureQueriesContext(connection) as before:
        stats(client)
    op = screen_city.users["operator"]
    for minute in range(5):
        report(op, screen_clock, screen_city.city.center(screen_city.cell(0, 1, 1)),
               local(2026, 3, 10, 9, 50 + minute), text=f"新问题{minute}")  # fmt: skip
    screen_clock.at = NOW
    with CaptureQueriesContext(connection) as after:
        data = stats(client)
    assert data["kpis"]["reported_today"] == 9
    assert len(after) == len(before)
    assert len(after) <= 20


# -- map ---------------------------------------------------------------------------


def test_map_shows_open_cases_of_the_scope(screen_city, login):
    """The map layer lists open cases only, narrowed like the stats, with case links."""
    client = login(screen_city.users["leader"])
    features = client.get("/screen/cases.geojson").json()["features"]
    ids = {f["id"] for f in features}
    cases = screen_city.cases
    assert ids == {cases["c1"].pk, cases["c2"].pk, cases["c3"].pk, cases["c4"].pk}
    c2 = next(f for f in features if f["id"] == cases["c2"].pk)
    assert c2["properties"]["level"] == "red"
    assert c2["properties"]["url"] == f"/cases/{cases['c2'].pk}/"
    east = client.get("/screen/cases.geojson", {"district": screen_city.city.districts[1].pk})
    assert {f["id"] for f in east.json()["features"]} == {cases["c4"].pk}


def test_map_of_a_district_user(screen_city, login):
    """A district-scoped user's map holds only their district's open cases."""
    client = login(screen_city.users["district_dispatcher"])
    ids = {f["id"] for f in client.get("/screen/cases.geojson").json()["features"]}
    cases = screen_city.cases
    assert ids == {cases["c1"].pk, cases["c2"].pk, cases["c3"].pk}


# -- live stream -------------------------------------------------------------------


@pytest.fixture
def fast_stream(monkeypatch):
    """Poll every 10 ms and end the stream after 2 s so tests never hang."""
    monkeypatch.setattr(live, "POLL_SECONDS", 0.01)
    monkeypatch.setattr(live, "STREAM_SECONDS", 2.0)
    monkeypatch.setattr(live, "KEEPALIVE_SECONDS", 15.0)


def test_event_stream_reports_a_change(screen_city, login, fast_stream, screen_clock):
    """The stream says hello with the cursor, then ``change`` once any case changes."""
    client = login(screen_city.users["leader"])
    response = client.get("/screen/events")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/event-stream")
    assert response["Cache-Control"] == "no-cache, no-transform"
    assert response["X-Accel-Buffering"] == "no"
    chunks = iter(response.streaming_content)
    hello = next(chunks).decode()
    cursor = live.latest_change()
    assert hello == f"retry: {live.RETRY_MS}\nid: {cursor}\nevent: hello\ndata: {cursor}\n\n"
    report(
        screen_city.users["operator"],
        screen_clock,
        screen_city.city.center(screen_city.cell(1, 1, 0)),
        local(2026, 3, 10, 9, 59),
    )
    change = next(chunks).decode()
    assert change.startswith(f"id: {live.latest_change()}\nevent: change\n")
    assert live.latest_change() > cursor
    response.close()


def test_event_stream_ends_after_its_time(screen_city, login, monkeypatch):
    """With nothing happening the stream sends keep-alives and ends with ``bye``."""
    monkeypatch.setattr(live, "POLL_SECONDS", 0.01)
    monkeypatch.setattr(live, "KEEPALIVE_SECONDS", 0.03)
    monkeypatch.setattr(live, "STREAM_SECONDS", 0.2)
    response = login(screen_city.users["leader"]).get("/screen/events")
    text = b"".join(response.streaming_content).decode()
    assert text.count(": keep-alive\n\n") >= 2
    assert "event: change" not in text
    assert text.endswith(f"event: bye\ndata: {live.latest_change()}\n\n")


def test_reconnect_after_a_missed_change(screen_city, login, fast_stream):
    """A reconnecting client whose Last-Event-ID is behind gets ``change`` straight away."""
    client = login(screen_city.users["leader"])
    cursor = live.latest_change()
    response = client.get("/screen/events", headers={"Last-Event-ID": str(cursor - 1)})
    chunks = iter(response.streaming_content)
    assert "event: hello" in next(chunks).decode()
    assert next(chunks).decode() == f"id: {cursor}\nevent: change\ndata: {cursor}\n\n"
    # Not response.close(): that sends request_finished, which closes the database
    # connection the test's transaction runs on (PostgreSQL then fails the next query).
    same = client.get("/screen/events", headers={"Last-Event-ID": str(cursor)})
    text = b"".join(same.streaming_content).decode()
    assert "event: change" not in text


def test_change_events_without_a_database():
    """The generator follows any cursor source; timings come from a fake clock."""
    values = iter([5, 5, 7, 7, 7, 9])
    now = [0.0]

    def sleep(seconds):
        now[0] += seconds

    messages = list(
        live.change_events(
            source=lambda: next(values),
            poll=1,
            keepalive=2,
            duration=5,
            clock=lambda: now[0],
            sleep=sleep,
        )
    )
    assert [m.split("event: ")[1].split("\n")[0] if "event:" in m else m for m in messages] == [
        "hello",
        "change",
        ": keep-alive\n\n",
        "change",
        "bye",
    ]
    assert "data: 9" in messages[-1]


# -- browser -----------------------------------------------------------------------

CHROMIUM = str(browser_tools.CHROMIUM)
ARTIFACTS = browser_tools.ARTIFACTS
BROWSER_ARGS = browser_tools.FLAGS


def _log_in(page, base_url, username):
    from civicgrid.testing.factories import DEFAULT_PASSWORD

    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    with page.expect_navigation():
        page.click("form button[type=submit]")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs /usr/bin/chromium")
def test_screen_updates_live_when_another_user_acts(live_server, screen_clock, monkeypatch):
    """An operator voids a case in another browser; the leader's screen shows it within 2 s."""
    from playwright.sync_api import expect, sync_playwright

    monkeypatch.setattr(live, "POLL_SECONDS", 0.2)
    monkeypatch.setattr(live, "STREAM_SECONDS", 30.0)
    city = build_screen_city(screen_clock)
    target = city.cases["c1"]
    base = live_server.url
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        try:
            wall = browser.new_context(
                viewport={"width": 1920, "height": 1080}, locale="en", reduced_motion="reduce"
            )
            screen = wall.new_page()
            errors = []
            screen.on("pageerror", lambda exc: errors.append(str(exc)))
            _log_in(screen, base, "leader")
            screen.goto(f"{base}/screen/")
            expect(screen.locator("#screen")).to_have_attribute("aria-busy", "false")
            expect(screen.locator("#kpi-open")).to_have_text("4")
            expect(screen.locator("#scr-live")).to_have_attribute("data-state", "live")
            expect(screen.locator("#screen")).to_have_attribute("data-map-cases", "4")

            desk = browser.new_context(locale="en")
            operator = desk.new_page()
            _log_in(operator, base, "operator")
            operator.goto(f"{base}/cases/{target.pk}/")
            form = operator.locator("form[data-action=void]")
            form.locator("xpath=ancestor::details").locator("summary").click()
            form.locator("[name=reason]").fill("重复上报，不予立案")
            with operator.expect_navigation():
                form.locator("button[type=submit]").click()
            target.refresh_from_db()
            assert target.state == "voided"

            # No reload: the screen learns of the change through its event stream.
            expect(screen.locator("#kpi-open")).to_have_text("3", timeout=2000)
            expect(screen.locator("#screen")).to_have_attribute(
                "data-map-cases", "3", timeout=2000
            )
            browser_tools.settle(screen)  # charts drawn (no animation: reduced motion)
            screen.screenshot(path=str(ARTIFACTS / "screen.png"))
            assert errors == []

            # Drill down by clicking the district in the breadcrumb's select.
            d1 = city.city.districts[1]
            screen.select_option("#scr-district", str(d1.pk))
            expect(screen.locator("#kpi-open")).to_have_text("1")
            expect(screen.locator("#scr-crumbs li")).to_have_count(2)
            assert f"district={d1.pk}" in screen.url
            screen.locator("#scr-crumbs a").first.click()
            expect(screen.locator("#kpi-open")).to_have_text("3")
        finally:
            browser.close()
