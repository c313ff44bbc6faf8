"""The inspector app in a real browser: an offline report is queued and arrives exactly once.

Transactional (the live server runs in another thread), so this module builds the demo city
itself instead of using the module-scoped ``field_city`` fixture.
"""

import pytest

from civicgrid.testing import browser as browser_tools
from civicgrid.testing.browser import chromium
from civicgrid.web.tests.conftest_field import (
    PASSWORD,
    WEST,
    build_field_city,
    jpeg_bytes,
    make_case,
)

ARTIFACTS = browser_tools.ARTIFACTS

assert chromium  # the fixture, imported for pytest
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not browser_tools.CHROMIUM.exists(), reason="needs /usr/bin/chromium"),
]


def _login(page, base, username, next_url):
    browser_tools.login_to(page, base, next_url, username, PASSWORD)


@pytest.mark.django_db(transaction=True)
def test_offline_report_is_queued_and_sent_once_and_a_check_passes(
    live_server, chromium, settings, tmp_path
):
    """Offline, a 3-step report waits on the phone; online again, exactly one case arrives."""
    from playwright.sync_api import expect

    from civicgrid.cases.models import Case, Report

    settings.MEDIA_ROOT = str(tmp_path / "media")
    city = build_field_city()
    to_check = make_case(city, "resolved")
    dispatched = make_case(city, "dispatched")
    ARTIFACTS.mkdir(exist_ok=True)
    base = live_server.url

    context = chromium.new_context(
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        reduced_motion="reduce",
    )
    context.route("https://**/*", lambda route: route.abort())  # no map tiles from outside
    context.grant_permissions(["geolocation"], origin=base)
    context.set_geolocation({"longitude": WEST[0], "latitude": WEST[1]})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    _login(page, base, "inspector", "/m/")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.screenshot(path=str(ARTIFACTS / "mobile-tasks.png"), full_page=True)
    page.goto(f"{base}/m/new/")
    page.wait_for_load_state("networkidle")
    before = Report.objects.count()

    context.set_offline(True)
    page.wait_for_function("() => !navigator.onLine")
    # Step 1: the photo.
    page.locator("#report-photo").set_input_files(
        {"name": "pothole.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes()}
    )
    page.click("[data-step='1'] [data-next='2']")
    # Step 2: the GPS position on the map (draggable marker).
    page.wait_for_function("() => document.getElementById('report-lon').value !== ''")
    expect(page.locator(".leaflet-marker-draggable")).to_have_count(1)
    page.screenshot(path=str(ARTIFACTS / "mobile-new-place.png"))
    page.click("[data-step='2'] [data-next='3']")
    # Step 3: the category (searchable list) and a short description.
    page.fill("#category-search", "井盖")
    first_match = page.evaluate(
        "Array.from(document.querySelectorAll('#category-all option'))"
        ".find(o => o.value && !o.hidden).value"
    )
    page.select_option("#category-all", first_match)
    page.fill("#report-description", "浏览器离线上报：井盖缺失")
    page.screenshot(path=str(ARTIFACTS / "mobile-new-problem.png"), full_page=True)
    page.click("#report-send")
    page.wait_for_function("() => document.getElementById('m-queue-count').textContent === '1'")
    expect(page.locator("#m-queue-badge")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "mobile-queued.png"), full_page=True)
    assert Report.objects.count() == before

    context.set_offline(False)
    page.wait_for_function(
        "() => document.getElementById('m-queue-count').textContent === '0'", timeout=15000
    )
    # A second flush (as a retry or the background sync would do) sends nothing more.
    page.evaluate("cgMobile.flush()")
    reports = Report.objects.filter(description="浏览器离线上报：井盖缺失")
    assert reports.count() == 1
    report = reports.get()
    assert report.channel == "inspector"
    assert report.idempotency_key
    assert report.photos.count() == 1
    assert report.case.category_guess_id == int(first_match)
    assert report.case.district.code == "130391"
    page.wait_for_function("() => document.getElementById('report-result').textContent.length > 0")
    page.screenshot(path=str(ARTIFACTS / "mobile-sent.png"), full_page=True)

    # A check task: camera photo, passed.
    page.goto(f"{base}/m/tasks/{to_check.pk}/")
    page.screenshot(path=str(ARTIFACTS / "mobile-check-task.png"), full_page=True)
    page.locator("#check-photo").set_input_files(
        {"name": "check.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes((20, 160, 40))}
    )
    page.locator("label.m-pass").click()
    page.click("form[data-action='check'] button[type=submit]")
    page.wait_for_url(f"{base}/m/")
    to_check.refresh_from_db()
    assert to_check.state == "checked"
    assert to_check.photos.filter(kind="check").count() == 1
    assert errors == []
    context.close()

    desk = chromium.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    desk.route("https://**/*", lambda route: route.abort())
    page = desk.new_page()
    _login(page, base, "handler", "/worklist/")
    expect(page.locator(f"#wl-case-{dispatched.pk}")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "worklist.png"), full_page=True)
    assert Case.objects.filter(pk=dispatched.pk, state="dispatched").exists()
    desk.close()
