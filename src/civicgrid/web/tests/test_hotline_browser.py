"""A hotline call logged with the keyboard only, and its call-back after closure.

The operator types the caller, finds the place through the address search
(Enter takes the first result and moves on), picks category and filing
condition with the arrow keys and files at once; the case is then handled
and closed through the services, and the operator records the caller's
satisfaction from "call-backs due", again with the keyboard. The form is
checked with axe-core (labels, contrast) and for CSP violations. Every wait
is for a condition.
"""

import pytest

from civicgrid.testing.browser import (
    axe_violations,
    chromium,
    login,
    new_page,
    screenshot,
    watch_csp,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
assert chromium  # the fixture, imported for pytest

PASSWORD = "civicgrid-demo"


@pytest.fixture
def city(settings, tmp_path):
    from civicgrid.demo.city import build_demo_city

    settings.MEDIA_ROOT = str(tmp_path / "media")
    build_demo_city(PASSWORD, with_cases=False)


def focused_id(page) -> str:
    return page.evaluate("() => document.activeElement && document.activeElement.id")


def tab_to(page, element_id: str, limit: int = 25) -> None:
    """Press Tab until ``element_id`` has the focus (the map's own controls lie between)."""
    for _ in range(limit):
        if focused_id(page) == element_id:
            return
        page.keyboard.press("Tab")
    assert focused_id(page) == element_id


def close_through_services(case_id: int) -> None:
    """Dispatch, resolve, check and close the case as the demo staff would."""
    from django.contrib.auth import get_user_model

    from civicgrid.cases.models import Case
    from civicgrid.cases.services import act
    from civicgrid.cases.services.photos import check_uploads, store_photo
    from civicgrid.org.models import Department
    from civicgrid.web.tests.conftest_desk import jpeg

    users = get_user_model().objects
    case = Case.objects.get(pk=case_id)
    department = Department.objects.get(code="SZGY")  # the demo ``handler`` works there
    act(case.pk, "dispatch", users.get(username="dispatcher"), department=department.pk)
    handler = users.get(username="handler")
    photo = store_photo(check_uploads([jpeg()])[0], "after", handler)
    act(case.pk, "resolve", handler, photos=[photo.pk], note="已修复")
    act(case.pk, "check", users.get(username="inspector"), passed=True)
    act(case.pk, "close", users.get(username="shift_lead"))


def test_log_a_hotline_call_by_keyboard_and_call_back(live_server, chromium, city):
    from playwright.sync_api import expect

    from civicgrid.cases.models import Case
    from civicgrid.places.models import Street

    base = live_server.url
    street = Street.objects.order_by("code").first()
    with watch_csp() as csp:
        page = new_page(chromium, "laptop")
        page.context.route("https://**/*", lambda route: route.abort())
        login(page, base, "operator")
        page.goto(f"{base}/intake/new")
        assert axe_violations(page) == []
        assert focused_id(page) == "id_channel"  # the call starts at the channel

        keys = page.keyboard
        keys.press("Tab")
        keys.type("张三")
        keys.press("Tab")
        keys.type("13812341234")
        tab_to(page, "place-search")
        keys.type(street.name)
        expect(page.locator("#place-results [role=option]").first).to_be_visible()
        keys.press("Enter")  # takes the first place and moves on to the address
        assert focused_id(page) == "id_address"
        expect(page.locator("#pin-status")).not_to_have_text("尚未放置标记")
        keys.type("门牌12号对面")
        tab_to(page, "id_category")
        keys.press("ArrowDown")  # the first category; its conditions load
        expect(page.locator("#id_filing_condition option").nth(1)).to_be_attached()
        keys.press("Tab")
        keys.press("ArrowDown")
        expect(page.locator("#condition-note")).not_to_be_empty()
        keys.press("Tab")
        keys.type("井盖缺失，来电人称有人险些踩空")
        tab_to(page, "hotline-file")
        screenshot(page, "hotline-form")
        with page.expect_navigation():
            keys.press("Enter")
        case = Case.objects.get(description="井盖缺失，来电人称有人险些踩空")
        assert case.state == "filed" and case.origin_channel == "hotline"
        report = case.reports.get()
        assert (report.reporter_name, report.reporter_phone) == ("张三", "13812341234")
        assert report.address == f"{street.name}门牌12号对面" and report.street_id == street.pk
        assert f"?case={case.pk}" in page.url

        close_through_services(case.pk)
        page.goto(f"{base}/intake/")  # the count of call-backs due is marked
        expect(page.locator(".desk-counts .warn dd")).to_have_text("1")
        assert axe_violations(page) == []
        page.goto(f"{base}/intake/callbacks")
        assert axe_violations(page) == []
        link = page.get_by_role("link", name=case.code)
        link.focus()
        with page.expect_navigation():
            keys.press("Enter")
        form = page.locator("form[data-action='call_back']")
        expect(form).to_be_visible()
        form.locator("input[name=satisfaction]").first.focus()
        keys.press("ArrowDown")  # 基本满意
        keys.press("Tab")
        keys.type("来电人认可处理结果")
        keys.press("Tab")
        with page.expect_navigation():
            keys.press("Enter")
        case.refresh_from_db()
        assert case.callback_result == "basically_satisfied" and case.state == "closed"
        expect(page.locator(".messages")).to_be_visible()
        screenshot(page, "hotline-called-back")
        page.context.close()
    assert csp == []
