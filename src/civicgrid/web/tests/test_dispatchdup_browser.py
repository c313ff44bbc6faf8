"""In a real browser: the suspected original beside its duplicate, and the department load.

The side-by-side map starts from a static file when HTMX swaps the panel in
(no inline script: CSP), the merge button works, and the new parts pass
axe's label and contrast rules; the dispatch console's confirmation box is
labelled too.
"""

import pytest
from django.contrib.auth import get_user_model

from civicgrid.cases.models import Case, Report
from civicgrid.testing.browser import axe_violations, chromium, login, new_page  # noqa: F401
from civicgrid.web.tests import conftest_desk as desk
from civicgrid.web.tests.conftest_field import PASSWORD, build_field_city

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def offline(page):
    """Keep the page from fetching map tiles from outside (the map still draws)."""
    page.context.route("https://**/*", lambda route: route.abort())
    return page


def test_duplicate_side_by_side_and_unstaffed_department(
    live_server,
    chromium,  # noqa: F811
    settings,
    tmp_path,
):
    """Operator merges from the side-by-side panel; dispatcher sees the unstaffed warning."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    city = build_field_city()
    condition = desk.a_condition()
    original = desk.report(city, category=condition.category_id, photos=[desk.jpeg()])
    lon, lat = desk.WEST
    again = desk.report(
        city, (lon + 0.0002, lat), category=condition.category_id, text="再次反映",
        photos=[desk.jpeg((20, 20, 200))],
    )  # fmt: skip
    report = Report.objects.get(case=again)
    base = live_server.url

    page = offline(new_page(chromium))
    login(page, base, "operator", PASSWORD)
    page.goto(f"{base}/intake/")
    page.click("#duplicates-link")
    page.wait_for_url("**/intake/?queue=duplicates")
    page.click(f"a.open-case[href*='case={again.pk}']")
    page.wait_for_selector(f"#dup-map-{report.pk}.leaflet-container")
    assert page.locator(".dup-photos img").count() == 2
    assert axe_violations(page) == []
    with page.expect_navigation():
        page.click(f".dup-compare form[action$='/reports/{report.pk}/merge'] button")
    assert Case.objects.get(pk=again.pk).state == "voided"
    assert Report.objects.get(pk=report.pk).case_id == original.pk

    filed = desk.filed(city)
    get_user_model().objects.filter(department_id=city.department("GSZX")).update(is_active=False)
    desk_page = offline(new_page(chromium))
    login(desk_page, base, "dispatcher", PASSWORD)
    desk_page.goto(f"{base}/dispatch/?case={filed.pk}")
    desk_page.wait_for_selector("#load-table tr.no-handler")
    assert desk_page.locator(f"#q-dispatch-confirm_no_handler-{filed.pk}").count() == 1
    assert axe_violations(desk_page) == []
