"""One case from report to close through the browser only, one role at a time.

The inspector reports on the phone app, the operator verifies and files in
the intake console, the dispatcher dispatches, the department handler
resolves with a photo, the inspector checks on site, the shift lead closes,
and the leader watches the command screen. Every console is saved as a
screenshot in ``test-artifacts/``, and each is checked with axe-core for
missing form labels and contrast failures once the page has settled (maps
drawn, nothing busy). Every wait is for a condition, never a fixed time.
"""

import io

import pytest
from PIL import Image

from civicgrid.testing.browser import axe_violations, chromium, login, new_page, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
assert chromium  # the fixture, imported for pytest

WEST = (119.590, 39.935)
PASSWORD = "civicgrid-demo"


def jpeg(color=(200, 40, 40)) -> dict:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(buffer, "JPEG")
    return {"name": "photo.jpg", "mimeType": "image/jpeg", "buffer": buffer.getvalue()}


def offline_tiles(page) -> None:
    """Keep the test on loopback: map tiles from outside are refused (maps still work)."""
    page.context.route("https://**/*", lambda route: route.abort())


def take(page, form_action: str, fill=None) -> None:
    """Open an action's form, let ``fill`` complete it, submit, and wait for the answer."""
    form = page.locator(f"form[data-action='{form_action}']").first
    # Open the form's <details> without toggling it shut if it is already open.
    form.evaluate("f => { const d = f.closest('details'); if (d) { d.open = true; } }")
    if fill:
        fill(form)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()


@pytest.fixture
def city(settings, tmp_path):
    from civicgrid.demo.city import build_demo_city

    settings.MEDIA_ROOT = str(tmp_path / "media")
    build_demo_city(PASSWORD, with_cases=False)


def test_one_case_from_report_to_close_in_the_browser(live_server, chromium, city):
    from playwright.sync_api import expect

    from civicgrid.cases.models import Case
    from civicgrid.categories.models import Category

    base = live_server.url
    lamp = Category.objects.get(kind="asset", code="01037")
    problems = []

    # 1. The inspector reports on the phone: photo, position, category.
    phone = new_page(chromium, "phone", is_mobile=True, has_touch=True)
    offline_tiles(phone)
    phone.context.grant_permissions(["geolocation"], origin=base)
    phone.context.set_geolocation({"longitude": WEST[0], "latitude": WEST[1]})
    login(phone, base, "inspector")
    phone.goto(f"{base}/m/new/")
    problems += axe_violations(phone)
    phone.locator("#report-photo").set_input_files(jpeg())
    phone.click("[data-step='1'] [data-next='2']")
    phone.wait_for_function("() => document.getElementById('report-lon').value !== ''")
    phone.click("[data-step='2'] [data-next='3']")
    phone.fill("#category-search", "路灯")
    phone.select_option("#category-all", str(lamp.pk))
    phone.fill("#report-description", "路灯夜间不亮（浏览器全流程）")
    screenshot(phone, "e2e-1-inspector-report")
    phone.click("#report-send")
    # The app saves the report in its outbox first, then sends it and says how it went.
    result = phone.locator("#report-result.ok, #report-result.bad")
    result.wait_for(timeout=15_000)
    assert "ok" in result.get_attribute("class"), result.text_content()
    case = Case.objects.get(description="路灯夜间不亮（浏览器全流程）")
    assert case.state == "reported" and case.reported_by_inspector

    # 2. The operator verifies and files in the intake console.
    desk = new_page(chromium, "laptop")
    offline_tiles(desk)
    login(desk, base, "operator")
    desk.goto(f"{base}/intake/")
    problems += axe_violations(desk)
    screenshot(desk, "e2e-2-intake")
    desk.goto(f"{base}/intake/?case={case.pk}")
    take(desk, "verify")
    desk.goto(f"{base}/intake/?case={case.pk}")

    def file_form(form):
        form.locator("select[name=category]").select_option(str(lamp.pk))
        form.locator("select[name=filing_condition] option:nth-child(2)").wait_for(
            state="attached"
        )
        desk.wait_for_load_state("networkidle")
        form.locator("select[name=filing_condition]").select_option(index=1)

    take(desk, "file", file_form)
    case.refresh_from_db()
    assert case.state == "filed" and case.category_id == lamp.pk
    screenshot(desk, "e2e-2-intake-filed")
    desk.context.close()

    # 3. The dispatcher dispatches to the suggested department.
    desk = new_page(chromium, "laptop")
    offline_tiles(desk)
    login(desk, base, "dispatcher")
    desk.goto(f"{base}/dispatch/")
    problems += axe_violations(desk)
    screenshot(desk, "e2e-3-dispatch")
    desk.goto(f"{base}/dispatch/?case={case.pk}")
    take(desk, "dispatch")
    case.refresh_from_db()
    assert case.state == "dispatched" and case.department.code == "SZGY"
    desk.context.close()

    # 4. The department handler resolves with an after-photo.
    desk = new_page(chromium, "laptop")
    offline_tiles(desk)
    login(desk, base, "handler")
    desk.goto(f"{base}/worklist/")
    problems += axe_violations(desk)
    screenshot(desk, "e2e-4-worklist")

    def resolve_form(form):
        form.locator("input[name=photos]").set_input_files(jpeg((40, 160, 60)))
        form.locator("textarea[name=note]").fill("已更换灯泡")

    take(desk, "resolve", resolve_form)
    case.refresh_from_db()
    assert case.state == "resolved"
    desk.context.close()

    # 5. The inspector checks on site with a photo: passed.
    phone.goto(f"{base}/m/")
    problems += axe_violations(phone)
    screenshot(phone, "e2e-5-inspector-tasks")
    phone.goto(f"{base}/m/tasks/{case.pk}/")
    phone.locator("#check-photo").set_input_files(jpeg((20, 160, 40)))
    phone.locator("label.m-pass").click()
    with phone.expect_navigation():
        phone.click("form[data-action='check'] button[type=submit]")
    case.refresh_from_db()
    assert case.state == "checked"
    phone.context.close()

    # 6. The shift lead closes the case from the case page.
    desk = new_page(chromium, "laptop")
    offline_tiles(desk)
    login(desk, base, "shift_lead")
    desk.goto(f"{base}/cases/{case.pk}/")
    problems += axe_violations(desk)
    take(desk, "close")
    case.refresh_from_db()
    assert case.state == "closed" and case.close_type == "normal"
    screenshot(desk, "e2e-6-case-closed")
    desk.goto(f"{base}/cases/")
    problems += axe_violations(desk)
    screenshot(desk, "e2e-6-case-list")
    desk.context.close()

    # 7. The leader sees the command screen.
    wall = new_page(chromium, "wall")
    offline_tiles(wall)
    login(wall, base, "leader")
    wall.goto(f"{base}/screen/")
    expect(wall.locator("#screen")).to_have_attribute("aria-busy", "false")
    problems += axe_violations(wall)
    screenshot(wall, "e2e-7-screen")
    wall.context.close()

    assert [e.action for e in case.events.order_by("seq")] == [
        "report", "verify", "file", "dispatch", "resolve", "check", "close",
    ]  # fmt: skip
    assert problems == []
