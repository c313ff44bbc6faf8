"""Map labels are built as text: names from imports never become page elements.

Its own module: the browser test is transactional (a live server reads the
data from another connection), so it must not share a module with the
demo city's outer transaction.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from civicgrid.cases.services import ReportInput, submit_report
from civicgrid.testing import browser as browser_tools

STATIC = Path(__file__).resolve().parents[1] / "static" / "web"


def test_every_leaflet_label_is_escaped():
    """Each tooltip or popup built in our scripts passes its text through ``escapeHtml``."""
    calls = []
    for path in sorted(STATIC.glob("*.js")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if re.search(r"\.bind(Tooltip|Popup)\(|\.set(Tooltip|Popup)Content\(", line):
                calls.append((path.name, line.strip()))
    assert calls, "no map labels found: has the map code moved?"
    unescaped = [call for call in calls if "escapeHtml" not in call[1]]
    assert unescaped == []


EVIL = '<img src=x onerror="window.__injected=1">'


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not os.path.exists(browser_tools.CHROMIUM), reason="needs /usr/bin/chromium")
def test_an_imported_name_with_markup_shows_as_text_in_the_map_tooltip(live_server, monkeypatch):
    """A grid cell named like an HTML tag shows that text in its tooltip; no element is made."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import expect, sync_playwright

    from civicgrid.places.models import GridCell
    from civicgrid.testing.factories import DEFAULT_PASSWORD, UserFactory, build_city

    tiny = build_city()
    GridCell.objects.filter(pk=tiny.cells[0].pk).update(name=EVIL)
    operator = UserFactory(username="operator", roles=["operator"])
    lon, lat = tiny.center(0)
    case = submit_report(
        ReportInput(channel="hotline", lon=lon, lat=lat, description="井盖破损"), actor=operator
    ).case
    base = live_server.url
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(browser_tools.CHROMIUM), args=browser_tools.FLAGS
        )
        try:
            page = browser.new_context(locale="zh-CN").new_page()
            browser_tools.login(page, base, "operator", DEFAULT_PASSWORD)
            page.goto(f"{base}/cases/{case.pk}/")
            pane = page.locator(
                "#case-map .leaflet-overlay-pane canvas, #case-map .leaflet-overlay-pane svg"
            )
            expect(pane.first).to_be_visible()
            tooltip = page.locator("#case-map .leaflet-tooltip")
            page.locator("#case-map").scroll_into_view_if_needed()
            box = page.locator("#case-map").bounding_box()
            # The cell fills about the middle quarter of the map and the case marker sits at
            # its centre: hover points around the marker until the cell's tooltip opens.
            for fx, fy in ((0.45, 0.45), (0.55, 0.55), (0.45, 0.55), (0.55, 0.45), (0.5, 0.42)):
                page.mouse.move(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
                page.mouse.move(box["x"] + box["width"] * fx + 2, box["y"] + box["height"] * fy)
                try:
                    tooltip.wait_for(state="attached", timeout=1500)
                    break
                except PlaywrightTimeout:
                    continue
            expect(tooltip).to_contain_text(EVIL)
            assert tooltip.locator("img").count() == 0
            assert page.evaluate("window.__injected === undefined")
        finally:
            browser.close()
