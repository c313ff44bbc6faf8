"""The phone app's location step in a real browser: without a fine GPS fix, no default point.

Tiles never load here (every outside request is aborted): the district outline and the unit
grid are still drawn under the pin. With geolocation denied the step asks the inspector to
confirm the pin and keeps "next" disabled until they do; with a fine fix it goes on at once;
a rough fix must be confirmed again. Each report records where its position came from.
"""

import pytest

from civicgrid.testing import browser as browser_tools
from civicgrid.testing.browser import chromium
from civicgrid.web.tests.conftest_field import PASSWORD, WEST, build_field_city, jpeg_bytes

assert chromium  # the fixture, imported for pytest
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not browser_tools.CHROMIUM.exists(), reason="needs /usr/bin/chromium"),
]

NEXT = "[data-step='2'] [data-next='3']"


def _phone(chromium, base, *, geolocation=None):
    """Open a phone-sized context (no tiles from outside); grant geolocation when given."""
    context = chromium.new_context(
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        reduced_motion="reduce",
        service_workers="block",
    )
    context.route("https://**/*", lambda route: route.abort())
    if geolocation is not None:
        context.grant_permissions(["geolocation"], origin=base)
        context.set_geolocation(geolocation)
    return context


def _to_place_step(page, base):
    browser_tools.login_to(page, base, "/m/new/", "inspector", PASSWORD)
    page.locator("#report-photo").set_input_files(
        {"name": "p.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes()}
    )
    page.click("[data-step='1'] [data-next='2']")


def _send(page, description):
    from civicgrid.cases.models import Report

    page.click(NEXT)
    page.fill("#report-description", description)
    page.click("#report-send")
    # Wait for the report itself: the queue count reads "0" both before the
    # report is queued and after it is sent, so it cannot tell the two apart.
    import time

    deadline = time.monotonic() + 20
    while not Report.objects.filter(description=description).exists():
        assert time.monotonic() < deadline, page.locator("#report-result").text_content()
        page.wait_for_timeout(100)  # let the page's outbox run while we poll
    return Report.objects.get(description=description)


@pytest.mark.django_db(transaction=True)
def test_denied_geolocation_blocks_sending_until_the_pin_is_confirmed(live_server, chromium):
    """No GPS: "请在地图上确认位置", next disabled; after confirming, the report says manual."""
    from playwright.sync_api import expect

    build_field_city()
    base = live_server.url
    context = _phone(chromium, base)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    _to_place_step(page, base)

    expect(page.locator("#gps-status")).to_contain_text("请在地图上确认位置")
    expect(page.locator(NEXT)).to_be_disabled()
    expect(page.locator("#place-confirm")).to_be_visible()
    # The outline and the grid are drawn although no tile loaded.
    page.wait_for_function(
        "() => { const m = document.getElementById('report-map');"
        " return m.dataset.outlines === '1' && parseInt(m.dataset.gridCells || '0', 10) > 0; }"
    )
    assert page.evaluate("document.getElementById('report-lon').value") != ""  # a point, not sent
    assert browser_tools.axe_violations(page) == []
    browser_tools.screenshot(page, "mobile-place-confirm")

    # Keyboard: the confirm button takes the pin as it stands.
    page.focus("#place-confirm")
    page.keyboard.press("Enter")
    expect(page.locator(NEXT)).to_be_enabled()
    expect(page.locator("#place-confirm")).to_be_hidden()
    report = _send(page, "未定位：手动确认的位置")
    assert report.raw_payload["position_source"] == "manual"
    # The next report must be placed again.
    page.locator("#report-photo").set_input_files(
        {"name": "q.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes()}
    )
    page.click("[data-step='1'] [data-next='2']")
    expect(page.locator(NEXT)).to_be_disabled()
    # Moving the pin by tapping the map counts as confirming it.
    page.locator("#report-map").click(position={"x": 120, "y": 150})
    expect(page.locator(NEXT)).to_be_enabled()
    assert errors == []
    context.close()


@pytest.mark.django_db(transaction=True)
def test_a_fine_gps_fix_goes_on_and_a_rough_one_must_be_confirmed(live_server, chromium):
    """A fine fix enables next at once (source gps); a rough one asks for confirmation."""
    from playwright.sync_api import expect

    build_field_city()
    base = live_server.url
    context = _phone(
        chromium, base, geolocation={"longitude": WEST[0], "latitude": WEST[1], "accuracy": 15}
    )
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    _to_place_step(page, base)

    expect(page.locator(NEXT)).to_be_enabled()
    expect(page.locator("#place-confirm")).to_be_hidden()
    expect(page.locator("#gps-status")).to_contain_text("15")
    report = _send(page, "GPS 定位的上报")
    assert report.raw_payload["position_source"] == "gps"
    assert abs(float(report.raw_payload["lon"]) - WEST[0]) < 0.01

    context.set_geolocation({"longitude": WEST[0], "latitude": WEST[1], "accuracy": 800})
    page.locator("#report-photo").set_input_files(
        {"name": "q.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes()}
    )
    page.click("[data-step='1'] [data-next='2']")
    page.click("#gps-again")
    expect(page.locator("#gps-status")).to_contain_text("±800")
    expect(page.locator("#gps-status")).to_contain_text("请在地图上确认位置")
    expect(page.locator(NEXT)).to_be_disabled()
    page.click("#place-confirm")
    expect(page.locator(NEXT)).to_be_enabled()
    assert errors == []
    context.close()
